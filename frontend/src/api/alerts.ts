/**
 * The province's alert list (issue #18): milestones overdue beyond the escalation threshold and plans not submitted
 * by the year's deadline; a university's administrators see their own. Types are the generated ones (`make schema`).
 */
import type { Out } from './generated'
import { http } from './http'
import type { Page } from './types'

export type EscalatedMilestone = Out<'EscalatedMilestone'>
export type LatePlans = Out<'LatePlans'>
export type LatePlan = Out<'LatePlan'>

export interface MilestoneAlertQuery {
  university_id?: number
  min_days_overdue?: number
  limit?: number
  offset?: number
}

export const alertsApi = {
  milestones: (q: MilestoneAlertQuery = {}) => http.get<Page<EscalatedMilestone>>('/api/plans/alerts/milestones', { limit: 50, ...q }),
  plans: (year: number, university_id?: number) => http.get<LatePlans>('/api/plans/alerts/plans', { year, university_id }),
}
