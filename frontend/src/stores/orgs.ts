import { defineStore } from 'pinia'
import { ref } from 'vue'
import { orgsApi } from '@/api/orgs'
import type { Org } from '@/api/types'

/** Names of the organisations the caller can see, for labels and pickers (loaded once, refreshed on demand). */
export const useOrgStore = defineStore('orgs', () => {
  const byId = ref<Record<number, Org>>({})
  const universities = ref<Org[]>([])
  const departments = ref<Org[]>([])
  let loading: Promise<void> | null = null

  async function fetchAll(level: 'province' | 'university' | 'department'): Promise<Org[]> {
    const out: Org[] = []
    for (let offset = 0; offset < 5000; offset += 500) {
      const page = await orgsApi.list({ level, limit: 500, offset })
      out.push(...page.items)
      if (out.length >= page.total || page.items.length === 0) break
    }
    return out
  }

  function load(force = false): Promise<void> {
    if (loading && !force) return loading
    loading = (async () => {
      // the province too: accounts and clients of the province are labelled with its name (not "#1")
      const [p, u, d] = await Promise.all([fetchAll('province'), fetchAll('university'), fetchAll('department')])
      universities.value = u
      departments.value = d
      const map: Record<number, Org> = {}
      for (const o of [...p, ...u, ...d]) map[o.id] = o
      byId.value = map
    })().catch((e) => {
      loading = null
      throw e
    })
    return loading
  }

  function name(id: number | null | undefined): string {
    if (id === null || id === undefined) return '—'
    return byId.value[id]?.name ?? `#${id}`
  }

  function departmentsOf(universityId: number | null | undefined): Org[] {
    return departments.value.filter((d) => d.parent_id === universityId || d.university_id === universityId)
  }

  return { byId, universities, departments, load, name, departmentsOf }
})
