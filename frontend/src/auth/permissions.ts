/**
 * Permission codes `area:resource:action`, as the gateway derives them from the role
 * (gateway/src/sanquan_gateway/auth/permissions.py). The backend sends the caller's codes in `/api/auth/me`
 * (`permissions`); this copy is only the fallback when none are sent. Hiding a button is convenience, never
 * security: every call is still checked by the backend.
 */
import type { Role } from '@/api/types'

export const ROLE_PERMISSIONS: Record<Role, string[]> = {
  province_admin: [
    'accounts:client:manage',
    'accounts:user:manage',
    'audit:log:view',
    'auth:password:change',
    'dashboard:province:view',
    'evaluation:assessment:manage',
    'evaluation:campaign:manage',
    'evaluation:expert:assign',
    'evaluation:result:publish',
    'evaluation:result:view',
    'orgs:department:manage',
    'orgs:university:manage',
    'plans:change:review',
    'plans:export',
    'plans:overview:view',
    'plans:plan:review',
    'plans:plan:view',
    'supervision:rectification:verify',
    'supervision:visit:manage',
    'training:course:manage',
    'training:export',
    'training:record:view',
    'training:report:view',
    'training:rule:edit',
    'training:staff:view',
  ],
  university_admin: [
    'accounts:client:manage',
    'accounts:user:manage',
    'audit:log:view',
    'auth:password:change',
    'dashboard:university:view',
    'evaluation:indicator:report',
    'evaluation:nomination:manage',
    'evaluation:result:view',
    'evaluation:scorecard:view',
    'orgs:department:manage',
    'plans:export',
    'plans:funding:edit',
    'plans:letter:manage',
    'plans:plan:edit',
    'plans:plan:view',
    'plans:progress:view',
    'plans:workstudy:edit',
    'supervision:rectification:respond',
    'training:course:manage',
    'training:export',
    'training:record:import',
    'training:record:manage',
    'training:report:view',
    'training:selfreport:review',
    'training:staff:manage',
  ],
  department_manager: [
    'auth:password:change',
    'dashboard:department:view',
    'evaluation:nomination:propose',
    'evaluation:result:view',
    'plans:letter:sign',
    'plans:plan:view',
    'plans:progress:report',
    'training:course:attendance',
    'training:export',
    'training:record:import',
    'training:record:manage',
    'training:report:view',
    'training:selfreport:review',
    'training:staff:view',
  ],
  staff: [
    'auth:password:change',
    'evaluation:result:view',
    'plans:letter:sign',
    'training:ledger:own',
    'training:selfreport:submit',
  ],
  inspector: [
    'auth:password:change',
    'dashboard:province:view',
    'evaluation:result:view',
    'evaluation:scorecard:view',
    'plans:export',
    'plans:overview:view',
    'plans:plan:view',
    'supervision:rectification:verify',
    'supervision:visit:manage',
    'training:export',
    'training:record:view',
    'training:report:view',
    'training:staff:view',
  ],
  expert: [
    'auth:password:change',
    'evaluation:conflict:declare',
    'evaluation:result:view',
    'evaluation:review:score',
  ],
  integration: [
  ],
  service: [
  ],
  // the service hall's students and teachers (issue #20): no code of the admin pages; their pages check the role
  student: [
  ],
  teacher: [
  ],
}

export function hasPermission(granted: readonly string[], code: string): boolean {
  if (granted.includes(code) || granted.includes('*')) return true
  const [area, resource] = code.split(':')
  return granted.includes(`${area}:*`) || granted.includes(`${area}:${resource}:*`)
}
