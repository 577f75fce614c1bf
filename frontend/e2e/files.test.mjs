/**
 * Files as evidence (issue #16) against the real stack (E2E_BASE_URL, demo data):
 * - a staff member on a 390×844 phone attaches a certificate to their self-report (a renamed program is refused
 *   before it is sent, a GIF named .pdf is refused by the server, both in Chinese), and nothing is wider than the screen;
 * - an expert reads a nomination's PDF next to the scoring form in a blind campaign (the document's author is not in
 *   the bytes they receive, nor the university's file name) and scores it;
 * - a department manager reports progress with two photos, which come back as thumbnails.
 * Set-up that is not the point goes through the API; every file is made here (a real PDF, real PNGs).
 */
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { api, BASE_URL, expectMessage, field, launch, PASSWORD, PHONE, settled, shot, signIn, SKIP_REASON, tokenFor } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('file journeys', { skip: SKIP_REASON }, () => {})
}

const STAMP = Date.now()
const YEAR = new Date().getFullYear()

/** A small, valid PDF (one page of text) whose document properties name `author`. */
function pdfBytes(text, { author = null, title = null } = {}) {
  const content = `BT /F1 18 Tf 30 100 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  if (author || title) objects.push(`<< ${author ? `/Author (${author}) ` : ''}${title ? `/Title (${title}) ` : ''}/Producer (e2e) >>`)
  let out = '%PDF-1.4\n'
  const offsets = []
  objects.forEach((o, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${author || title ? ` /Info ${objects.length} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
/** A real PNG photo stand-in: `w`×`h`, a colour gradient (so its thumbnail is not blank). */
function pngBytes(w, h, [r, g, b]) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  const rows = []
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3)
    for (let x = 0; x < w; x++) row.set([(r + x) & 255, (g + y) & 255, b], 1 + x * 3)
    rows.push(row)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}

/** Upload `bytes` as `username` through the API (set-up): the stored attachment. */
async function uploadAs(username, svc, name, bytes) {
  const res = await fetch(`${BASE_URL}/api/${svc}/attachments?filename=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await tokenFor(username)}`, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`upload ${name} as ${username}: ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

/** The images under `scope` that the browser decoded (not blocked, not broken). */
const shownImages = (scope) => scope.locator('img').evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length)

/** Nothing of the page reaches past the right edge of the screen (tables scroll inside themselves). */
async function assertFits(page, where) {
  const m = await page.evaluate(() => {
    const wide = [...document.querySelectorAll('#app *, .el-overlay *')]
      .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((el) => !el.closest('.el-table__body-wrapper, .el-table__header-wrapper, .el-scrollbar__wrap'))
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`)
    return { doc: document.documentElement.scrollWidth, inner: window.innerWidth, wide }
  })
  assert.ok(m.doc <= m.inner, `${where}: the page is ${m.doc} px wide on a ${m.inner} px screen`)
  assert.deepEqual(m.wide.slice(0, 5), [], `${where}: elements past the right edge`)
}

