import { download, http } from './http'
import type {
  Compliance,
  Course,
  Enrolment,
  GroupBy,
  ImportResult,
  Ledger,
  Page,
  RecordCreate,
  Rule,
  SelfReport,
  SelfReportStatus,
  Staff,
  StaffUpsert,
  TrainingIndicators,
  TrainingRecord,
} from './types'

const B = '/api/training'

export interface StaffQuery {
  department_id?: number
  q?: string
  active?: boolean
  university_id?: number
  limit?: number
  offset?: number
}

export const trainingApi = {
  // staff register
  listStaff: (q: StaffQuery = {}) => http.get<Page<Staff>>(`${B}/staff`, { ...q }),
  getStaff: (id: number) => http.get<Staff>(`${B}/staff/${id}`),
  myStaff: () => http.get<Staff>(`${B}/staff/me`),
  upsertStaff: (employeeNo: string, body: StaffUpsert) =>
    http.put<Staff>(`${B}/staff/by-employee-no/${encodeURIComponent(employeeNo)}`, body),
  ledger: (id: number, year: number) => http.get<Ledger>(`${B}/staff/${id}/ledger`, { year }),
  myLedger: (year: number) => http.get<Ledger>(`${B}/me/ledger`, { year }),

  // records
  listRecords: (q: { staff_id?: number; year?: number; theme?: string; limit?: number; offset?: number } = {}) =>
    http.get<Page<TrainingRecord>>(`${B}/records`, { ...q }),
  createRecord: (body: RecordCreate) => http.post<TrainingRecord>(`${B}/records`, body),
  deleteRecord: (id: number) => http.delete(`${B}/records/${id}`),
  importRecords: (file: File, dryRun: boolean) => {
    const form = new FormData()
    form.append('file', file)
    return http.upload<ImportResult>(`${B}/records/import`, form, { dry_run: dryRun })
  },
  downloadTemplate: (format: 'xlsx' | 'csv') =>
    download(`${B}/records/import-template`, { format }, `training-import-template.${format}`),

  // rules and compliance
  getRule: (year: number) => http.get<Rule>(`${B}/rules/${year}`),
  putRule: (year: number, body: { min_hours: number; min_days: number }) => http.put<Rule>(`${B}/rules/${year}`, body),
  compliance: (year: number, group_by: GroupBy, org_id?: number) =>
    http.get<Compliance>(`${B}/compliance`, { year, group_by, org_id }),
  exportCompliance: (year: number, group_by: GroupBy, org_id?: number) =>
    download(`${B}/compliance/export`, { year, group_by, org_id, format: 'xlsx' }, `compliance-${year}.xlsx`),
  exportRecords: (q: { year?: number; staff_id?: number }) =>
    download(`${B}/records/export`, { ...q, format: 'xlsx' }, `training-records.xlsx`),
  exportStaff: (q: StaffQuery = {}) => download(`${B}/staff/export`, { ...q, format: 'xlsx' }, 'staff.xlsx'),
  indicators: (year: number) => http.get<TrainingIndicators>(`${B}/indicators`, { year }),

  // courses and attendance
  listCourses: (q: { year?: number; limit?: number; offset?: number } = {}) => http.get<Page<Course>>(`${B}/courses`, { ...q }),
  createCourse: (body: Omit<Course, 'id' | 'version' | 'organizer_org_id'>) => http.post<Course>(`${B}/courses`, body),
  enrolments: (courseId: number) => http.get<Page<Enrolment>>(`${B}/courses/${courseId}/enrolments`, { limit: 500 }),
  enrol: (courseId: number, staffIds: number[]) =>
    http.post<Page<Enrolment> | Enrolment[]>(`${B}/courses/${courseId}/enrolments`, { staff_ids: staffIds }),
  attendance: (courseId: number, staffIds: number[]) =>
    http.post<unknown>(`${B}/courses/${courseId}/attendance`, { staff_ids: staffIds }),

  // self-reported training
  listSelfReports: (q: { status?: SelfReportStatus; limit?: number; offset?: number } = {}) =>
    http.get<Page<SelfReport>>(`${B}/self-reports`, { ...q }),
  createSelfReport: (body: Omit<SelfReport, 'id' | 'staff_id' | 'status' | 'reason' | 'submitted_at' | 'version'>) =>
    http.post<SelfReport>(`${B}/self-reports`, body),
  decideSelfReport: (id: number, approve: boolean, reason?: string, version?: number) =>
    http.post<SelfReport>(`${B}/self-reports/${id}/${approve ? 'approve' : 'reject'}`, { reason: reason || null }, {
      ifMatch: version,
    }),
}
