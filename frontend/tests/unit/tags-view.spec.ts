import { describe, expect, it } from 'vitest'
import { crumbsFor, menuKeyOf } from '@/layouts/breadcrumb'
import { MAX_TAGS, TAGS_KEY, close, closeBy, load, save, visit, type VisitedTag } from '@/layouts/tagsView'
import { buildUrl } from '@/api/http'
import type { MenuItem } from '@/router/menu'

const tag = (name: string, affix = false, query = ''): VisitedTag => ({ name, path: `/${name}`, fullPath: `/${name}${query}`, title: `menu.${name}`, affix })
const names = (tags: VisitedTag[]): string[] => tags.map((t) => t.name)

describe('tags view', () => {
  const home = tag('workbench', true)

  it('adds a page once and keeps its last search', () => {
    let tags = visit([home], tag('records'))
    tags = visit(tags, tag('staff'))
    tags = visit(tags, tag('records', false, '?page=2'))
    expect(names(tags)).toEqual(['workbench', 'records', 'staff'])
    expect(tags[1].fullPath).toBe('/records?page=2')
  })

  it('keeps the home tag first and drops the oldest closable one past the limit', () => {
    let tags = [home]
    for (let i = 0; i < MAX_TAGS + 3; i++) tags = visit(tags, tag(`p${i}`))
    expect(tags).toHaveLength(MAX_TAGS)
    expect(tags[0]).toEqual(home)
    expect(tags[1].name).toBe('p4')
    expect(tags.at(-1)?.name).toBe(`p${MAX_TAGS + 2}`)
  })

  it('closing the page on screen goes to the tag on its left; another tag: stay', () => {
    const tags = [home, tag('a'), tag('b', false, '?x=1'), tag('c')]
    expect(close(tags, '/c', '/c')).toEqual({ tags: tags.slice(0, 3), go: '/b?x=1' })
    expect(close(tags, '/a', '/c')).toEqual({ tags: [home, tags[2], tags[3]], go: null })
    expect(close(tags, '/workbench', '/workbench').tags).toBe(tags) // the home tag never closes
  })

  it('close others / left / right / all keep the home tag', () => {
    const tags = [home, tag('a'), tag('b'), tag('c')]
    expect(names(closeBy('others', tags, '/b', '/b').tags)).toEqual(['workbench', 'b'])
    expect(names(closeBy('left', tags, '/b', '/b').tags)).toEqual(['workbench', 'b', 'c'])
    expect(names(closeBy('right', tags, '/b', '/b').tags)).toEqual(['workbench', 'a', 'b'])
    expect(closeBy('all', tags, '/b', '/b')).toEqual({ tags: [home], go: '/workbench' })
    // the page on screen closed by "others" on another tag: go to that tag
    expect(closeBy('others', tags, '/a', '/c').go).toBe('/a')
    expect(closeBy('right', tags, '/a', '/a').go).toBeNull()
  })

  it('survives a reload through sessionStorage and ignores what it cannot read', () => {
    const store = new Map<string, string>()
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }
    save(storage, [home, tag('a')])
    expect(load(storage)).toEqual([home, tag('a')])
    store.set(TAGS_KEY, '{not json')
    expect(load(storage)).toEqual([])
    store.set(TAGS_KEY, JSON.stringify([{ name: 1 }, tag('b')]))
    expect(names(load(storage))).toEqual(['b'])
  })
})

describe('breadcrumb', () => {
  const menu: MenuItem[] = [
    { key: 'menu.training', title: 'menu.training', children: [{ key: 'training-compliance', title: 'menu.compliance', path: '/training/compliance' }, { key: 'training-records', title: 'menu.records', path: '/training/records' }] },
    { key: 'menu.plans', title: 'menu.plans', children: [{ key: 'plan-review-list', title: 'menu.planReview', path: '/plans/review' }] },
  ]

  it('is the menu group and the page', () => {
    expect(crumbsFor(menu, 'training-records', 'menu.records')).toEqual([{ title: 'menu.training' }, { title: 'menu.records' }])
  })

  it('links a detail page to its list, and names a detail titled like its list 详情', () => {
    expect(crumbsFor(menu, 'training-ledger', 'menu.ledger')).toEqual([
      { title: 'menu.training' },
      { title: 'menu.compliance', path: '/training/compliance' },
      { title: 'menu.ledger' },
    ])
    expect(crumbsFor(menu, 'plan-review', 'menu.planReview').at(-1)).toEqual({ title: 'tagsView.detail' })
    expect(menuKeyOf('plan-review')).toBe('plan-review-list')
  })

  it('is the page alone outside the menu', () => {
    expect(crumbsFor(menu, 'profile', 'menu.profile')).toEqual([{ title: 'menu.profile' }])
  })
})

describe('query lists', () => {
  it('repeat the key, as FastAPI reads a list (批量导出 ids)', () => {
    expect(buildUrl('/api/x', { ids: [3, 5], format: 'xlsx' })).toBe('/api/x?ids=3&ids=5&format=xlsx')
  })
})
