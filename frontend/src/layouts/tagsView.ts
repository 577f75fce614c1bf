/**
 * The tags view (标签页) of visited pages, as RuoYi-Vue3 / vue-pure-admin show it: one tag per page (a list page's
 * search lives in its query string, so the tag keeps the last full path), the home page fixed first, closable
 * tags, close others / left / right / all, kept in the tab's sessionStorage across reloads.
 * Pure functions here (unit-tested); `TagsView.vue` draws them.
 */

export interface VisitedTag {
  /** the route's name: one tag per page */
  name: string
  /** the route's path without its query (the tag's identity in the DOM) */
  path: string
  /** the last full path seen (query included): clicking the tag comes back to the same search */
  fullPath: string
  /** i18n key of the page title */
  title: string
  /** the home page: never closed */
  affix?: boolean
}

export const TAGS_KEY = 'sq.tags'
/** More tags than this and the oldest closable one goes. */
export const MAX_TAGS = 15

/** Adds the page or refreshes its full path and title; the affix tag stays first. */
export function visit(tags: VisitedTag[], tag: VisitedTag): VisitedTag[] {
  const i = tags.findIndex((t) => t.name === tag.name && t.path === tag.path)
  let out: VisitedTag[]
  if (i >= 0) {
    out = tags.slice()
    out[i] = { ...tags[i], fullPath: tag.fullPath, title: tag.title }
  } else {
    out = [...tags, tag]
  }
  while (out.length > MAX_TAGS) {
    const oldest = out.findIndex((t) => !t.affix && t.path !== tag.path)
    if (oldest < 0) break
    out.splice(oldest, 1)
  }
  return [...out.filter((t) => t.affix), ...out.filter((t) => !t.affix)]
}

/** What remains after closing `path`, and where to go when the closed tag was the page on screen (the tag to its
 * left, as browsers do; null = stay). */
export function close(tags: VisitedTag[], path: string, current: string): { tags: VisitedTag[]; go: string | null } {
  const i = tags.findIndex((t) => t.path === path)
  if (i < 0 || tags[i].affix) return { tags, go: null }
  const rest = tags.filter((_, j) => j !== i)
  if (path !== current) return { tags: rest, go: null }
  const next = rest[Math.min(i, rest.length) - 1] ?? rest[0]
  return { tags: rest, go: next ? next.fullPath : '/' }
}

export type CloseCommand = 'close' | 'others' | 'left' | 'right' | 'all'

/** The right-click menu's commands on the tag at `path`; `go`: where to navigate when the page on screen closed. */
export function closeBy(
  cmd: CloseCommand,
  tags: VisitedTag[],
  path: string,
  current: string,
): { tags: VisitedTag[]; go: string | null } {
  if (cmd === 'close') return close(tags, path, current)
  const i = tags.findIndex((t) => t.path === path)
  if (i < 0) return { tags, go: null }
  const keep = (t: VisitedTag, j: number): boolean => {
    if (t.affix) return true
    if (cmd === 'others') return j === i
    if (cmd === 'left') return j >= i
    if (cmd === 'right') return j <= i
    return false // all
  }
  const rest = tags.filter(keep)
  if (rest.some((t) => t.path === current)) return { tags: rest, go: null }
  const target = cmd === 'all' ? rest[0] : tags[i]
  return { tags: rest, go: target ? target.fullPath : '/' }
}

/** The tags saved in this tab, or [] when there are none or they cannot be read. */
export function load(storage: Pick<Storage, 'getItem'>): VisitedTag[] {
  try {
    const raw = storage.getItem(TAGS_KEY)
    const parsed: unknown = raw ? JSON.parse(raw) : []
    if (!Array.isArray(parsed)) return []
    return parsed.filter(
      (t): t is VisitedTag =>
        !!t && typeof t === 'object' && typeof t.name === 'string' && typeof t.path === 'string' && typeof t.fullPath === 'string' && typeof t.title === 'string',
    )
  } catch {
    return []
  }
}

export function save(storage: Pick<Storage, 'setItem'>, tags: VisitedTag[]): void {
  try {
    storage.setItem(TAGS_KEY, JSON.stringify(tags))
  } catch {
    // storage full or refused: the tags live for this page only
  }
}
