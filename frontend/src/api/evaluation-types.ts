/**
 * API types of the evaluation service, as aliases of the generated `schema.d.ts` (see generated.ts: `make schema`
 * regenerates it from the service's models under services/evaluation/src/evaluation). Names with an
 * `evaluation__` prefix are the gateway merge's: another service has a different schema of the same name.
 */
import type { In, Out } from './generated'

export type Campaign = Out<'CampaignOut'>
export type Phase = Campaign['phase']
export const PHASES = ['draft', 'nomination', 'preselection', 'review', 'decision', 'publicity', 'final'] as const satisfies readonly Phase[]
export type SubjectKind = Campaign['subject_kind']
export type Aggregation = Campaign['aggregation']

export type CampaignType = Out<'CampaignTypeOut'>
export type PhaseDates = Out<'PhaseDates'>
/** A campaign's categories are sent as the server reads them (`CategoryIn`). */
export type CampaignCategory = Out<'CategoryIn'>
export type CampaignIn = In<'CampaignIn'>

export type Level = Out<'Level'>
export type Criterion = Out<'CriterionOut'>
export type Rubric = Out<'RubricOut'>

export type Nomination = Out<'NominationOut'>
export type NominationStatus = Nomination['status']
export type NominationIn = In<'NominationIn'>

export type PanelExpert = Out<'PanelExpertOut'>
export type PanelExpertIn = In<'PanelExpertIn'>
export type Panel = Out<'PanelOut'>
export type Assignment = Out<'AssignmentOut'>
export type AutoAssignResult = Out<'AutoAssignOut'>
export type Conflict = Out<'ConflictOut'>

export type ScoreItem = Out<'ScoreOut'>
export type ScoreSheet = Out<'ScoreSheetOut'>

export type RankingItem = Out<'RankingItem'>
export type CampaignRanking = Out<'evaluation__results__schemas__RankingOut'>
export type Results = Out<'ResultsOut'>

export type Indicator = Out<'IndicatorOut'>
export type IndicatorIn = In<'IndicatorIn'>
export type IndicatorSource = Indicator['source']
export type Framework = Out<'FrameworkOut'>
export type Metric = Out<'MetricOut'>
/** A university's self-reported indicator value (the evaluation service's `SelfReportOut`). */
export type IndicatorReport = Out<'evaluation__SelfReportOut'>

export type ScorecardSummary = Out<'ScorecardSummary'>
export type Scorecard = Out<'ScorecardOut'>
export type AssessmentRanking = Out<'evaluation__assessment__schemas__RankingOut'>

export type Objection = Out<'ObjectionOut'>
export type Pilot = Out<'PilotOut'>
