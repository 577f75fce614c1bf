import type { Role } from '@/api/types'
import { appRoutes } from './appRoutes'

export interface MenuItem {
  key: string
  /** i18n key */
  title: string
  icon?: string
  path?: string
  children?: MenuItem[]
}

interface MenuDef {
  title: string
  icon: string
  routes: string[]
}

/** The menu groups in display order; each entry is a route name whose meta decides who sees it. */
const GROUPS: MenuDef[] = [
  { title: 'menu.overview', icon: 'DataAnalysis', routes: ['workbench', 'dashboard', 'my-ledger', 'expert-reviews'] },
  { title: 'menu.plans', icon: 'Document', routes: ['plan-notices', 'plan-editor', 'plan-review-list', 'plan-change-requests', 'plan-progress', 'plan-alerts', 'plan-my-letters'] },
  {
    title: 'menu.training',
    icon: 'Reading',
    routes: ['training-compliance', 'training-staff', 'training-records', 'training-import', 'training-courses', 'training-approvals', 'training-rule'],
  },
  { title: 'supervision.menu', icon: 'View', routes: ['supervision-visits', 'rectifications'] },
  { title: 'hallStaff.menu', icon: 'Service', routes: ['hall-queue', 'hall-stats', 'hall-config'] },
  { title: 'menu.evaluation', icon: 'Trophy', routes: ['campaigns', 'events', 'assessment', 'awards', 'pilots', 'typical-cases', 'annual-summaries'] },
  { title: 'menu.organisation', icon: 'OfficeBuilding', routes: ['universities', 'departments', 'accounts', 'clients', 'webhooks', 'audit'] },
]

export function buildMenu(role: Role | null, can: (perm: string | string[]) => boolean, features: Record<string, boolean> = {}): MenuItem[] {
  if (!role) return []
  const byName = new Map(appRoutes.map((r) => [r.name as string, r]))
  const out: MenuItem[] = []
  for (const g of GROUPS) {
    const children: MenuItem[] = []
    for (const name of g.routes) {
      const r = byName.get(name)
      if (!r || !r.meta) continue
      if (r.meta.roles && !r.meta.roles.includes(role)) continue
      if (r.meta.perm && !can(r.meta.perm)) continue
      const area = name.startsWith('plan') ? 'plans' : ['campaigns', 'events', 'assessment', 'expert-reviews', 'awards', 'pilots', 'typical-cases'].includes(name) ? 'evaluation' : null
      if (area && features[area] === false) continue
      children.push({ key: name, title: r.meta.title ?? name, path: `/${r.path}` })
    }
    if (children.length) out.push({ key: g.title, title: g.title, icon: g.icon, children })
  }
  return out
}
