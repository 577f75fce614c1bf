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
  code: string
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

export const INTEGRATION_SCOPES = ['training:read', 'training:write', 'plans:read', 'plans:write', 'evaluation:read']

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
  employee_no: string
  name: string
  university_id: number
  department_id: number | null
  position: string | null
  employment_type: EmploymentType
  active: boolean
  account_id?: number | string | null
  version?: number
}

export interface StaffUpsert {
  name: string
  department_id: number | null
  position: string | null
  employment_type: EmploymentType
  active: boolean
  university_id?: number
}

export interface TrainingRecord {
  id: number
  staff_id: number
  employee_no?: string
  staff_name?: string
  title: string
  taken_on: string
  hours: number
  days: number
  themes: Theme[]
  organizer_level: OrganizerLevel
  source: string
  external_id?: string | null
}

export interface RecordCreate {
  staff_id?: number
  employee_no?: string
  title: string
  taken_on: string
  hours: number
  days: number
  themes: Theme[]
  organizer_level: OrganizerLevel
  external_id?: string
}

export interface ImportResult {
  total: number
  accepted: number
  rejected: number
  errors: { row: number; column: string | null; message: string }[]
}

export interface Rule {
  year: number
  min_hours: number
  min_days: number
}

export interface Ledger {
  staff: Staff
  year: number
  hours: number
  days: number
  compliant: boolean
  by_theme: Partial<Record<Theme, { hours: number; days: number }>>
  records: TrainingRecord[]
}

export type GroupBy = 'university' | 'department' | 'staff'

export interface ComplianceRow {
  org_id?: number
  staff_id?: number
  name: string
  staff_total?: number
  compliant: number | boolean
  rate?: number
  hours: number
  days: number
  employee_no?: string
  department_id?: number | null
  law_hours?: number
}

export interface Compliance {
  year: number
  rule: { min_hours: number; min_days: number }
  rows: ComplianceRow[]
  totals: { staff_total?: number; compliant?: number; rate?: number; hours?: number; days?: number }
}

export interface TrainingIndicators {
  year: number
  rule: { min_hours: number; min_days: number }
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
  organizer_org_id?: number
  university_id: number | null
  department_id: number | null
  themes: Theme[]
  starts_on: string
  ends_on: string
  hours: number
  days: number
  capacity: number | null
  version?: number
}

export interface Enrolment {
  id: number
  course_id: number
  staff_id: number
  staff_name?: string
  employee_no?: string
  attended: boolean
  record_id: number | null
}

export type SelfReportStatus = 'pending' | 'approved' | 'rejected'

export interface SelfReport {
  id: number
  staff_id: number
  staff_name?: string
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
  decided_at?: string | null
  version?: number
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
