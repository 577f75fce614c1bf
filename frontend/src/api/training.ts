import { download, http, request } from './http'

function fileNameOf(res: Response, fallback: string): string {
  const cd = res.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  return star ? decodeURIComponent(star[1]) : fallback
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
import type {
  AtRiskReport,
  AttendanceImportResult,
  AttendanceResult,
  Compliance,
  Course,
  CourseCreate,
  Enrolment,
  GroupBy,
  ImportJob,
  ImportResult,
  Ledger,
  Page,
  RecordCreate,
  RecordFields,
  Rule,
  SelfReport,
  SelfReportStatus,
  Staff,
  StaffImportResult,
  StaffUpsert,
  ThemeReport,
  TrainingIndicators,
  TrainingRecord,
} from './types'

const B = '/api/training'

export interface StaffQuery {
  department_id?: number
  q?: string
  active?: boolean
  limit?: number
  offset?: number
}

export interface RecordQuery {
  staff_id?: number
  year?: number
  theme?: string
  department_id?: number
  limit?: number
  offset?: number
}

export const trainingApi = {
  // staff register
  listStaff: (q: StaffQuery = {}) => http.get<Page<Staff>>(`${B}/staff`, { ...q }),
  getStaff: (id: number) => http.get<Staff>(`${B}/staff/${id}`),
  upsertStaff: (employeeNo: string, body: StaffUpsert) =>
    http.put<Staff>(`${B}/staff/by-employee-no/${encodeURIComponent(employeeNo)}`, body),
  ledger: (id: number, year: number) => http.get<Ledger>(`${B}/staff/${id}/ledger`, { year }),
  exportLedger: (id: number, year: number) => download(`${B}/staff/${id}/ledger/export`, { year, format: 'xlsx' }, `个人培训台账-${year}.xlsx`),

  // the staff register from Excel (#17)
  /** `universityId`: the province's import names the university (a university's people import into their own). */
  importStaff: (file: File, dryRun: boolean, universityId?: number) => {
    const form = new FormData()
    form.append('file', file)
    return http.upload<StaffImportResult>(`${B}/staff/import`, form, { dry_run: dryRun, university_id: universityId })
  },
  downloadStaffTemplate: (universityId?: number) => download(`${B}/staff/import-template`, { university_id: universityId }, '人员名册导入模板.xlsx'),
  downloadStaffImportReport: async (file: File, lang: 'zh' | 'en', universityId?: number) => {
    const form = new FormData()
    form.append('file', file)
    const res = await request<Response>('POST', `${B}/staff/import-report`, { form, query: { lang, university_id: universityId }, raw: true })
    saveBlob(await res.blob(), fileNameOf(res, lang === 'zh' ? '错误报告.xlsx' : 'import-errors.xlsx'))
  },

  // records
  listRecords: (q: RecordQuery = {}) => http.get<Page<TrainingRecord>>(`${B}/records`, { ...q }),
  createRecord: (body: RecordCreate) => http.post<TrainingRecord>(`${B}/records`, body),
  deleteRecord: (id: number) => http.delete(`${B}/records/${id}`),
  exportRecords: (q: Omit<RecordQuery, 'limit' | 'offset'>) => download(`${B}/records/export`, { ...q, format: 'xlsx' }, '培训台账.xlsx'),
  /** 批量导出: the selected records only (the server leaves out any outside the caller's scope). */
  exportSelectedRecords: (ids: number[]) => download(`${B}/records/export`, { ids, format: 'xlsx' }, `培训台账-已选${ids.length}条.xlsx`),
  /** 批量删除: all or none; each record with the version the list showed (412 when one changed since). */
  deleteRecords: (records: { id: number; version: number }[]) =>
    http.post<{ deleted: number }>(`${B}/records/batch-delete`, { records: records.map((r) => ({ id: r.id, version: r.version })) }),
  importRecords: (file: File, dryRun: boolean) => {
    const form = new FormData()
    form.append('file', file)
    return http.upload<ImportResult>(`${B}/records/import`, form, { dry_run: dryRun })
  },
  /** the same import as a background job (202); poll `getImportJob` for progress */
  startImportJob: (file: File, dryRun: boolean) => {
    const form = new FormData()
    form.append('file', file)
    return http.upload<ImportJob>(`${B}/records/import-jobs`, form, { dry_run: dryRun })
  },
  getImportJob: (id: number) => http.get<ImportJob>(`${B}/records/import-jobs/${id}`),
  downloadTemplate: (format: 'xlsx' | 'csv') =>
    download(`${B}/records/import-template`, { format }, format === 'xlsx' ? '培训记录导入模板.xlsx' : 'training-import-template.csv'),
  /** 下载错误报告: the uploaded file back with an error column and the bad cells marked (nothing is stored) */
  downloadImportReport: async (file: File, lang: 'zh' | 'en') => {
    const form = new FormData()
    form.append('file', file)
    const res = await request<Response>('POST', `${B}/records/import-report`, { form, query: { lang }, raw: true })
    saveBlob(await res.blob(), fileNameOf(res, lang === 'zh' ? '错误报告.xlsx' : 'import-errors.xlsx'))
  },

  // rules, compliance and reports
  getRule: (year: number) => http.get<Rule>(`${B}/rules/${year}`),
  putRule: (year: number, body: { min_hours: number; min_days: number }, version?: number) =>
    http.put<Rule>(`${B}/rules/${year}`, body, version !== undefined ? { ifMatch: version } : {}),
  compliance: (year: number, group_by: GroupBy, org_id?: number | null, limit?: number, offset?: number) =>
    http.get<Compliance>(`${B}/compliance`, { year, group_by, org_id, limit, offset }),
  exportCompliance: (year: number, group_by: GroupBy, org_id?: number | null) =>
    download(`${B}/compliance/export`, { year, group_by, org_id, format: 'xlsx' }, `培训达标统计-${year}.xlsx`),
  atRisk: (year: number, org_id?: number | null, limit = 50, offset = 0) =>
    http.get<AtRiskReport>(`${B}/reports/at-risk`, { year, org_id, limit, offset }),
  exportAtRisk: (year: number, org_id?: number | null) =>
    download(`${B}/reports/at-risk/export`, { year, org_id, format: 'xlsx' }, `未达标预警-${year}.xlsx`),
  themes: (year: number, org_id?: number | null) => http.get<ThemeReport>(`${B}/reports/themes`, { year, org_id }),
  exportThemes: (year: number, org_id?: number | null) =>
    download(`${B}/reports/themes/export`, { year, org_id, format: 'xlsx' }, `培训主题覆盖-${year}.xlsx`),
  indicators: (year: number) => http.get<TrainingIndicators>(`${B}/indicators`, { year }),

  // courses and attendance
  listCourses: (q: { year?: number; limit?: number; offset?: number } = {}) => http.get<Page<Course>>(`${B}/courses`, { ...q }),
  createCourse: (body: CourseCreate) => http.post<Course>(`${B}/courses`, body),
  course: (id: number) => http.get<Course>(`${B}/courses/${id}`),
  enrolments: (courseId: number) => http.get<Enrolment[]>(`${B}/courses/${courseId}/enrolments`),
  enrol: (courseId: number, staffIds: number[]) => http.post<Enrolment[]>(`${B}/courses/${courseId}/enrolments`, { staff_ids: staffIds }),
  attendance: (courseId: number, staffIds: number[]) =>
    http.post<AttendanceResult>(`${B}/courses/${courseId}/attendance`, { staff_ids: staffIds }),
  /** attendance from Excel (#17): the template lists the enrolled people; the import goes the attendance path */
  importAttendance: (courseId: number, file: File, dryRun: boolean) => {
    const form = new FormData()
    form.append('file', file)
    return http.upload<AttendanceImportResult>(`${B}/courses/${courseId}/attendance/import`, form, { dry_run: dryRun })
  },
  downloadAttendanceTemplate: (courseId: number) =>
    download(`${B}/courses/${courseId}/attendance/import-template`, {}, `课程出勤导入模板-${courseId}.xlsx`),
  downloadAttendanceImportReport: async (courseId: number, file: File, lang: 'zh' | 'en') => {
    const form = new FormData()
    form.append('file', file)
    const res = await request<Response>('POST', `${B}/courses/${courseId}/attendance/import-report`, { form, query: { lang }, raw: true })
    saveBlob(await res.blob(), fileNameOf(res, lang === 'zh' ? '错误报告.xlsx' : 'import-errors.xlsx'))
  },

  // self-reported training
  listSelfReports: (q: { status?: SelfReportStatus; staff_id?: number; limit?: number; offset?: number } = {}) =>
    http.get<Page<SelfReport>>(`${B}/self-reports`, { ...q }),
  createSelfReport: (body: RecordFields) => http.post<SelfReport>(`${B}/self-reports`, body),
  approveSelfReport: (id: number) => http.post<SelfReport>(`${B}/self-reports/${id}/approve`),
  rejectSelfReport: (id: number, reason: string) => http.post<SelfReport>(`${B}/self-reports/${id}/reject`, { reason }),
}
