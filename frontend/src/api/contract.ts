/**
 * Compile-time checks of the API types that are not plain aliases of the generated `schema.d.ts` (the rest are; see
 * generated.ts). Each line fails `vue-tsc` when a response the server sends can no longer be used where the SPA
 * expects its own type, or when a narrowed type stops being one of the server's values. No runtime code.
 */
import type { In, Out } from './generated'
import type * as E from './evaluation-types'
import type * as P from './plans-types'
import type * as T from './types'

/** `Expect<Assignable<A, B>>` compiles only when A is assignable to B. */
type Assignable<A, B> = [A] extends [B] ? true : false
type Expect<X extends true> = X
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export type Checks = [
  // The generic page is each list's page.
  Expect<Same<Out<'Page_PlanOut_'>, T.Page<P.Plan>>>,
  Expect<Same<Out<'Page_OrgOut_'>, T.Page<T.Org>>>,
  Expect<Same<Out<'Page_CampaignOut_'>, T.Page<E.Campaign>>>,
  Expect<Same<Out<'Page_ChangeRequestItem_'>, T.Page<P.ChangeRequestItem>>>,
  // Narrowed types (a `str` of the server read as one of its enums) are still what the server sends.
  Expect<Assignable<T.Me, Out<'MeOut'>>>,
  Expect<Assignable<T.User, Out<'UserOut'>>>,
  Expect<Assignable<T.Staff, Out<'StaffOut'>>>,
  Expect<Assignable<T.TrainingRecord, Out<'RecordOut'>>>,
  Expect<Assignable<T.Ledger, Out<'Ledger'>>>,
  Expect<Assignable<T.Compliance, Out<'ComplianceReport'>>>,
  Expect<Assignable<T.Course, Out<'CourseOut'>>>,
  Expect<Assignable<T.SelfReport, Out<'SelfReportOut'>>>,
  Expect<Assignable<T.RecordFields, Partial<T.RecordCreate>>>,
  Expect<Assignable<T.CourseCreate, In<'CourseCreate'>>>,
  Expect<Assignable<P.TaskCreate, In<'TaskCreate'>>>,
]
