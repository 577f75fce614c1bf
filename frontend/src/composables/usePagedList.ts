import { reactive, ref, watch, type Ref } from 'vue'
import type { Page } from '@/api/types'
import { notifyError } from '@/utils/feedback'

/** A server-paged table: `load()` with the current page; filters reset to page 1. */
export function usePagedList<T, F extends object>(fetcher: (q: F & { limit: number; offset: number }) => Promise<Page<T>>, filters: F, pageSize = 20) {
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const loading = ref(false)
  const page = ref(1)
  const size = ref(pageSize)
  const f = reactive(filters) as F
  let seq = 0

  async function load(): Promise<void> {
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

  watch([page, size], () => void load())

  return { items, total, loading, page, size, filters: f, load, search }
}
