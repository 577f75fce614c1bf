/**
 * Hand-written types matching the brief and CONTRACT.md, used until `npm run gen:api` writes
 * `schema.d.ts` from the gateway's OpenAPI. Keep field names exactly as the backend sends them.
 */
export type Role =
  | 'province_admin'
  | 'expert'
  | 'university_admin'
  | 'department_manager'
  | 'staff'
  | 'integration'
  | 'service'

export const PERSON_ROLES: Role[] = ['province_admin', 'expert', 'university_admin', 'department_manager', 'staff']

export interface Page<T> {
  items: T[]
  total: number
  limit: number
  offset: number
}

export interface Me {
  id: number | string
  username: string
  display_name: string
  role: Role
  org_id: number | null
  university_id: number | null
  department_id: number | null
  scopes: string[]
  permissions?: string[]
}

export type OrgLevel = 'province' | 'university' | 'department'
export type UniversityType = 'undergraduate' | 'higher_vocational' | 'secondary_vocational' | 'school'
export const UNIVERSITY_TYPES: UniversityType[] = ['undergraduate', 'higher_vocational', 'secondary_vocational', 'school']

export interface Org {
  id: number
  name: string
  code: string | null
  level: OrgLevel
  type: UniversityType | null
  parent_id: number | null
  university_id: number | null
  path: string
  active: boolean
  version: number
}

export interface OrgNode extends Org {
  children: OrgNode[]
}

export interface User {
  id: number
  username: string
  display_name: string
  role: Role
  org_id: number
  university_id: number | null
  department_id: number | null
  active: boolean
  created_at: string
  version: number
}

export interface Client {
  id: number
  client_id: string
  name: string
  role: string
  org_id: number | null
  university_id: number | null
  scopes: string[]
  active: boolean
  created_at: string
  version: number
}

export interface ClientCreated extends Client {
  client_secret: string
}

export const INTEGRATION_SCOPES = ['training:read', 'training:write', 'plans:read', 'plans:write']

export interface AuditEntry {
  id: number
  at: string
  actor: string
  action: string
  target: string | null
  ip: string | null
  detail: unknown
}

// ---- training (CONTRACT.md) ----
export const THEMES = ['ideals', 'ideology', 'ethics', 'quality', 'law', 'safety'] as const
export type Theme = (typeof THEMES)[number]
export const ORGANIZER_LEVELS = ['province', 'university', 'department', 'external'] as const
export type OrganizerLevel = (typeof ORGANIZER_LEVELS)[number]
export const EMPLOYMENT_TYPES = ['permanent', 'contract', 'dispatched', 'outsourced'] as const
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number]

export interface Staff {
  id: number
  university_id: number
  department_id: number
  department_name: string
  employee_no: string
  name: string
  position: string | null
  employment_type: EmploymentType
  account_id: number | null
  active: boolean
  joined_on: string | null
  left_on: string | null
  version: number
  created_at: string
  updated_at: string
}

export interface StaffUpsert {
  name: string
  department_id: number
  position: string | null
  employment_type: EmploymentType
  active: boolean
  university_id?: number
  joined_on?: string | null
  left_on?: string | null
  account_id?: number | null
}

export interface TrainingRecord {
  id: number
  staff_id: number
  employee_no: string | null
  staff_name: string | null
  university_id: number
  department_id: number
  title: string
  taken_on: string
  year: number
  hours: number
  days: number
  themes: Theme[]
  organizer_level: OrganizerLevel
  course_id: number | null
  evidence: string | null
  source: string
  external_id: string | null
  created_at: string
  created_by: string
  version: number
}

export interface RecordFields {
  title: string
  taken_on: string
  hours: number
  days: number
  themes: Theme[]
  organizer_level: OrganizerLevel
  evidence?: string | null
}

export interface RecordCreate extends RecordFields {
  staff_id?: number
  employee_no?: string
  external_id?: string
}

export interface ImportRowError {
  row: number
  column: string | null
  message: string
}

export interface ImportResult {
  total: number
  accepted: number
  rejected: number
  skipped?: number
  dry_run?: boolean
  errors: ImportRowError[]
}

