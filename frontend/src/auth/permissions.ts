/**
 * Permission codes `area:resource:action`. The backend sends the caller's codes in `/api/auth/me`
 * (`permissions`); this table is only the fallback when an older gateway sends none. Hiding a button is
 * convenience, never security: every call is still checked by the backend.
 */
import type { Role } from '@/api/types'

export const ROLE_PERMISSIONS: Record<Role, string[]> = {
  province_admin: [
    'gateway:org:read', 'gateway:org:write', 'gateway:user:read', 'gateway:user:write', 'gateway:client:read',
    'gateway:client:write', 'gateway:audit:read',
    'training:rule:write', 'training:compliance:read', 'training:staff:read', 'training:record:read',
    'training:course:read', 'training:course:write', 'training:export:read',
    'plans:plan:read', 'plans:plan:review', 'plans:report:read',
    'evaluation:campaign:read', 'evaluation:campaign:write', 'evaluation:assignment:write', 'evaluation:result:write',
    'evaluation:assessment:read', 'evaluation:assessment:write', 'evaluation:indicator:verify',
  ],
  university_admin: [
    'gateway:org:read', 'gateway:org:write', 'gateway:user:read', 'gateway:user:write', 'gateway:client:read',
    'gateway:client:write', 'gateway:audit:read',
    'training:staff:read', 'training:staff:write', 'training:record:read', 'training:record:write',
    'training:record:import', 'training:compliance:read', 'training:course:read', 'training:course:write',
    'training:selfreport:read', 'training:selfreport:decide', 'training:export:read',
    'plans:plan:read', 'plans:plan:write', 'plans:letter:write', 'plans:progress:read',
    'evaluation:campaign:read', 'evaluation:nomination:write', 'evaluation:assessment:read',
    'evaluation:indicator:report',
  ],
  department_manager: [
    'training:staff:read', 'training:record:read', 'training:record:write', 'training:compliance:read',
    'training:course:read', 'training:course:write', 'training:attendance:write', 'training:selfreport:read',
    'training:selfreport:decide',
    'plans:plan:read', 'plans:progress:write',
  ],
  staff: ['training:ledger:self', 'training:selfreport:create'],
  expert: ['evaluation:campaign:read', 'evaluation:score:write'],
  integration: [],
  service: [],
}

export function hasPermission(granted: readonly string[], code: string): boolean {
  if (granted.includes(code) || granted.includes('*')) return true
  const [area, resource] = code.split(':')
  return granted.includes(`${area}:*`) || granted.includes(`${area}:${resource}:*`)
}
