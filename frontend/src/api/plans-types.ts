/**
 * API types of the plans service, as aliases of the generated `schema.d.ts` (see generated.ts: `make schema`
 * regenerates it from the services' models under services/plans/src/plans).
 */
import type { In, Narrow, Out, Query, Schemas } from './generated'

export type PlanStatus = Schemas['PlanStatus']
/** A university's plan state in the dashboards: `not_started` when it has no plan of the year. */
export type PlanState = Out<'UniversityDashboard'>['plan_status']
export type Category = Schemas['Category']
export const CATEGORIES = [
  'service', 'management', 'environment', 'culture', 'collaboration',
  'organisation', 'publicity', 'funding_incentive', 'accountability',
] as const satisfies readonly Category[]
export const MAIN_CATEGORIES: Category[] = ['service', 'management', 'environment', 'culture', 'collaboration']
export type WorkStatus = Schemas['WorkStatus']

export type Plan = Out<'PlanOut'>
export type PlanCreate = In<'PlanCreate'>
export type PlanUpdate = In<'PlanUpdate'>

export type Milestone = Out<'MilestoneOut'>
export type MilestoneCreate = In<'MilestoneCreate'>

/** The SPA always sends the new task's milestones (the server's default is none). */
export type TaskCreate = Narrow<In<'TaskCreate'>, { milestones: MilestoneCreate[] }>
/** A task's fields and, with `milestones`, its whole roadmap: one save (If-Match of the task) or nothing. */
export type TaskEdit = In<'TaskEdit'>
export type TaskUpdate = Omit<TaskEdit, 'milestones'>
export type MilestoneEdit = In<'MilestoneEdit'>
export type Task = Out<'TaskOut'>
export type TaskDetail = Out<'TaskDetail'>

export type ProgressCreate = In<'ProgressCreate'>
export type Progress = Out<'ProgressOut'>

export type Submission = Out<'SubmissionOut'>
export type PlanComment = Out<'CommentOut'>

export type FieldChange = Out<'FieldChange'>
export type ItemRef = Out<'ItemRef'>
/** `to_seq` null: the plan as it is now against its latest submission (`current=true`). */
export type PlanDiff = Out<'PlanDiff'>

export type CategoryStat = Out<'CategoryStat'>
export type MilestoneItem = Out<'MilestoneItem'>
export type UniversityDashboard = Out<'UniversityDashboard'>
export type OverviewRow = Out<'OverviewRow'>
export type ProvinceOverview = Out<'ProvinceOverview'>
/** The province's big screen (#17): each university's city, plan status and roadmap; the latest overdue work. */
export type ProvinceScreen = Out<'ProvinceScreen'>

export type Letter = Out<'LetterOut'>
export type LetterStatus = Letter['status']

export type FundingLine = Out<'FundingOut'>
export type WorkStudy = Out<'WorkStudyOut'>

export type ChangeRequestCreate = In<'ChangeRequestCreate'>
export type ChangeRequest = Out<'ChangeRequestOut'>
export type ChangeKind = ChangeRequest['kind']
export type ChangeStatus = ChangeRequest['status']
/** A row of the cross-plan change request list (`GET /api/plans/change-requests`). */
export type ChangeRequestItem = Out<'ChangeRequestItem'>
/** That list's filters (its paging is passed apart). */
export type ChangeRequestQuery = Omit<Query<'list_all_change_requests_api_plans_change_requests_get'>, 'limit' | 'offset'>
