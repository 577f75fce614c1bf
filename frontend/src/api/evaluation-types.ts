/** Types of the evaluation service (read from its schemas.py files under services/evaluation/src/evaluation). */
export const PHASES = ['draft', 'nomination', 'preselection', 'review', 'decision', 'publicity', 'final'] as const
export type Phase = (typeof PHASES)[number]
export type SubjectKind = 'person' | 'post' | 'case' | 'university'
export type Aggregation = 'mean' | 'trimmed_mean' | 'zscore'

export interface CampaignType {
  code: string
  name: string
  subject_kind: SubjectKind
  builtin: boolean
}

export interface PhaseDates {
  phase: Exclude<Phase, 'draft'>
  starts_on: string
  ends_on: string
}

export interface CampaignCategory {
  code: string
  name: string
  quota: number | null
}

export interface Campaign {
  id: number
  type: string
  subject_kind: SubjectKind
  year: number
  title: string
  description: string
  phase: Phase
  quota_per_university: number
  awards_count: number
  aggregation: Aggregation
  experts_per_nomination: number
  blind: boolean
  disagreement_threshold: number
  pilot_years: number[] | null
  phases: PhaseDates[]
  categories: CampaignCategory[]
  publicity_starts_on: string | null
  publicity_ends_on: string | null
  published_at: string | null
  finalized_at: string | null
  created_at: string
  version: number
}

export interface CampaignIn {
  type: string
  year: number
  title: string
  description?: string
  quota_per_university: number
  awards_count: number
  aggregation?: Aggregation
  experts_per_nomination?: number
  blind?: boolean
}

export interface Level {
  score: number
  description: string
}

export interface Criterion {
  id: number
  position: number
  code: string
  name: string
  weight: number
  max_score: number
  levels: Level[]
}

export interface Rubric {
  campaign_id: number
  criteria: Criterion[]
}

export type NominationStatus = 'proposed' | 'preselected' | 'submitted' | 'withdrawn'

export interface Nomination {
  id: number
  campaign_id: number
  subject_kind: string
  status: NominationStatus
  blind: boolean
  university_id: number | null
  university_name: string | null
  department_id: number | null
  department_name: string | null
  staff_id: number | null
  subject_name: string | null
  category: string | null
  title: string | null
  text: string
  materials_text: string
  files: { name: string; content_type: string; size: number }[]
  proposed_by: string | null
  created_at: string
  submitted_at: string | null
  version: number
}

export interface NominationIn {
  title: string
  text?: string
  materials_text?: string
  department_id?: number | null
  staff_id?: number | null
  category?: string | null
}

export interface PanelExpert {
  expert_id: number
  university_id: number | null
  name: string
  load?: number
  completed?: number
}

export interface Assignment {
  id: number
  campaign_id: number
  nomination_id: number
  expert_id: number
  method: string
  complete: boolean
  created_at: string
}

export interface Conflict {
  id: number
  campaign_id: number
  expert_id: number
  nomination_id: number | null
  university_id: number | null
  reason: string
  declared_at: string
  assignments_removed: number
}

export interface ScoreItem {
  criterion_id: number
  code: string
  name: string
  weight: number
  max_score: number
  score: number | null
  comment: string
  updated_at: string | null
}

export interface ScoreSheet {
  nomination_id: number
  expert_id: number
  items: ScoreItem[]
  total: number | null
  complete: boolean
}

export interface RankingItem {
  rank: number
  nomination_id: number
  title: string
  university_id: number
  university_name: string | null
  department_id: number | null
  subject_name: string | null
  category: string | null
  expert_count: number
  score: number | null
  mean: number | null
  trimmed_mean: number | null
  zscore: number | null
  spread: number | null
  disagreement: boolean
  awarded: boolean
}

export interface CampaignRanking {
  campaign_id: number
  method: Aggregation
  disagreement_threshold: number
  items: RankingItem[]
}

export interface Results {
  campaign_id: number
  phase: Phase
  method: Aggregation
  published_at: string | null
  publicity_starts_on: string | null
  publicity_ends_on: string | null
  final: boolean
  items: RankingItem[]
}

export type IndicatorSource = 'plans' | 'training' | 'evaluation' | 'self_reported'

export interface Indicator {
  code: string
  name: string
  metric: string
  target: number
  weight: number
  source?: IndicatorSource
  position?: number
}

export interface Framework {
  year: number
  status: 'draft' | 'published'
  published_at: string | null
  version: number
  indicators: Indicator[]
}

export interface Metric {
  code: string
  source: IndicatorSource
  description: string
}

export interface IndicatorReport {
  id: number
  year: number
  university_id: number
  indicator_code: string
  value: number
  evidence: string
  status: 'reported' | 'verified' | 'rejected'
  note: string | null
  reported_by: string
  verified_by: string | null
  verified_at: string | null
  updated_at: string
  version: number
}

export interface ScorecardSummary {
  rank: number
  university_id: number
  university_name: string | null
  total: number
  max_total: number
  complete: boolean
  unavailable: number
  status: 'computed' | 'published'
  computed_at: string
}

export interface Scorecard extends ScorecardSummary {
  year: number
  items: {
    indicator_code: string
    name: string
    source: IndicatorSource
    metric: string
    value: number | null
    target: number
    weight: number
    achievement: number | null
    score: number | null
    status: 'ok' | 'unavailable' | 'not_applicable'
    reason: string | null
  }[]
  inputs: Record<string, unknown>
}

export interface AssessmentRanking {
  year: number
  status: 'draft' | 'published'
  items: ScorecardSummary[]
}

export interface Objection {
  id: number
  campaign_id: number
  nomination_id: number
  university_id: number
  text: string
  lodged_by: string
  lodged_at: string
  status: string
  answer: string | null
  answered_by: string | null
  answered_at: string | null
  version: number
}

export interface Pilot {
  university_id: number
  university_name: string | null
  year: number
  campaign_id: number
}
