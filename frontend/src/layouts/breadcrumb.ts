import type { MenuItem } from '@/router/menu'

/** Pages opened from a list (not in the menu themselves): the list they belong to. */
export const PARENT_PAGE: Record<string, string> = {
  'training-ledger': 'training-compliance',
  'plan-review': 'plan-review-list',
  campaign: 'campaigns',
  'hall-staff-request': 'hall-queue',
}

/** The menu entry that is lit for a page: its own, or its list's. */
export function menuKeyOf(name: string): string {
  return PARENT_PAGE[name] ?? name
}

export interface Crumb {
  /** i18n key */
  title: string
  /** a link for the list a detail page was opened from; none for the group and the page itself */
  path?: string
}

/** 面包屑: the menu group, the list (for a detail page) and the page, from the menu the person sees. */
export function crumbsFor(menu: MenuItem[], name: string, title: string | undefined): Crumb[] {
  const own: Crumb[] = title ? [{ title }] : []
  const parent = PARENT_PAGE[name]
  for (const group of menu) {
    const children = group.children ?? []
    if (children.some((c) => c.key === name)) return [{ title: group.title }, ...own]
    const list = parent ? children.find((c) => c.key === parent) : undefined
    // a detail page titled like its list (方案审核 → one plan) reads 详情
    if (list) return [{ title: group.title }, { title: list.title, path: list.path }, { title: title && title !== list.title ? title : 'tagsView.detail' }]
  }
  return own
}