export interface ImportJob {
  id: number
  status: 'queued' | 'running' | 'done' | 'failed' | string
  dry_run: boolean
  filename: string
  total: number
  processed: number
  progress: number
  result: ImportResult | null
  error: string | null
  url: string
}

export interface RuleBrief {
  min_hours: number
  min_days: number
}

export interface Rule extends RuleBrief {
  year: number
  is_default?: boolean
  version?: number
  updated_at?: string | null
}

export interface ThemeTotals {
  hours: number
  days: number
  count?: number
}

export interface Ledger {
  staff: Staff
  year: number
  rule?: RuleBrief
  hours: number
  days: number
  compliant: boolean
  by_theme: Partial<Record<string, ThemeTotals>>
  records: TrainingRecord[]
}

export type GroupBy = 'university' | 'department' | 'staff'

export interface ComplianceRow {
  org_id: number | null
  staff_id: number | null
  employee_no: string | null
  department_id: number | null
  name: string
  staff_total: number
  compliant: number | boolean
  rate: number
  hours: number
  days: number
}

export interface Compliance {
  year: number
  group_by?: GroupBy
  org_id?: number | null
  rule: RuleBrief
  rows: ComplianceRow[]
  totals: { staff_total: number; compliant: number; rate: number; hours: number; days: number }
  rows_total?: number
}

export interface AtRiskRow {
  staff_id: number
  employee_no: string
  name: string
  university_id: number
  department_id: number
  department_name: string
  hours: number
  days: number
  hours_needed: number
  days_needed: number
  months_remaining: number
  hours_per_month: number
  days_per_month: number
}

export interface AtRiskReport {
  year: number
  org_id: number | null
  rule: RuleBrief
  months_remaining: number
  items: AtRiskRow[]
  total: number
  limit: number
  offset: number
}

export interface ThemeReport {
  year: number
  org_id: number | null
  staff_total: number
  items: { theme: string; label: string; covered: number; coverage: number; hours: number; days: number }[]
}

export interface TrainingIndicators {
  year: number
  rule: RuleBrief
  items: {
    university_id: number
    staff_total: number
    compliant: number
    compliance_rate: number
    law_coverage: number
    hours: number
    days: number
  }[]
}

export interface Course {
  id: number
  title: string
  organizer_level: OrganizerLevel
  organizer_org_id: number
  organizer_name: string
  university_id: number | null
  department_id: number | null
  themes: Theme[]
  starts_on: string
  ends_on: string
  hours: number
  days: number
  capacity: number | null
  enrolled: number
  created_at: string
  version: number
}

export interface CourseCreate {
  title: string
  themes: Theme[]
  starts_on: string
  ends_on: string
  hours: number
  days: number
  capacity: number | null
}

export interface Enrolment {
  id: number
  course_id: number
  staff_id: number
  employee_no: string | null
  staff_name: string | null
  attended: boolean
  record_id: number | null
  enrolled_at: string
}

export interface AttendanceResult {
  attended: number
  records_created: number
  items: Enrolment[]
}

export type SelfReportStatus = 'pending' | 'approved' | 'rejected'

export interface SelfReport {
  id: number
  staff_id: number
  employee_no: string | null
  staff_name: string | null
  university_id: number
  department_id: number
  title: string
  taken_on: string
  hours: number
  days: number
  themes: Theme[]
  organizer_level: OrganizerLevel
  evidence: string | null
  status: SelfReportStatus
  reason: string | null
  submitted_at: string
  decided_by: string | null
  decided_at: string | null
  record_id: number | null
  version: number
}

// ---- plans (shape from the brief's cross-service agreement) ----
export interface PlanIndicatorItem {
  university_id: number
  plan_status: string
  plan_approved: boolean
  plan_approved_on_time: boolean
  in_annual_work_plan: boolean
  milestones_total: number
  milestones_due: number
  milestones_done_on_time: number
  milestone_on_time_rate: number
  total_posts: number
  work_study_posts: number
  work_study_ratio: number
  work_study_ok: boolean
  special_fund_set_up: boolean
  special_fund_planned: number
  special_fund_spent: number
  special_fund_spent_rate: number
}

export interface PlanIndicators {
  year: number
  items: PlanIndicatorItem[]
}
