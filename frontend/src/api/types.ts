/**
 * API types of the gateway and the training service, as aliases of the generated `schema.d.ts` (see generated.ts:
 * `make schema` regenerates it from the servers' models). Hand-written only where the server has no schema of its
 * own, each with the reason.
 */
import type { In, Narrow, Out, Schemas } from './generated'

export type Role = Schemas['Role']

export const PERSON_ROLES: Role[] = ['province_admin', 'inspector', 'expert', 'university_admin', 'department_manager', 'staff']

/**
 * One page of a list. Hand-written because it is generic: the server declares one `Page_<Item>_` schema per list,
 * each exactly `{ items, total, limit, offset }` (contract.ts checks `Page<Plan>` against `Page_PlanOut_`).
 */
export interface Page<T> {
  items: T[]
  total: number
  limit: number
  offset: number
}

/** `role` is declared `str` by the server (`MeOut`); its values are the roles. */
export type Me = Narrow<Out<'MeOut'>, { role: Role }>

export type OrgLevel = Schemas['OrgLevel']
export type UniversityType = Schemas['UniversityType']
export const UNIVERSITY_TYPES: UniversityType[] = ['undergraduate', 'higher_vocational', 'secondary_vocational', 'school']

export type Org = Out<'OrgOut'>
export type OrgNode = Out<'OrgNode'>

/** `role` is declared `str` by the server (`UserOut`); its values are the roles. */
export type User = Narrow<Out<'UserOut'>, { role: Role }>
export type Client = Out<'ClientOut'>
export type ClientCreated = Out<'ClientCreated'>

export const INTEGRATION_SCOPES = ['training:read', 'training:write', 'plans:read', 'plans:write', 'webhooks:manage']

export type AuditEntry = Out<'AuditOut'>

// ---- training (CONTRACT.md) ----
export type Theme = Schemas['Theme']
export const THEMES = ['ideals', 'ideology', 'ethics', 'quality', 'law', 'safety'] as const satisfies readonly Theme[]
export type OrganizerLevel = Schemas['OrganizerLevel']
export const ORGANIZER_LEVELS = ['province', 'university', 'department', 'external'] as const satisfies readonly OrganizerLevel[]
export type EmploymentType = Schemas['EmploymentType']
export const EMPLOYMENT_TYPES = ['permanent', 'contract', 'dispatched', 'outsourced'] as const satisfies readonly EmploymentType[]

/** `employment_type` is declared `str` by the server (`StaffOut`); its values are `EmploymentType`. */
export type Staff = Narrow<Out<'StaffOut'>, { employment_type: EmploymentType }>
export type StaffUpsert = In<'StaffUpsert'>

/** `themes` and `organizer_level` are declared `str` by the server (`RecordOut`); their values are the enums. */
export type TrainingRecord = Narrow<Out<'RecordOut'>, { themes: Theme[]; organizer_level: OrganizerLevel }>

export type RecordCreate = In<'RecordCreate'>
/**
 * The fields of a record that a person enters (the record form edits these of `RecordCreate`); hours and days as
 * numbers (the form's number inputs), though the server also reads them from decimal strings.
 */
export type RecordFields = Narrow<
  Pick<RecordCreate, 'title' | 'taken_on' | 'hours' | 'days' | 'themes' | 'organizer_level' | 'evidence'>,
  { hours: number; days: number }
>

export type ImportRowError = Out<'ImportRowError'>
export type ImportResult = Out<'ImportResult'>
export type StaffImportResult = Out<'StaffImportResult'>
export type AttendanceImportResult = Out<'AttendanceImportResult'>
export type ImportJob = Out<'ImportJobOut'>

export type RuleBrief = Out<'RuleBrief'>
export type Rule = Out<'RuleOut'>
export type ThemeTotals = Out<'ThemeTotals'>

/** The ledger's staff and records with their enum fields (see `Staff`, `TrainingRecord`). */
export type Ledger = Narrow<Out<'Ledger'>, { staff: Staff; records: TrainingRecord[] }>

export type GroupBy = Schemas['GroupBy']
export type ComplianceRow = Out<'ComplianceRow'>
/** `group_by` is declared `str` by the server (`ComplianceReport`); its values are `GroupBy`. */
export type Compliance = Narrow<Out<'ComplianceReport'>, { group_by: GroupBy }>

export type AtRiskRow = Out<'AtRiskRow'>
export type AtRiskReport = Out<'AtRiskReport'>
export type ThemeReport = Out<'ThemeReport'>
/** The training service's indicators (renamed by the gateway's merge: the plans service has an `Indicators` too). */
export type TrainingIndicators = Out<'training__Indicators'>

/** `themes` and `organizer_level` are declared `str` by the server (`CourseOut`); their values are the enums. */
export type Course = Narrow<Out<'CourseOut'>, { themes: Theme[]; organizer_level: OrganizerLevel }>
/** Hours and days as numbers (the course form's number inputs), though the server also reads decimal strings. */
export type CourseCreate = Narrow<In<'CourseCreate'>, { hours: number; days: number }>
export type Enrolment = Out<'EnrolmentOut'>
export type AttendanceResult = Out<'AttendanceResult'>

export type SelfReportStatus = Schemas['SelfReportStatus']
/** `themes`, `organizer_level` and `status` are declared `str` by the server (`SelfReportOut`). */
export type SelfReport = Narrow<
  Out<'SelfReportOut'>,
  { themes: Theme[]; organizer_level: OrganizerLevel; status: SelfReportStatus }
>

// ---- plans (the indicators the evaluation service reads) ----
export type PlanIndicatorItem = Out<'IndicatorItem'>
export type PlanIndicators = Out<'Indicators'>
