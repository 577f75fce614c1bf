/**
 * The public pages' API (/api/public, no sign-in): plain fetch, no token, no app http wrapper — the public chunk
 * stays free of the signed-in app's code. Problems come back as `PublicProblem` with the server's field errors.
 */
import type { Out } from './generated'

export type PublicCampaign = Out<'PublicCampaign'>
export type PublicCandidate = Out<'PublicCandidate'>
export type PublicCase = Out<'PublicCase'>
export type PublicPilot = Out<'PublicPilot'>
export interface PublicObjection {
  no: number
  name: string
  contact: string
  reason: string
}

export class PublicProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: { loc: (string | number)[]; msg: string }[] = [],
  ) {
    super(detail)
  }
}

const B = '/api/public'

async function send<T>(path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(`${B}${path}`, { credentials: 'omit', ...init, headers: { Accept: 'application/json', ...(init?.headers ?? {}) } })
  if (!r.ok) {
    let body: { code?: string; detail?: string; errors?: { loc: (string | number)[]; msg: string }[] } = {}
    try {
      body = await r.json()
    } catch {
      /* not problem+json */
    }
    throw new PublicProblem(r.status, body.code ?? 'error', body.detail ?? r.statusText, body.errors ?? [])
  }
  return (await r.json()) as T
}

export const publicApi = {
  publicity: () => send<{ items: PublicCampaign[] }>('/publicity'),
  results: () => send<{ items: PublicCampaign[] }>('/results'),
  pilots: () => send<{ items: PublicPilot[] }>('/pilots'),
  cases: () => send<{ items: PublicCase[] }>('/cases'),
  object: (campaignId: number, body: PublicObjection) =>
    send<{ received: boolean; campaign_title: string; publicity_ends_on: string }>(`/campaigns/${campaignId}/objections`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
}
