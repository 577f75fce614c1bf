import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '@/api/types'
import { PI } from './index'

// The signed-in application's pages (the admin layout's children): a chunk of their own, added to the router on the
// first navigation outside the sign-in, public and service-hall pages (router/index.ts), so that a student's phone
// does not download the route table of pages it can never open (issue #20: the student pages ≤ 120 kB gz).

const A: Role[] = ['province_admin']
const U: Role[] = ['university_admin']
const PU: Role[] = ['province_admin', 'university_admin']
const UD: Role[] = ['university_admin', 'department_manager']
const PUD: Role[] = ['province_admin', 'university_admin', 'department_manager']
/** Who handles the hall's requests: a department's staff and manager, the university; the province reads. */
const HALL_STAFF: Role[] = ['staff', 'department_manager', 'university_admin', 'province_admin', 'inspector']

export const appRoutes: RouteRecordRaw[] = [
  { path: 'workbench', name: 'workbench', component: () => import('@/views/WorkbenchView.vue'), meta: { title: 'menu.workbench', roles: UD } },
  { path: 'dashboard', name: 'dashboard', component: () => import('@/views/province/DashboardView.vue'), meta: { title: 'menu.dashboard', roles: PI, perm: 'dashboard:province:view' } },
  { path: 'universities', name: 'universities', component: () => import('@/views/orgs/UniversitiesView.vue'), meta: { title: 'menu.universities', roles: A, perm: 'orgs:university:manage' } },
  { path: 'departments', name: 'departments', component: () => import('@/views/orgs/DepartmentsView.vue'), meta: { title: 'menu.departments', roles: U, perm: 'orgs:department:manage' } },
  { path: 'accounts', name: 'accounts', component: () => import('@/views/admin/AccountsView.vue'), meta: { title: 'menu.accounts', roles: PU, perm: 'accounts:user:manage' } },
  { path: 'clients', name: 'clients', component: () => import('@/views/admin/ClientsView.vue'), meta: { title: 'menu.clients', roles: PU, perm: 'accounts:client:manage' } },
  { path: 'webhooks', name: 'webhooks', component: () => import('@/views/admin/WebhooksView.vue'), meta: { title: 'menu.webhooks', roles: ['university_admin'] } },
  { path: 'audit', name: 'audit', component: () => import('@/views/admin/AuditView.vue'), meta: { title: 'menu.audit', roles: PU, perm: 'audit:log:view' } },

  { path: 'training/rule', name: 'training-rule', component: () => import('@/views/training/RuleView.vue'), meta: { title: 'menu.trainingRule', roles: A, perm: 'training:rule:edit' } },
  { path: 'training/compliance', name: 'training-compliance', component: () => import('@/views/training/ComplianceView.vue'), meta: { title: 'menu.compliance', roles: [...PUD, 'inspector'], perm: 'training:report:view' } },
  { path: 'training/staff', name: 'training-staff', component: () => import('@/views/training/StaffView.vue'), meta: { title: 'menu.staff', roles: UD } },
  { path: 'training/staff/:id/ledger', name: 'training-ledger', component: () => import('@/views/training/LedgerView.vue'), meta: { title: 'menu.ledger', roles: PUD } },
  { path: 'training/records', name: 'training-records', component: () => import('@/views/training/RecordsView.vue'), meta: { title: 'menu.records', roles: UD } },
  { path: 'training/import', name: 'training-import', component: () => import('@/views/training/ImportView.vue'), meta: { title: 'menu.import', roles: UD, perm: 'training:record:import' } },
  { path: 'training/courses', name: 'training-courses', component: () => import('@/views/training/CoursesView.vue'), meta: { title: 'menu.courses', roles: PUD } },
  { path: 'training/approvals', name: 'training-approvals', component: () => import('@/views/training/SelfReportsView.vue'), meta: { title: 'menu.approvals', roles: UD, perm: 'training:selfreport:review' } },
  { path: 'my/ledger', name: 'my-ledger', component: () => import('@/views/training/MyLedgerView.vue'), meta: { title: 'menu.myLedger', roles: ['staff'], perm: 'training:ledger:own' } },

  { path: 'plans/mine', name: 'plan-editor', component: () => import('@/views/plans/PlanEditorView.vue'), meta: { title: 'menu.myPlan', roles: U, perm: 'plans:plan:edit' } },
  { path: 'plans/review', name: 'plan-review-list', component: () => import('@/views/plans/PlanReviewListView.vue'), meta: { title: 'menu.planReview', roles: A, perm: 'plans:plan:review' } },
  { path: 'plans/review/:id', name: 'plan-review', component: () => import('@/views/plans/PlanReviewView.vue'), meta: { title: 'menu.planReview', roles: A, perm: 'plans:plan:review' } },
  { path: 'plans/change-requests', name: 'plan-change-requests', component: () => import('@/views/plans/ChangeRequestsView.vue'), meta: { title: 'menu.changeRequests', roles: PU, perm: ['plans:change:review', 'plans:plan:edit'] } },
  { path: 'plans/letters', name: 'plan-my-letters', component: () => import('@/views/plans/MyLettersView.vue'), meta: { title: 'menu.myLetters', roles: ['staff'], perm: 'plans:letter:sign' } },
  { path: 'plans/notices', name: 'plan-notices', component: () => import('@/views/plans/NoticesView.vue'), meta: { title: 'menu.notices', roles: PUD } },
  { path: 'plans/alerts', name: 'plan-alerts', component: () => import('@/views/plans/AlertsView.vue'), meta: { title: 'menu.alerts', roles: PU } },
  { path: 'plans/progress', name: 'plan-progress', component: () => import('@/views/plans/ProgressView.vue'), meta: { title: 'menu.progress', roles: [...PUD, 'inspector'], perm: 'plans:plan:view' } },

  { path: 'evaluation/campaigns', name: 'campaigns', component: () => import('@/views/evaluation/CampaignsView.vue'), meta: { title: 'menu.campaigns', roles: PUD, perm: ['evaluation:campaign:manage', 'evaluation:nomination:manage', 'evaluation:nomination:propose'] } },
  { path: 'evaluation/campaigns/:id', name: 'campaign', component: () => import('@/views/evaluation/CampaignView.vue'), meta: { title: 'menu.campaigns', roles: PUD, perm: ['evaluation:campaign:manage', 'evaluation:nomination:manage', 'evaluation:nomination:propose'] } },
  { path: 'evaluation/reviews', name: 'expert-reviews', component: () => import('@/views/evaluation/ExpertReviewsView.vue'), meta: { title: 'menu.reviews', roles: ['expert'], perm: 'evaluation:review:score' } },
  { path: 'evaluation/cases', name: 'typical-cases', component: () => import('@/views/evaluation/TypicalCasesView.vue'), meta: { title: 'typicalCases.menu', roles: A } },
  { path: 'evaluation/assessment', name: 'assessment', component: () => import('@/views/evaluation/AssessmentView.vue'), meta: { title: 'menu.assessment', roles: [...PU, 'inspector'], perm: ['evaluation:assessment:manage', 'evaluation:scorecard:view'] } },

  // 督导检查与整改 (issue #19): the province and its inspector record visits; universities answer rectifications
  { path: 'supervision/visits', name: 'supervision-visits', component: () => import('@/views/supervision/VisitsView.vue'), meta: { title: 'supervision.menuVisits', roles: PI } },
  { path: 'supervision/visits/:id', name: 'supervision-visit', component: () => import('@/views/supervision/VisitView.vue'), meta: { title: 'supervision.visit', roles: PI } },
  { path: 'supervision/rectifications', name: 'rectifications', component: () => import('@/views/supervision/RectificationsView.vue'), meta: { title: 'supervision.menuRectifications', roles: [...PI, ...UD] } },

  // E1/E2 for a staff member (#17): the published results and their university's pilot years, read-only, a phone first
  { path: 'evaluation/awards', name: 'awards', component: () => import('@/views/evaluation/AwardsView.vue'), meta: { title: 'awards.menu', roles: ['staff'], perm: 'evaluation:result:view' } },
  { path: 'evaluation/pilots', name: 'pilots', component: () => import('@/views/evaluation/PilotsView.vue'), meta: { title: 'menu.pilots' } },
  // 年度总结 (issue #19): the university writes its own; the province decides and downloads the annual report; the inspector reads
  { path: 'evaluation/annual', name: 'annual-summaries', component: () => import('@/views/evaluation/AnnualSummaryView.vue'), meta: { title: 'annual.menu', roles: ['province_admin', 'inspector', 'university_admin'] } },

  // 会议活动 (E4, issue #19): the province organises its own and the association's, a university's administrator its own; the inspector reads
  { path: 'evaluation/events', name: 'events', component: () => import('@/views/evaluation/events/EventsView.vue'), meta: { title: 'events.menu', roles: ['province_admin', 'inspector', 'university_admin'] } },
  { path: 'evaluation/events/:id', name: 'event', component: () => import('@/views/evaluation/events/EventView.vue'), meta: { title: 'events.menu', roles: ['province_admin', 'inspector', 'university_admin'] } },

  // 服务大厅 (S1, issue #20): the department's queue, a request with its actions, figures, the university's settings
  { path: 'service-hall/queue', name: 'hall-queue', component: () => import('@/views/hall/staff/HallQueueView.vue'), meta: { title: 'hallStaff.queue', roles: HALL_STAFF, hall: 'staff' } },
  { path: 'service-hall/requests/:id', name: 'hall-staff-request', component: () => import('@/views/hall/staff/HallRequestView.vue'), meta: { title: 'hallStaff.request', roles: HALL_STAFF, hall: 'staff' } },
  { path: 'service-hall/stats', name: 'hall-stats', component: () => import('@/views/hall/staff/HallStatsView.vue'), meta: { title: 'hallStaff.stats', roles: [...PI, ...UD], hall: 'staff' } },
  { path: 'service-hall/config', name: 'hall-config', component: () => import('@/views/hall/staff/HallConfigView.vue'), meta: { title: 'hallStaff.config', roles: U, hall: 'staff' } },

  { path: 'profile', name: 'profile', component: () => import('@/views/ProfileView.vue'), meta: { title: 'menu.profile' } },
  { path: 'forbidden', name: 'forbidden', component: () => import('@/views/ForbiddenView.vue'), meta: { title: 'errors.forbiddenTitle' } },
]

