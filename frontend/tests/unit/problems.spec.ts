import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/http'
import { familyOf, fieldErrorText, fieldLabel } from '@/api/problems'
import { i18n, setLocale } from '@/i18n'
import { errorMessage } from '@/utils/feedback'

/** A 422 exactly as the kernel sends it (kernel/tests/test_error_codes.py checks the server side). */
const invalidTask = {
  type: 'about:blank', title: 'Unprocessable Content', status: 422, code: 'invalid', detail: 'The request is malformed',
  errors: [
    {
      loc: ['body', 'title'], msg: 'String should have at least 1 character', type: 'string_too_short',
      field: 'title', code: 'string_too_short', params: { min_length: 1 }, message: 'String should have at least 1 character',
    },
    {
      loc: ['body', 'themes'], msg: 'List should have at least 1 item after validation, not 0', type: 'too_short',
      field: 'themes', code: 'too_short', params: { field_type: 'List', min_length: 1, actual_length: 0 },
      message: 'List should have at least 1 item after validation, not 0',
    },
    {
      loc: ['body', 'hours'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal',
      field: 'hours', code: 'greater_than_equal', params: { ge: 0 }, message: 'Input should be greater than or equal to 0',
    },
  ],
}

const ASCII_WORD = /[A-Za-z]{3,}/

describe('server problems in the user language (#17)', () => {
  afterEach(() => setLocale('zh-CN'))

  it('translates each 422 entry from its code and names the field by its label in zh-CN', () => {
    setLocale('zh-CN')
    const e = new ApiError(422, invalidTask, null)
    expect(e.fieldErrors).toEqual({ title: '至少填写 1 个字符', themes: '至少选择或填写 1 项', hours: '不能小于 0' })
    const text = errorMessage(e, { title: '任务名称' })
    expect(text).toBe('提交的内容有误：任务名称：至少填写 1 个字符；培训主题：至少选择或填写 1 项；学时：不能小于 0')
    expect(text).not.toMatch(ASCII_WORD)
  })

  it('says the same in English', () => {
    setLocale('en')
    const e = new ApiError(422, invalidTask, null)
    expect(e.fieldErrors.title).toBe('At least 1 characters')
    expect(e.fieldErrors.themes).toBe('Choose or enter at least 1')
    expect(errorMessage(e)).toContain('Themes：Choose or enter at least 1')
  })

  it('never shows an English sentence in zh-CN: unknown codes fall back to their family, English details are dropped', () => {
    setLocale('zh-CN')
    expect(fieldErrorText({ code: 'string_unicode', msg: 'Input should be a valid string, unable to parse raw data' })).toBe('文字内容不符合要求')
    expect(fieldErrorText({ code: 'timedelta_parsing', msg: 'Input should be a valid timedelta' })).toBe('日期无效')
    expect(fieldErrorText({ code: 'something_new', msg: 'Something new went wrong' })).toBe('内容不符合要求')
    expect(fieldErrorText({ msg: '不能晚于今天' })).toBe('不能晚于今天') // the domain's own Chinese words stay
    expect(fieldLabel('items.0.responsible_name')).toBe('主要责任人')
    expect(fieldLabel('some_unknown_field')).toBe('提交的内容')
    const conflict = new ApiError(409, { status: 409, code: 'conflict', detail: 'approve is not allowed in the draft phase' }, null)
    expect(errorMessage(conflict)).toBe('与当前状态冲突')
    const chinese = new ApiError(409, { status: 409, code: 'conflict', detail: '工号 A1 已被使用' }, null)
    expect(errorMessage(chinese)).toBe('与当前状态冲突：工号 A1 已被使用')
    const stale = new ApiError(412, { status: 412, code: 'stale_version', detail: 'The version is not current' }, null)
    expect(errorMessage(stale)).toBe('数据已被他人修改，请刷新后重试')
    setLocale('en')
    expect(errorMessage(conflict)).toBe('Conflicts with the current state：approve is not allowed in the draft phase')
  })

  it('has words in zh-CN and en for every code the kernel sends', () => {
    const src = readFileSync(join(__dirname, '../../../kernel/src/sanquan_kernel/errors.py'), 'utf8')
    const block = (name: string) => src.slice(src.indexOf(`${name} = {`), src.indexOf('}', src.indexOf(`${name} = {`)))
    const statusCodes = [...block('STATUS_CODES').matchAll(/\d+: "(\w+)"/g)].map((m) => m[1])
    const aliases = [...block('_CODE_ALIASES').matchAll(/: "(\w+)"/g)].map((m) => m[1])
    expect(statusCodes.length).toBeGreaterThan(10)
    expect(aliases.length).toBeGreaterThan(5)
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const code of statusCodes) expect(i18n.global.te(`problems.${code}`, locale), `${locale} problems.${code}`).toBe(true)
      for (const code of aliases) expect(i18n.global.te(`validation.${code}`, locale), `${locale} validation.${code}`).toBe(true)
    }
    // pydantic's common types each have their own words or a family
    for (const code of ['missing', 'string_too_short', 'string_too_long', 'too_short', 'too_long', 'greater_than_equal', 'less_than_equal', 'enum', 'literal_error', 'date_type']) {
      expect(i18n.global.te(`validation.${code}`, 'zh-CN'), code).toBe(true)
    }
    expect(familyOf('less_than')).toBe('number')
    expect(familyOf('date_from_datetime_inexact')).toBe('date')
  })
  it('has words in zh-CN and en for every code a server raises by name (code="...")', () => {
    const root = join(__dirname, '../../..')
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name)
        return statSync(path).isDirectory() ? sources(path) : name.endsWith('.py') ? [path] : []
      })
    const dirs = ['kernel/src', 'gateway/src', ...readdirSync(join(root, 'services')).map((s) => `services/${s}/src`)]
    const codes = new Set(dirs.flatMap((d) => sources(join(root, d))).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/code="(\w+)"/g)].map((m) => m[1])))
    expect(codes.size).toBeGreaterThan(15)
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const code of codes) {
        const known = i18n.global.te(`problems.${code}`, locale) || i18n.global.te(`files.errors.${code}`, locale)
        expect(known, `${locale}: no words for the server's code ${code}`).toBe(true)
      }
    }
  })
})
