/** One's own e-mail preference (issue #18): off, each notification at once, or a daily digest at 08:00. */
import type { In, Out } from './generated'
import { http } from './http'

export type MailPreference = Out<'MailPreferenceOut'>
export type MailPreferenceIn = In<'MailPreferenceIn'>

export const mailApi = {
  get: () => http.get<MailPreference>('/api/mail/preference'),
  put: (body: MailPreferenceIn) => http.put<MailPreference>('/api/mail/preference', body),
}
