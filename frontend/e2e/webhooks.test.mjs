/**
 * Webhooks (issue #18) against the real stack (E2E_BASE_URL, demo data): a university administrator adds a webhook
 * endpoint (推送地址) for the university's integration client on 系统对接 → 推送地址, choosing 工作计划被退回; the
 * signing secret is shown once. The journey runs the receiver: a local HTTP server that verifies each delivery's
 * Standard Webhooks signature with that secret (HMAC-SHA256 over "id.timestamp.body", as docs/webhooks.md shows).
 * The province returns the university's submitted plan; the plans service's outbox relays plan.returned to the
 * gateway, which delivers it; the receiver gets it, signed, and the endpoint's 投递记录 shows it 已送达.
 * Screenshot: e2e-screenshots/95-webhook-delivered.png.
 */
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { api, go, launch, PHONE, settled, shot, signIn, signInPhone, SKIP_REASON } from './helpers.mjs'


if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('webhook journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()

/** The receiver: records every POST with its raw body and headers. */
function startReceiver() {
  const got = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(204).end()
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, got, url: `http://127.0.0.1:${server.address().port}/campus/hooks` })))
}

/** Standard Webhooks verification (docs/webhooks.md): any v1 signature matching HMAC-SHA256(key, "id.ts.body"). */
function verify(secret, headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body])
  const expected = createHmac('sha256', key).update(signed).digest()
  if (Math.abs(Date.now() / 1000 - Number(headers['webhook-timestamp'])) > 300) return false
  return headers['webhook-signature'].split(' ').some((s) => {
    const [version, sig] = s.split(',')
    const given = Buffer.from(sig ?? '', 'base64')
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

/** A university administrator whose university has a submitted plan of the year (else one submitted now). */
async function submittedPlan() {
  for (const want of ['submitted', 'draft', 'returned']) {
    for (let n = 1; n <= 8; n++) {
      const who = `u${n}_admin`
      const plan = (await api(who, 'GET', `/api/plans/plans?year=${YEAR}`).catch(() => ({ items: [] }))).items[0]
      if (plan?.status !== want) continue
      if (want === 'submitted') return { who, plan }
      const tasks = await api(who, 'GET', `/api/plans/plans/${plan.id}/tasks?limit=1`)
      if (!tasks.items.length) continue
      await api(who, 'POST', `/api/plans/plans/${plan.id}/submit`)
      return { who, plan }
    }
  }
  throw new Error(`no university has a plan of ${YEAR} to submit`)
}

async function until(check, what, seconds = 30) {
  for (let i = 0; i < seconds * 4; i++) {
    const v = await check()
    if (v) return v
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('Webhooks (#18)', { skip: SKIP_REASON }, () => {
  let browser, receiver
  before(async () => {
    browser = await launch()
    receiver = await startReceiver()
  })
  after(async () => {
    await browser?.close()
    receiver?.server.close()
  })

  test('the university admin adds an endpoint; a returned plan reaches the campus system signed and shows delivered', async () => {
    const { who, plan } = await submittedPlan()
    // the university's integration client (the demo may have none: made through the API, not the point here)
    const clients = (await api(who, 'GET', '/api/clients')).items.filter((c) => c.active)
    const client = clients[0] ?? (await api(who, 'POST', '/api/clients', { name: '校园门户', org_id: (await api(who, 'GET', '/api/auth/me')).university_id, scopes: ['training:read'] }))

    // 1. 推送地址: add the endpoint for 工作计划被退回; the secret is shown once
    const { page, errors, context } = await signIn(browser, who)
    await go(page, '/webhooks')
    await page.locator('[data-test="webhook-create"]').click()
    const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test="webhook-url"]') })
    await dialog.locator('[data-test="webhook-client"]').click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: client.client_id }).first().click()
    await dialog.locator('[data-test="webhook-url"]').fill(receiver.url)
    await dialog.locator('[data-test="webhook-type-plan.returned"]').click()
    await dialog.locator('[data-test="webhook-save"]').click()
    const secretBox = page.locator('[data-test="webhook-secret"]')
    await secretBox.waitFor()
    const secret = (await secretBox.textContent()).trim()
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/)
    await page.keyboard.press('Escape')
    await settled(page)
    const row = page.locator('[data-test="webhook-table"] .el-table__body-wrapper tr').filter({ hasText: receiver.url })
    await row.waitFor()
    assert.match(await row.textContent(), /工作计划被退回/)

    // 2. the province returns the plan (the API: the review page is the notifications journey's)
    await api('admin', 'POST', `/api/plans/plans/${plan.id}/return`, { comment: '请补充保障措施后重新提交。' })

    // 3. the campus system receives it, signed with the secret it was shown
    const delivery = await until(() => receiver.got.find((g) => JSON.parse(g.body).subject === `plan:${plan.id}`), 'the delivery')
    assert.ok(verify(secret, delivery.headers, delivery.body), 'the signature verifies with the endpoint secret')
    assert.ok(!verify(secret.slice(0, -4) + 'AAA=', delivery.headers, delivery.body), 'another secret does not verify')
    const body = JSON.parse(delivery.body)
    assert.equal(body.type, 'plan.returned')
    assert.equal(body.id, delivery.headers['webhook-id'])
    assert.equal(body.data.recipients, undefined)

    // 4. 投递记录: the delivery shows as 已送达 with the receiver's answer
    await row.locator('[data-test="webhook-deliveries"]').click()
    const table = page.locator('[data-test="delivery-table"]')
    await until(async () => {
      await page.locator('[data-test="webhook-refresh"]').click()
      await settled(page)
      return (await table.locator('[data-test="delivery-status-delivered"]').count()) > 0
    }, 'the delivered status')
    assert.match(await table.textContent(), /工作计划被退回/)
    assert.match(await table.textContent(), /204/)
    await shot(page, '95-webhook-delivered')
    assert.deepEqual(errors, [])
    await context.close()
  })
  test('on a 390 px phone the page, the new-endpoint dialog and the deliveries drawer do not scroll sideways', async () => {
    const who = 'u1_admin'
    const { page, errors, context } = await signInPhone(browser, who)
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    await go(page, '/webhooks')
    await settled(page)
    assert.ok((await sideways()) <= 0, 'the page scrolls sideways')
    await page.locator('[data-test="webhook-create"]').click()
    await page.locator('[data-test="webhook-url"]').waitFor()
    assert.ok((await sideways()) <= 0, 'the dialog scrolls sideways')
    const box = await page.locator('.el-dialog').filter({ has: page.locator('[data-test="webhook-url"]') }).boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `the dialog is ${JSON.stringify(box)}`)
    await shot(page, '96-webhook-new-phone')
    await page.keyboard.press('Escape')
    const rows = page.locator('[data-test="webhook-deliveries"]')
    if (await rows.count()) {
      await rows.first().click()
      await page.locator('[data-test="delivery-table"]').waitFor()
      assert.ok((await sideways()) <= 0, 'the drawer scrolls sideways')
    }
    assert.deepEqual(errors, [])
    await context.close()
  })
})
