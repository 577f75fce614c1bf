// e2e: shares its platform — it changes nothing another journey could see (tests/e2e/run_e2e.py)
/**
 * Every message in the user's language (issue #17): an invalid form submitted in zh-CN shows only Chinese — the
 * form's own rules (请输入工号, 请输入培训名称, 请至少选择一个培训主题) and the server's 422 translated from its
 * codes under the field (an unknown employee number), never pydantic's English sentence; the same form in en.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SKIP_REASON, field, go, launch, settled, shot, signIn } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('i18n journeys', { skip: SKIP_REASON }, () => {})
}

/** Three or more Latin letters in a row: an English word (codes such as "A1" or "Excel" aside, none is expected). */
const ENGLISH = /[A-Za-z]{3,}/

/** The texts the user reads in the dialog and in the toasts: form errors, alerts, messages. */
async function shownTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.el-dialog .el-form-item__error, .el-dialog .el-alert__title, .el-message__content')]
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => el.textContent.trim())
      .filter(Boolean),
  )
}

describe('messages in the user language', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('zh-CN: an invalid training record shows only Chinese, from the form and from the server', async () => {
    const { context, page, errors } = await signIn(browser, 'u1_admin')
    await go(page, '/training/records')
    await page.locator('[data-test="record-create"]').click()
    const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test="record-form"]') })
    await dialog.waitFor()
    // nothing filled in: the form's own rules answer, in Chinese, and nothing is sent
    let posted = 0
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/training/records')) posted++
    })
    await page.locator('[data-test="record-save"]').click()
    await page.waitForTimeout(400)
    let texts = await shownTexts(page)
    assert.ok(texts.includes('请输入工号'), JSON.stringify(texts))
    assert.ok(texts.includes('请输入培训名称'), JSON.stringify(texts))
    assert.ok(texts.includes('请至少选择一个培训主题'), JSON.stringify(texts))
    assert.deepEqual(texts.filter((x) => ENGLISH.test(x)), [], 'no English under the fields')
    assert.equal(posted, 0, 'an invalid form is not sent')
    await shot(page, '90-i18n-record-form-rules-zh')

    // valid for the form, refused by the server (no such employee number): its 422 is translated from the code
    await field(page, 'rec-employee-no').fill('NO-SUCH-PERSON-9')
    await field(page, 'rec-title').fill('消防安全培训')
    await dialog.locator('[data-test="rec-themes"] .el-checkbox').first().click()
    await field(page, 'rec-hours').fill('4')
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/api/training/records'))
    await page.locator('[data-test="record-save"]').click()
    const res = await answer
    assert.equal(res.status(), 422)
    const problem = await res.json()
    assert.ok(problem.errors.every((e) => typeof e.code === 'string'), 'the server sends a code with every entry')
    const english = problem.errors.map((e) => e.msg)
    await settled(page)
    texts = await shownTexts(page)
    assert.ok(texts.includes('未找到该工号的人员（或不在您的管理范围内）'), JSON.stringify(texts))
    for (const msg of english) assert.ok(!texts.some((x) => x.includes(msg)), `the server's "${msg}" is not shown`)
    assert.deepEqual(texts.filter((x) => ENGLISH.test(x)), [], `only Chinese: ${JSON.stringify(texts)}`)
    await shot(page, '91-i18n-record-server-422-zh')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('en: the same form speaks English', async () => {
    const { context, page } = await signIn(browser, 'u1_admin', { locale: 'en' })
    await page.evaluate(() => localStorage.setItem('sq.locale', 'en'))
    await go(page, '/training/records')
    await page.locator('[data-test="record-create"]').click()
    await page.locator('[data-test="record-save"]').click()
    await page.waitForTimeout(400)
    const texts = await shownTexts(page)
    assert.ok(texts.includes('Enter the training name'), JSON.stringify(texts))
    assert.ok(texts.includes('Choose at least one training theme'), JSON.stringify(texts))
    await context.close()
  })
})