describe('file journeys', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('staff on a phone (390×844) attaches a certificate to their self-report', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', baseURL: BASE_URL, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto('/login')
    await field(page, 'username').fill('u1_d1_staff1')
    await field(page, 'password').fill(PASSWORD)
    await page.locator('[data-test="login-submit"]').click()
    await page.waitForURL(/\/my\/ledger/)
    await settled(page)

    await page.locator('[data-test="report-training"]').click()
    const dialog = page.locator('.el-dialog:visible')
    const form = dialog.locator('[data-test="self-report-form"]')
    const title = `E2E 校外急救培训（附证书） ${STAMP}`
    await field(form, 'rec-title').fill(title)
    await field(form, 'rec-hours').fill('4')
    await form.locator('[data-test="rec-themes"] .el-checkbox').nth(5).click()
    const input = dialog.locator('[data-test="file-input"]')

    // a program renamed .pdf: refused before it is sent, in Chinese
    await input.setInputFiles({ name: 'certificate.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]) })
    const refused = dialog.locator('[data-test="upload-entry"][data-status="error"] [data-test="upload-error"]').first()
    await refused.waitFor()
    assert.match(await refused.textContent(), /此处不接受该类文件/)
    await dialog.locator('[data-test="upload-entry"][data-status="error"] [data-test="upload-remove"]').first().click()
    // a GIF named .pdf passes the name check and is refused by the server (415), translated
    await input.setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1') })
    const serverRefused = dialog.locator('[data-test="upload-entry"][data-status="error"] [data-test="upload-error"]').first()
    await serverRefused.waitFor()
    assert.match(await serverRefused.textContent(), /此处不接受该类文件/)
    await dialog.locator('[data-test="upload-entry"][data-status="error"] [data-test="upload-remove"]').first().click()

    // the certificate itself, with its Chinese name
    const name = `急救培训结业证书-${STAMP}.pdf`
    await input.setInputFiles({ name, mimeType: 'application/pdf', buffer: pdfBytes('First aid course certificate') })
    await dialog.locator('[data-test="upload-entry"][data-status="done"]').waitFor()
    assert.equal(await dialog.locator('[data-test="upload-entry"][data-status="done"] .el-progress-bar__inner').getAttribute('style').then((s) => /width: 100%/.test(s ?? '')), true)
    await assertFits(page, 'the report dialog with an upload')
    const submit = page.locator('[data-test="self-report-submit"]')
    await submit.scrollIntoViewIfNeeded()
    const box = await submit.boundingBox()
    assert.ok(box && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height, 'the submit button is on screen')
    await shot(page, 'f10-phone-staff-certificate')
    await submit.click()
    await expectMessage(page, /提交|Submitted/)
    await settled(page)

    // stored and attached, under its own name
    const report = (await api('u1_d1_staff1', 'GET', '/api/training/self-reports?limit=100')).items.find((r) => r.title === title)
    assert.ok(report, 'the report is stored')
    const files = (await api('u1_d1_staff1', 'GET', `/api/training/self-reports/${report.id}/attachments`)).items
    assert.deepEqual(files.map((f) => [f.name, f.kind]), [[name, 'pdf']])

    // the report's card shows the certificate; it opens and downloads with the same name
    const card = page.locator('[data-test="my-report-card"]').filter({ hasText: title })
    await card.locator('[data-test="attachments-open"]').click()
    const filesDialog = page.locator('[data-test="attachments-dialog"]:visible, .el-dialog:visible').last()
    const row = filesDialog.locator('[data-test="attachment"]').filter({ hasText: name })
    await row.waitFor()
    await assertFits(page, 'the certificate list')
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-test="attachment-download"]').click()])
    assert.equal(download.suggestedFilename(), name)
    await shot(page, 'f11-phone-staff-certificate-list')
    // another university's staff member cannot see it
    await assert.rejects(api('u2_d1_staff1', 'GET', `/api/training/self-reports/${report.id}/attachments`), /404/)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('expert reads a nomination PDF next to the scoring form in a blind campaign, and scores it', async () => {
    const E = '/api/evaluation'
    const types = await api('admin', 'GET', `${E}/campaign-types`)
    const type = types.find((x) => /案例|case/i.test(`${x.name} ${x.code}`)) ?? types[0]
    const campaign = await api('admin', 'POST', `${E}/campaigns`, {
      type: type.code, year: YEAR, title: `E2E 盲评材料 ${STAMP}`, quota_per_university: 2, awards_count: 1, experts_per_nomination: 1, blind: true,
    })
    const cid = campaign.id
    await api('admin', 'PUT', `${E}/campaigns/${cid}/rubric`, {
      criteria: [{ code: 'effect', name: '育人成效', weight: 100, max_score: 10, levels: [{ score: 10, description: '成效显著' }, { score: 4, description: '有待提高' }] }],
    })
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'nomination' })
    const nomination = await api('u1_admin', 'POST', `${E}/campaigns/${cid}/nominations`, { title: `E2E 食堂育人案例（盲评） ${STAMP}`, text: '见申报书' })
    const AUTHOR = 'Zhongyuan Institute of Technology Logistics Office'
    const form = await uploadAs('u1_admin', 'evaluation', `中原理工-申报书-${STAMP}.pdf`, pdfBytes('Application form', { author: AUTHOR, title: 'Zhongyuan canteen case' }))
    await api('u1_admin', 'POST', `${E}/nominations/${nomination.id}/attachments`, { attachment_ids: [form.id] })
    await api('u1_admin', 'POST', `${E}/nominations/${nomination.id}/submit`)
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'preselection' })
    const expert = (await api('admin', 'GET', '/api/users?role=expert&q=expert1')).items.find((u) => u.username === 'expert1')
    await api('admin', 'PUT', `${E}/campaigns/${cid}/experts`, { experts: [{ expert_id: expert.id, university_id: expert.university_id, name: expert.display_name }] })
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'review' })
    await api('admin', 'POST', `${E}/campaigns/${cid}/assignments/auto`)

    const { context, page, errors } = await signIn(browser, 'expert1')
    await page.goto('/evaluation/reviews')
    await settled(page)
    const inline = page.waitForResponse((r) => /\/api\/evaluation\/attachments\/[^/]+\/content\?disposition=inline/.test(r.url()))
    await page.locator('[data-test="assignment"]').filter({ hasText: String(STAMP) }).first().click()
    const detail = page.locator('[data-test="review-detail"]')
    await detail.locator('[data-test="blind-note"]').waitFor()
    const viewer = detail.locator('[data-test="attachment-viewer"][data-kind="pdf"]')
    const frame = viewer.locator('[data-test="pdf-frame"]')
    await frame.waitFor()
    await settled(page)

    // side by side: the PDF on the left, the scoring form on the right, both on screen at once
    const v = await frame.boundingBox()
    const f = await detail.locator('[data-test="score-form"]').boundingBox()
    assert.ok(v && f, 'both the viewer and the form are shown')
    assert.ok(v.x + v.width <= f.x + 1, `the PDF (x ${v.x}..${v.x + v.width}) is left of the form (x ${f.x})`)
    assert.ok(v.y < f.y + f.height && f.y < v.y + v.height, 'they share the same rows')

    // the page frames the fetched bytes (the policy lets an object URL of its own be framed)
    const src = await viewer.getAttribute('data-src')
    assert.match(src, /^blob:/)
    const framed = await frame.evaluate((el) => el.contentDocument?.URL ?? null)
    assert.equal(framed, src, 'the PDF is framed, not blocked')
    // what the expert receives from the URL the page asked is the PDF, without the properties naming the university
    const asked = (await inline).url()
    const res = await fetch(asked, { headers: { Authorization: `Bearer ${await tokenFor('expert1')}` } })
    assert.equal(res.status, 200)
    const bytes = Buffer.from(await res.arrayBuffer())
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-')
    assert.ok(!bytes.includes(Buffer.from('Zhongyuan Institute')), 'the author is removed in a blind campaign')
    const listed = await detail.locator('[data-test="attachment-name"]').allTextContents()
    assert.ok(listed.length === 1 && !listed[0].includes('中原理工'), `the file name does not name the university (${listed})`)
    await shot(page, 'f20-expert-pdf-beside-scoring')

    // score it next to the material
    await detail.locator('[data-test="score-form"] .el-radio').first().click()
    await detail.locator('[data-test="score-save"]').click()
    await expectMessage(page, /保存|saved/i)
    const sheets = await api('expert1', 'GET', `${E}/nominations/${nomination.id}/scores`)
    assert.deepEqual(sheets[0]?.items.map((x) => x.score), [10], 'the expert\'s score is stored')
    assert.deepEqual(errors, [])
    await context.close()

    // on a phone: the material first, then the form, one tap away; nothing wider than the screen
    const phone = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', baseURL: BASE_URL, isMobile: true, hasTouch: true })
    const p = await phone.newPage()
    p.setDefaultTimeout(20_000)
    await p.goto('/login')
    await field(p, 'username').fill('expert1')
    await field(p, 'password').fill(PASSWORD)
    await p.locator('[data-test="login-submit"]').click()
    await p.waitForURL(/\/evaluation\/reviews/)
    await settled(p)
    await p.locator('[data-test="assignment"]').filter({ hasText: String(STAMP) }).first().click()
    await p.locator('[data-test="pdf-frame"]').waitFor()
    await settled(p)
    const pv = await p.locator('[data-test="pdf-frame"]').boundingBox()
    const pf = await p.locator('[data-test="score-form"]').boundingBox()
    assert.ok(pv.y + pv.height <= pf.y, 'the material is above the form on a phone')
    await assertFits(p, 'the expert\'s material on a phone')
    await p.locator('[data-test="to-score-form"]').click()
    await p.waitForTimeout(500)
    const formBox = await p.locator('[data-test="score-form"]').boundingBox()
    assert.ok(formBox.y >= 0 && formBox.y < PHONE.height, `the form is on screen after one tap (y ${formBox.y})`)
    await shot(p, 'f21-phone-expert-to-score-form')
    await phone.close()
  })

  test('department manager reports progress with two photos', async () => {
    const me = await api('u1_d1_mgr', 'GET', '/api/auth/me')
    const plan = (await api('u1_admin', 'GET', `/api/plans/plans?year=${YEAR}`)).items[0]
    assert.equal(plan?.status, 'approved', "u1's plan of the year is approved in the demo data")
    const tasks = (await api('u1_admin', 'GET', `/api/plans/plans/${plan.id}/tasks?limit=500`)).items
    const task = tasks.find((x) => x.department_id === me.department_id && x.status !== 'done') ?? tasks.find((x) => x.department_id === me.department_id)
    assert.ok(task, "a task of the manager's department")

    const { context, page, errors } = await signIn(browser, 'u1_d1_mgr')
    await page.goto('/plans/progress')
    await settled(page)
    const row = page.locator('.el-table__row').filter({ hasText: task.title }).first()
    await row.locator('[data-test="report-progress"]').click()
    const dialog = page.locator('.el-dialog:visible')
    await dialog.locator('[data-test="progress-form"]').waitFor()
    await field(dialog, 'progress-evidence').fill('改造后的食堂（照片两张）')
    const photos = [
      { name: `食堂改造前-${STAMP}.png`, mimeType: 'image/png', buffer: pngBytes(64, 48, [200, 40, 40]) },
      { name: `食堂改造后-${STAMP}.png`, mimeType: 'image/png', buffer: pngBytes(64, 48, [40, 160, 60]) },
    ]
    await dialog.locator('[data-test="file-input"]').setInputFiles(photos)
    await page.waitForFunction(() => document.querySelectorAll('.el-dialog [data-test="upload-entry"][data-status="done"]').length === 2)
    assert.equal(await dialog.locator('[data-test="upload-progress"]').count(), 2, 'one progress bar per photo')
    await shot(page, 'f30-manager-progress-two-photos')
    await dialog.locator('[data-test="progress-save"]').click()
    await expectMessage(page, /上报|reported/i)
    await settled(page)

    const reports = (await api('u1_d1_mgr', 'GET', `/api/plans/tasks/${task.id}/progress?limit=100`)).items
    const mine = reports.find((r) => r.evidence === '改造后的食堂（照片两张）')
    assert.ok(mine, 'the report is stored')
    const files = (await api('u1_d1_mgr', 'GET', `/api/plans/progress/${mine.id}/attachments`)).items
    assert.deepEqual(files.map((x) => x.kind).sort(), ['png', 'png'])
    assert.deepEqual(files.map((x) => x.name).sort(), photos.map((p) => p.name).sort())

    // back in the dialog, the report's photos come as thumbnails
    await row.locator('[data-test="report-progress"]').click()
    const again = page.locator('.el-dialog:visible').first()
    await page.waitForFunction((n) => document.querySelectorAll('.el-dialog .el-timeline-item').length === n, reports.length)
    const history = again.locator('.el-timeline-item').filter({ hasText: '改造后的食堂' }).first()
    await history.locator('[data-test="attachments-open"]').click()
    const list = page.locator('[data-test="attachments-dialog"]:visible, .el-dialog:visible').last()
    await page.waitForFunction(() => document.querySelectorAll('[data-test="attachment-thumb"]').length >= 2)
    await page.waitForTimeout(300)
    assert.equal(await shownImages(list), 2, 'both thumbnails are shown (fetched with the token, shown from object URLs)')
    assert.deepEqual((await list.locator('[data-test="attachment-name"]').allTextContents()).sort(), photos.map((p) => p.name).sort())
    await shot(page, 'f31-manager-progress-thumbnails')
    // another university cannot read them
    await assert.rejects(api('u2_admin', 'GET', `/api/plans/progress/${mine.id}/attachments`), /404/)
    assert.deepEqual(errors, [])
    await context.close()
  })
})
