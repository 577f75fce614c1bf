import { describe, expect, it } from 'vitest'
import { ROLE_PERMISSIONS, hasPermission } from '@/auth/permissions'
import { buildMenu } from '@/router/menu'
import type { Role } from '@/api/types'

const keysFor = (role: Role, features: Record<string, boolean> = {}) =>
  buildMenu(role, (p) => [p].flat().some((c) => hasPermission(ROLE_PERMISSIONS[role], c)), features).flatMap((g) => (g.children ?? []).map((c) => c.key))

describe('menu follows role and permissions', () => {
  it('gives staff only their own ledger, their letters, the published results (and the public pilots list)', () => {
    expect(keysFor('staff')).toEqual(['my-ledger', 'plan-my-letters', 'hall-queue', 'awards', 'pilots'])
  })

  it('gives experts their reviews and nothing administrative', () => {
    expect(keysFor('expert')).toEqual(['expert-reviews', 'pilots'])
  })

  it('gives the province the dashboard, plan review and the training rule, not the import', () => {
    const k = keysFor('province_admin')
    expect(k).toEqual(expect.arrayContaining(['dashboard', 'plan-review-list', 'plan-change-requests', 'training-rule', 'universities', 'clients', 'audit', 'campaigns']))
    expect(k).not.toContain('training-import')
    expect(k).not.toContain('plan-editor')
  })

  it('gives a university admin the import, the plan editor and departments, not the rule', () => {
    const k = keysFor('university_admin')
    expect(k).toEqual(expect.arrayContaining(['training-import', 'plan-editor', 'departments', 'training-approvals', 'assessment']))
    expect(k).not.toContain('training-rule')
    expect(k).not.toContain('universities')
  })

  it('keeps the change request queue and letters off a department manager', () => {
    const k = keysFor('department_manager')
    expect(k).not.toContain('plan-change-requests')
    expect(k).not.toContain('plan-my-letters')
    expect(k).toContain('plan-progress')
    // two-tier nomination (E2): they propose in the campaigns of the university
    expect(k).toContain('campaigns')
  })

  it('hides an area whose backend is absent', () => {
    expect(keysFor('university_admin', { plans: false })).not.toContain('plan-editor')
    expect(keysFor('university_admin', { evaluation: false })).not.toContain('campaigns')
    expect(keysFor('staff', { evaluation: false })).not.toContain('pilots')
  })

  it('removes a menu entry when the backend withholds its permission', () => {
    const k = buildMenu('university_admin', (p) => [p].flat().some((c) => c !== 'training:record:import' && hasPermission(ROLE_PERMISSIONS.university_admin, c)))
      .flatMap((g) => (g.children ?? []).map((c) => c.key))
    expect(k).not.toContain('training-import')
    expect(k).toContain('training-records')
  })
})
