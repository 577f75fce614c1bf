import { download, http } from './http'
import type { Page } from './types'
import type {
  Category,
  ChangeRequest,
  ChangeRequestCreate,
  ChangeRequestItem,
  ChangeRequestQuery,
  ChangeStatus,
  FundingLine,
  Letter,
  LetterStatus,
  MilestoneCreate,
  Plan,
  PlanComment,
  PlanCreate,
  PlanDiff,
  PlanStatus,
  PlanUpdate,
  Progress,
  ProgressCreate,
  ProvinceOverview,
  ProvinceScreen,
  Submission,
  Task,
  TaskCreate,
  TaskDetail,
  TaskEdit,
  UniversityDashboard,
  WorkStudy,
  Milestone,
} from './plans-types'

const B = '/api/plans'

export const plansApi = {
  list: (q: { year?: number; university_id?: number; status?: PlanStatus; limit?: number; offset?: number } = {}) =>
    http.get<Page<Plan>>(`${B}/plans`, { ...q }),
  get: (id: number) => http.get<Plan>(`${B}/plans/${id}`),
  create: (body: PlanCreate) => http.post<Plan>(`${B}/plans`, body),
  update: (id: number, version: number, body: PlanUpdate) => http.patch<Plan>(`${B}/plans/${id}`, body, { ifMatch: version }),
  submit: (id: number, version: number) => http.post<Plan>(`${B}/plans/${id}/submit`, undefined, { ifMatch: version }),
  approve: (id: number, version: number, comment = '') => http.post<Plan>(`${B}/plans/${id}/approve`, { comment }, { ifMatch: version }),
  returnPlan: (id: number, version: number, comment: string, task_comments: { task_id: number; body: string }[]) =>
    http.post<Plan>(`${B}/plans/${id}/return`, { comment, task_comments }, { ifMatch: version }),
  submissions: (id: number) => http.get<Page<Submission>>(`${B}/plans/${id}/submissions`, { limit: 100 }),
  diff: (id: number, seq?: number) => http.get<PlanDiff>(`${B}/plans/${id}/diff`, { seq }),
  /** the plan as it is now against its latest submission (a returned plan being revised) */
  diffSinceSubmission: (id: number) => http.get<PlanDiff>(`${B}/plans/${id}/diff`, { current: true }),
  comments: (id: number) => http.get<Page<PlanComment>>(`${B}/plans/${id}/comments`, { limit: 500 }),
  changeRequests: (planId: number, status?: ChangeStatus) =>
    http.get<Page<ChangeRequest>>(`${B}/plans/${planId}/change-requests`, { status, limit: 200 }),
  allChangeRequests: (q: ChangeRequestQuery & { limit?: number; offset?: number } = {}) =>
    http.get<Page<ChangeRequestItem>>(`${B}/change-requests`, { ...q }),
  exportChangeRequests: (q: ChangeRequestQuery = {}) => download(`${B}/change-requests/export`, { ...q }, '变更申请.xlsx'),
  createChangeRequest: (planId: number, body: ChangeRequestCreate) => http.post<ChangeRequest>(`${B}/plans/${planId}/change-requests`, body),
  approveChangeRequest: (id: number, version: number, comment = '') =>
    http.post<ChangeRequest>(`${B}/change-requests/${id}/approve`, { comment }, { ifMatch: version }),
  rejectChangeRequest: (id: number, version: number, comment: string) =>
    http.post<ChangeRequest>(`${B}/change-requests/${id}/reject`, { comment }, { ifMatch: version }),
  exportPlan: (id: number) => download(`${B}/plans/${id}/export`, undefined, `实施方案-${id}.xlsx`),

  tasks: (planId: number, q: { category?: Category; department_id?: number; overdue?: boolean } = {}) =>
    http.get<Page<Task>>(`${B}/plans/${planId}/tasks`, { ...q, limit: 500 }),
  task: (id: number) => http.get<TaskDetail>(`${B}/tasks/${id}`),
  createTask: (planId: number, body: TaskCreate) => http.post<TaskDetail>(`${B}/plans/${planId}/tasks`, body),
  updateTask: (id: number, version: number, body: TaskEdit) => http.patch<TaskDetail>(`${B}/tasks/${id}`, body, { ifMatch: version }),
  deleteTask: (id: number, version: number) => http.delete(`${B}/tasks/${id}`, { ifMatch: version }),
  createMilestone: (taskId: number, body: MilestoneCreate) => http.post<Milestone>(`${B}/tasks/${taskId}/milestones`, body),
  updateMilestone: (id: number, version: number, body: Partial<MilestoneCreate>) =>
    http.patch<Milestone>(`${B}/milestones/${id}`, body, { ifMatch: version }),
  deleteMilestone: (id: number, version: number) => http.delete(`${B}/milestones/${id}`, { ifMatch: version }),
  reportProgress: (taskId: number, body: ProgressCreate) => http.post<Progress>(`${B}/tasks/${taskId}/progress`, body),
  progress: (taskId: number) => http.get<Page<Progress>>(`${B}/tasks/${taskId}/progress`, { limit: 100 }),

  letters: (q: { plan_id?: number; status?: LetterStatus } = {}) => http.get<Page<Letter>>(`${B}/letters`, { ...q, limit: 500 }),
  createLetter: (planId: number, body: { target: 'department' | 'person'; department_id?: number | null; responsible_user_id?: number | null }) =>
    http.post<Letter>(`${B}/plans/${planId}/letters`, body),
  downloadLetter: (id: number, format: 'docx' | 'pdf' = 'docx') =>
    download(`${B}/letters/${id}/document`, { format }, `任务责任书-${id}.${format}`),
  signLetter: (id: number, version: number) => http.post<Letter>(`${B}/letters/${id}/sign`, { version }),

  funding: (year: number) => http.get<Page<FundingLine>>(`${B}/funding-lines`, { year, limit: 500 }),
  createFunding: (body: { year: number; kind: 'special_fund' | 'other'; title: string; planned_amount: number; spent_amount: number; note: string }) =>
    http.post<FundingLine>(`${B}/funding-lines`, body),
  updateFunding: (id: number, version: number, body: { planned_amount?: number; spent_amount?: number; note?: string }) =>
    http.patch<FundingLine>(`${B}/funding-lines/${id}`, body, { ifMatch: version }),
  deleteFunding: (id: number, version: number) => http.delete(`${B}/funding-lines/${id}`, { ifMatch: version }),
  workStudy: (year: number) => http.get<Page<WorkStudy>>(`${B}/work-study-posts`, { year, limit: 500 }),
  putWorkStudy: (year: number, body: { total_posts: number; work_study_posts: number; note: string }, version?: number) =>
    http.put<WorkStudy>(`${B}/work-study-posts/${year}`, body, version !== undefined ? { ifMatch: version } : {}),

  dashboard: (year: number, university_id?: number, due_within_days?: number) =>
    http.get<UniversityDashboard>(`${B}/dashboard`, { year, university_id, due_within_days }),
  overview: (year: number) => http.get<ProvinceOverview>(`${B}/overview`, { year }),
  screen: (year: number, alerts = 20) => http.get<ProvinceScreen>(`${B}/screen`, { year, alerts }),
  exportOverview: (year: number) => download(`${B}/overview/export`, { year }, `全省方案总览-${year}.xlsx`),
}
