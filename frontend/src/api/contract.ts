/**
 * Compile-time check that the hand-written API types still match the backend's OpenAPI (`schema.d.ts`, written by
 * `npm run gen:api` from the running gateway). Each line fails `vue-tsc` when a response the backend sends can no
 * longer be used where the SPA expects its own type. No runtime code.
 */
import type { components } from './schema'
import type * as E from './evaluation-types'
import type * as P from './plans-types'
import type * as T from './types'

type S0 = components['schemas']
/**
 * Response fields with a default are optional (`?`) in the OpenAPI, but pydantic always serialises them, so the
 * checks compare against the schemas with every key present (nullability is kept).
 */
type S = { [K in keyof S0]: Required<S0[K]> }
/** `Expect<Assignable<A, B>>` compiles only when A is assignable to B. */
type Assignable<A, B> = [A] extends [B] ? true : false
type Expect<X extends true> = X

export type Checks = [
  Expect<Assignable<S['OrgOut'], Omit<T.Org, 'level' | 'type'>>>,
  Expect<Assignable<S['UserOut'], Omit<T.User, 'role'>>>,
  Expect<Assignable<S['ClientOut'], T.Client>>,
  Expect<Assignable<S['StaffOut'], Omit<T.Staff, 'employment_type'>>>,
  Expect<Assignable<S['RecordOut'], Omit<T.TrainingRecord, 'themes' | 'organizer_level'>>>,
  Expect<Assignable<S['ImportResult'], T.ImportResult>>,
  Expect<Assignable<S['ImportJobOut'], T.ImportJob>>,
  Expect<Assignable<S['RuleOut'], T.Rule>>,
  Expect<Assignable<Omit<S['ComplianceReport'], 'rows'> & { rows: Required<S0['ComplianceRow']>[] }, Omit<T.Compliance, 'group_by'>>>,
  Expect<Assignable<S['AtRiskReport'], T.AtRiskReport>>,
  Expect<Assignable<S['ThemeReport'], T.ThemeReport>>,
  Expect<Assignable<S['CourseOut'], Omit<T.Course, 'themes' | 'organizer_level'>>>,
  Expect<Assignable<S['EnrolmentOut'], T.Enrolment>>,
  Expect<Assignable<S['PlanOut'], P.Plan>>,
  Expect<Assignable<S['TaskDetail'], P.TaskDetail>>,
  Expect<Assignable<S['PlanDiff'], P.PlanDiff>>,
  Expect<Assignable<S['ProvinceOverview'], Omit<P.ProvinceOverview, 'rows' | 'completion_by_category'>>>,
  Expect<Assignable<S['UniversityDashboard'], Omit<P.UniversityDashboard, 'by_category' | 'work_study'>>>,
  Expect<Assignable<S['LetterOut'], P.Letter>>,
  Expect<Assignable<S['ChangeRequestOut'], P.ChangeRequest>>,
  Expect<Assignable<S['ChangeRequestItem'], P.ChangeRequestItem>>,
  Expect<Assignable<Omit<S['CampaignOut'], 'categories'> & { categories: Required<S0['CategoryIn']>[] }, E.Campaign>>,
  Expect<Assignable<S['NominationOut'], E.Nomination>>,
  Expect<Assignable<Omit<S['RubricOut'], 'criteria'> & { criteria: Required<S0['CriterionOut']>[] }, E.Rubric>>,
  Expect<Assignable<S['ScoreSheetOut'], E.ScoreSheet>>,
  Expect<Assignable<S['ObjectionOut'], E.Objection>>,
  Expect<Assignable<S['PilotOut'], E.Pilot>>,
  Expect<Assignable<S['RankingItem'], E.RankingItem>>,
  Expect<Assignable<S['FrameworkOut'], E.Framework>>,
  Expect<Assignable<S['ScorecardOut'], E.Scorecard>>,
]
