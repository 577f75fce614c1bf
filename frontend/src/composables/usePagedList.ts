import { getCurrentInstance, reactive, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'
import type { Page } from '@/api/types'
import { notifyError } from '@/utils/feedback'

interface Saved {
  filters: Record<string, unknown>
  page: number
  size: number
}

/** The last search of each list page (by path) in this tab: it survives leaving the page and coming back (#17). */
const savedSearches = new Map<string, Saved>()

/** A query value read back with the type of the filter's default (numbers, booleans; plain ids without one). */
function fromQuery(raw: string, initial: unknown): unknown {
  if (typeof initial === 'number') return Number.isFinite(Number(raw)) ? Number(raw) : initial
  if (typeof initial === 'boolean') return raw === 'true'
  if (typeof initial === 'string') return raw
  if (raw === 'true' || raw === 'false') return raw === 'true'
  return /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : raw
}

function toQuery(filters: Record<string, unknown>, initial: Record<string, unknown>, page: number, size: number, pageSize: number): Record<string, string> {
  const q: Record<string, string> = {}
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === null || v === '' || v === initial[k] || typeof v === 'object') continue
    q[k] = String(v)
  }
  if (page > 1) q.page = String(page)
  if (size !== pageSize) q.size = String(size)
  return q
}

/**
 * A server-paged table: `load()` with the current page; filters reset to page 1. The search (filters, page, page
 * size) is kept in the query string (a reload or a shared link shows the same rows) and for the page's path in
 * this tab (coming back through the menu shows the last search); 重置 is `reset()`.
 */
export function usePagedList<T, F extends object>(fetcher: (q: F & { limit: number; offset: number }) => Promise<Page<T>>, filters: F, pageSize = 20) {
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const loading = ref(false)
  const page = ref(1)
  const size = ref(pageSize)
  const initial = { ...(filters as Record<string, unknown>) }
  const f = reactive(filters) as F
  let seq = 0

  // outside a component with a router (unit tests of other parts) the list simply does not remember
  const inRouter = getCurrentInstance()?.appContext.config.globalProperties.$router !== undefined
  const route = inRouter ? useRoute() : null
  const router = inRouter ? useRouter() : null
  const path = route?.path
  if (route && path) {
    const query: LocationQuery = route.query
    const fromUrl = Object.keys(initial).some((k) => typeof query[k] === 'string') || typeof query.page === 'string'
    const saved = fromUrl ? null : savedSearches.get(path)
    const target = f as Record<string, unknown>
    if (fromUrl) {
      for (const k of Object.keys(initial)) {
        const raw = query[k]
        if (typeof raw === 'string') target[k] = fromQuery(raw, initial[k])
      }
      if (typeof query.page === 'string' && Number(query.page) >= 1) page.value = Math.floor(Number(query.page))
      if (typeof query.size === 'string' && Number(query.size) >= 1) size.value = Math.floor(Number(query.size))
    } else if (saved) {
      Object.assign(target, saved.filters)
      page.value = saved.page
      size.value = saved.size
    }
  }

  function remember(): void {
    if (!route || !router || !path || route.path !== path) return
    const current = { ...(f as Record<string, unknown>) }
    savedSearches.set(path, { filters: current, page: page.value, size: size.value })
    const keep = Object.fromEntries(Object.entries(route.query).filter(([k]) => !(k in initial) && k !== 'page' && k !== 'size'))
    void router.replace({ query: { ...keep, ...toQuery(current, initial, page.value, size.value, pageSize) } }).catch(() => undefined)
  }

  async function load(): Promise<void> {
    remember()
    const mine = ++seq
    loading.value = true
    try {
      const res = await fetcher({ ...(f as F), limit: size.value, offset: (page.value - 1) * size.value })
      if (mine !== seq) return
      items.value = res.items
      total.value = res.total
    } catch (e) {
      if (mine === seq) {
        items.value = []
        total.value = 0
        notifyError(e)
      }
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function search(): void {
    page.value = 1
    void load()
  }

  /** 重置: the filters as the page first had them, page 1. */
  function reset(): void {
    Object.assign(f as Record<string, unknown>, initial)
    search()
  }

  watch([page, size], () => void load())

  return { items, total, loading, page, size, filters: f, load, search, reset }
}
