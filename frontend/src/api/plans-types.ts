/** Types of the plans service (read from its schemas.py files under services/plans/src/plans). */
export type PlanStatus = 'draft' | 'submitted' | 'returned' | 'approved'
export type PlanState = 'not_started' | PlanStatus
export const CATEGORIES = [
  'service', 'management', 'environment', 'culture', 'collaboration',
  'organisation', 'publicity', 'funding_incentive', 'accountability',
] as const
export type Category = (typeof CATEGORIES)[number]
export const MAIN_CATEGORIES: Category[] = ['service', 'management', 'environment', 'culture', 'collaboration']
export type WorkStatus = 'not_started' | 'in_progress' | 'done'

export interface Plan {
  id: number
  university_id: number
  university_name: string
  year: number
  title: string
  summary: string
  in_annual_work_plan: boolean
  rules_text: string
  systems_text: string
  status: PlanStatus
  submission_due_on: string | null
  first_submitted_at: string | null
  submitted_at: string | null
  approved_at: string | null
  returned_at: string | null
  approved_on_time: boolean
  created_at: string
  updated_at: string
  version: number
}

export interface PlanCreate {
  year: number
  title: string
  summary?: string
  in_annual_work_plan?: boolean
  rules_text?: string
  systems_text?: string
  submission_due_on?: string | null
}

export type PlanUpdate = Partial<Omit<PlanCreate, 'year'>>

export interface Milestone {
  id: number
  task_id: number
  seq: number
  title: string
  due_on: string
  status: WorkStatus
  percent: number
  completed_on: string | null
  evidence: string
  overdue: boolean
  version: number
}

export interface MilestoneCreate {
  title: string
  due_on: string
  seq?: number | null
}

export interface TaskFields {
  category: Category
  title: string
  description: string
  department_id: number
  responsible_user_id: number | null
  responsible_name: string
  start_on: string | null
  due_on: string
  expected_outputs: string
  sort_order?: number
}

export interface TaskCreate extends TaskFields {
  milestones: MilestoneCreate[]
}

export interface Task extends TaskFields {
  id: number
  plan_id: number
  university_id: number
  department_name: string
  status: WorkStatus
  percent: number
  completed_on: string | null
  overdue: boolean
  sort_order: number
  version: number
}

export interface TaskDetail extends Task {
  milestones: Milestone[]
}

export interface ProgressCreate {
  milestone_id: number | null
  status: WorkStatus
  percent: number
  note: string
  evidence: string
  reported_on?: string | null
}

export interface Progress extends ProgressCreate {
  id: number
  task_id: number
  reported_on: string
  reported_by: string
  reported_at: string
}

export interface Submission {
  id: number
  plan_id: number
  seq: number
  submitted_at: string
  submitted_by: string
  outcome: 'pending' | 'returned' | 'approved'
  decided_at: string | null
  decided_by: string | null
}

export interface PlanComment {
  id: number
  submission_id: number
  task_id: number | null
  body: string
  author: string
  created_at: string
}

type Scalar = string | number | boolean | null
export interface FieldChange {
  field: string
  old: Scalar
  new: Scalar
}
export interface ItemRef {
  id: number
  title: string
}
export interface PlanDiff {
  plan_id: number
  from_seq: number | null
  /** null: the plan as it is now against its latest submission (`current=true`) */
  to_seq: number | null
  plan_changes: FieldChange[]
  tasks_added: ItemRef[]
  tasks_removed: ItemRef[]
  tasks_changed: {
    id: number
    title: string
    changes: FieldChange[]
    milestones_added: ItemRef[]
    milestones_removed: ItemRef[]
    milestones_changed: { id: number; title: string; changes: FieldChange[] }[]
  }[]
}

export interface CategoryStat {
  category: Category
  total: number
  done: number
  overdue: number
  completion_rate: number
  average_percent?: number | null
}

export interface MilestoneItem {
  milestone_id: number
  title: string
  due_on: string
  status: WorkStatus
  percent: number
  task_id: number
  task_title: string
  department_id: number
  department_name: string
  days_overdue: number
}

export interface UniversityDashboard {
  year: number
  as_of: string
  university_id: number
  university_name: string
  plan_id: number | null
  plan_status: PlanState
  tasks_total: number
  tasks_done: number
  tasks_overdue: number
  milestones_total: number
  milestones_done: number
  milestones_overdue: number
  by_category: CategoryStat[]
  by_department: { department_id: number; department_name: string; total: number; done: number; overdue: number }[]
  milestones_due_soon: MilestoneItem[]
  overdue_milestones: MilestoneItem[]
  letters: { total: number; signed: number; unsigned: number; needs_resign: number }
  funding: { special_fund_planned: number; special_fund_spent: number; other_planned: number; other_spent: number; special_fund_spent_rate: number }
  work_study: WorkStudy | null
}

export interface OverviewRow {
  university_id: number
  university_name: string
  university_code: string | null
  plan_id: number | null
  plan_status: PlanState
  tasks_total: number
  tasks_done: number
  tasks_overdue: number
  milestones_total: number
  milestones_done: number
  milestones_overdue: number
  completion_rate: number
  by_category: CategoryStat[]
  total_posts: number | null
  work_study_posts: number | null
  work_study_ratio: number | null
  work_study_ok: boolean | null
  special_fund_planned: number
  special_fund_spent: number
}

export interface ProvinceOverview {
  year: number
  as_of: string
  totals: {
    universities: number
    by_status: Record<string, number>
    tasks_total: number
    tasks_done: number
    tasks_overdue: number
    milestones_overdue: number
    universities_with_overdue: number
    work_study_below_minimum: number
  }
  completion_by_category: CategoryStat[]
  work_study_below_minimum: number[]
  rows: OverviewRow[]
}

export type LetterStatus = 'unsigned' | 'signed' | 'needs_resign'
export interface Letter {
  id: number
  plan_id: number
  university_id: number
  target: 'department' | 'person'
  department_id: number | null
  department_name: string
  responsible_user_id: number | null
  responsible_name: string
  current_version: number
  content_hash: string
  status: LetterStatus
  signed_version: number | null
  version: number
}

export interface FundingLine {
  id: number
  university_id: number
  year: number
  kind: 'special_fund' | 'other'
  title: string
  planned_amount: number
  spent_amount: number
  note: string
  version: number
}

export interface WorkStudy {
  university_id: number
  university_name: string
  year: number
  total_posts: number
  work_study_posts: number
  ratio: number
  ok: boolean
  note: string
  version: number
}

export type ChangeKind = 'update_task' | 'add_task' | 'update_milestone'
export type ChangeStatus = 'pending' | 'approved' | 'rejected'

export interface ChangeRequestCreate {
  kind: ChangeKind
  task_id?: number | null
  milestone_id?: number | null
  changes: Record<string, unknown>
  reason: string
}

export interface ChangeRequest {
  id: number
  plan_id: number
  university_id: number
  kind: ChangeKind
  task_id: number | null
  milestone_id: number | null
  changes: Record<string, unknown>
  reason: string
  status: ChangeStatus
  requested_by: string
  requested_at: string
  decided_by: string | null
  decided_at: string | null
  decision_comment: string | null
  version: number
}

/** A row of the cross-plan change request list (`GET /api/plans/change-requests`). */
export interface ChangeRequestItem extends ChangeRequest {
  university_name: string
  year: number
  /** the task it changes, or for add_task the new task's title */
  task_title: string | null
  milestone_title: string | null
}

export interface ChangeRequestQuery {
  status?: ChangeStatus
  university_id?: number
  year?: number
}

