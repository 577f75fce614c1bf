import { download, http } from './http'
import type { Page } from './types'
import type {
  AssessmentRanking,
  Assignment,
  AutoAssignResult,
  Campaign,
  CampaignIn,
  CampaignRanking,
  CampaignType,
  Conflict,
  Framework,
  IndicatorIn,
  IndicatorReport,
  Metric,
  Nomination,
  NominationIn,
  NominationStatus,
  Objection,
  Panel,
  PanelExpertIn,
  Phase,
  Pilot,
  Results,
  Rubric,
  Scorecard,
  ScorecardSummary,
  ScoreSheet,
} from './evaluation-types'

const B = '/api/evaluation'

export const evaluationApi = {
  campaignTypes: () => http.get<CampaignType[]>(`${B}/campaign-types`),
  campaigns: (q: { year?: number; type?: string; phase?: Phase; limit?: number; offset?: number } = {}) =>
    http.get<Page<Campaign>>(`${B}/campaigns`, { ...q }),
  campaign: (id: number) => http.get<Campaign>(`${B}/campaigns/${id}`),
  createCampaign: (body: CampaignIn) => http.post<Campaign>(`${B}/campaigns`, body),
  advance: (id: number, to: Phase, version?: number) =>
    http.post<Campaign>(`${B}/campaigns/${id}/advance`, { to }, version !== undefined ? { ifMatch: version } : {}),
  rubric: (id: number) => http.get<Rubric>(`${B}/campaigns/${id}/rubric`),
  putRubric: (id: number, criteria: Omit<Rubric['criteria'][number], 'id' | 'position'>[]) =>
    http.put<Rubric>(`${B}/campaigns/${id}/rubric`, { criteria }),

  nominations: (campaignId: number, q: { status?: NominationStatus; limit?: number; offset?: number } = {}) =>
    http.get<Page<Nomination>>(`${B}/campaigns/${campaignId}/nominations`, { limit: 200, ...q }),
  exportNominations: (campaignId: number) =>
    download(`${B}/campaigns/${campaignId}/nominations/export`, { format: 'xlsx' }, `推荐名单-${campaignId}.xlsx`),
  nomination: (id: number) => http.get<Nomination>(`${B}/nominations/${id}`),
  nominate: (campaignId: number, body: NominationIn) => http.post<Nomination>(`${B}/campaigns/${campaignId}/nominations`, body),
  preselect: (id: number, version?: number) => http.post<Nomination>(`${B}/nominations/${id}/preselect`, undefined, version ? { ifMatch: version } : {}),
  submitNomination: (id: number, version?: number) => http.post<Nomination>(`${B}/nominations/${id}/submit`, undefined, version ? { ifMatch: version } : {}),
  withdraw: (id: number, version?: number) => http.post<Nomination>(`${B}/nominations/${id}/withdraw`, undefined, version ? { ifMatch: version } : {}),

  panel: (campaignId: number) => http.get<Panel>(`${B}/campaigns/${campaignId}/experts`),
  putPanel: (campaignId: number, experts: PanelExpertIn[]) =>
    http.put<Panel>(`${B}/campaigns/${campaignId}/experts`, {
      experts: experts.map(({ expert_id, university_id, name }) => ({ expert_id, university_id, name })),
    }),
  autoAssign: (campaignId: number) =>
    http.post<AutoAssignResult>(`${B}/campaigns/${campaignId}/assignments/auto`),
  assignments: (campaignId: number, q: { expert_id?: number; nomination_id?: number } = {}) =>
    http.get<Page<Assignment>>(`${B}/campaigns/${campaignId}/assignments`, { limit: 500, ...q }),
  assign: (campaignId: number, nomination_id: number, expert_id: number) =>
    http.post<Assignment>(`${B}/campaigns/${campaignId}/assignments`, { nomination_id, expert_id }),
  unassign: (assignmentId: number) => http.delete(`${B}/assignments/${assignmentId}`),
  declareConflict: (campaignId: number, body: { nomination_id?: number; university_id?: number; reason: string }) =>
    http.post<Conflict>(`${B}/campaigns/${campaignId}/conflicts`, body),
  conflicts: (campaignId: number) => http.get<Page<Conflict>>(`${B}/campaigns/${campaignId}/conflicts`, { limit: 500 }),
  scores: (nominationId: number) => http.get<ScoreSheet[]>(`${B}/nominations/${nominationId}/scores`),
  saveScores: (nominationId: number, items: { criterion_id: number; score: number; comment: string }[]) =>
    http.put<ScoreSheet>(`${B}/nominations/${nominationId}/scores`, { items }),

  ranking: (campaignId: number) => http.get<CampaignRanking>(`${B}/campaigns/${campaignId}/ranking`),
  decide: (campaignId: number, awarded_nomination_ids?: number[]) =>
    http.post<Results>(`${B}/campaigns/${campaignId}/decision`, { awarded_nomination_ids: awarded_nomination_ids ?? null }),
  publish: (campaignId: number, publicity_starts_on: string, publicity_ends_on: string) =>
    http.post<Campaign>(`${B}/campaigns/${campaignId}/publish`, { publicity_starts_on, publicity_ends_on }),
  finalize: (campaignId: number) => http.post<Campaign>(`${B}/campaigns/${campaignId}/finalize`),
  results: (campaignId: number) => http.get<Results>(`${B}/campaigns/${campaignId}/results`),
  exportResults: (campaignId: number) => download(`${B}/campaigns/${campaignId}/results/export`, { format: 'xlsx' }, `评选结果-${campaignId}.xlsx`),

  objections: (campaignId: number) => http.get<Page<Objection>>(`${B}/campaigns/${campaignId}/objections`, { limit: 500 }),
  lodgeObjection: (campaignId: number, nomination_id: number, text: string) =>
    http.post<Objection>(`${B}/campaigns/${campaignId}/objections`, { nomination_id, text }),
  answerObjection: (id: number, version: number, answer: string) =>
    http.post<Objection>(`${B}/objections/${id}/answer`, { answer }, { ifMatch: version }),
  pilots: (q: { year?: number; university_id?: number; limit?: number; offset?: number } = {}) =>
    http.get<Page<Pilot>>(`${B}/pilots`, { ...q }),

  metrics: () => http.get<Metric[]>(`${B}/assessment/metrics`),
  framework: (year: number) => http.get<Framework>(`${B}/assessment/frameworks/${year}`),
  putFramework: (year: number, indicators: IndicatorIn[], version?: number) =>
    http.put<Framework>(`${B}/assessment/frameworks/${year}`, { indicators }, version !== undefined ? { ifMatch: version } : {}),
  defaultFramework: (year: number) => http.post<Framework>(`${B}/assessment/frameworks/${year}/default`),
  indicatorReports: (year: number) => http.get<Page<IndicatorReport>>(`${B}/assessment/${year}/self-reports`, { limit: 500 }),
  reportIndicator: (year: number, code: string, body: { value: number; evidence: string; university_id?: number }) =>
    http.put<IndicatorReport>(`${B}/assessment/${year}/self-reports/${code}`, body),
  verifyIndicator: (id: number, accepted: boolean, note?: string) =>
    http.post<IndicatorReport>(`${B}/assessment/self-reports/${id}/verify`, { accepted, note: note ?? null }),
  compute: (year: number) => http.post<ScorecardSummary[]>(`${B}/assessment/${year}/scorecards/compute`),
  scorecards: (year: number, schoolType?: string) =>
    http.get<AssessmentRanking>(`${B}/assessment/${year}/scorecards`, schoolType ? { school_type: schoolType } : undefined),
  exportScorecards: (year: number, schoolType?: string) =>
    download(`${B}/assessment/${year}/scorecards/export`, schoolType ? { school_type: schoolType } : undefined, `${year}年度考核结果.xlsx`),
  putGrades: (year: number, grades: { pass: number; good: number; excellent: number }, version: number) =>
    http.put<Framework>(`${B}/assessment/frameworks/${year}/grades`, grades, { ifMatch: version }),
  scorecard: (year: number, universityId: number) => http.get<Scorecard>(`${B}/assessment/${year}/scorecards/${universityId}`),
  publishAssessment: (year: number) => http.post<Framework>(`${B}/assessment/${year}/publish`),
}
