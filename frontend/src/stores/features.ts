import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * Which backend areas are deployed, read from the combined OpenAPI (`/api/openapi.json`) once.
 * Plans and evaluation screens stay hidden while their routers are absent; unknown = shown.
 */
export const useFeatureStore = defineStore('features', () => {
  const areas = ref<Record<string, boolean>>({})
  const paths = ref<Set<string>>(new Set())
  let loading: Promise<void> | null = null

  function load(): Promise<void> {
    if (!loading) {
      loading = (async () => {
        try {
          const res = await fetch('/api/openapi.json', { headers: { Accept: 'application/json' } })
          if (!res.ok) return
          const doc = (await res.json()) as { paths?: Record<string, unknown> }
          const p = Object.keys(doc.paths ?? {})
          paths.value = new Set(p)
          areas.value = {
            plans: p.some((x) => x.startsWith('/api/plans/')),
            evaluation: p.some((x) => x.startsWith('/api/evaluation/')),
            training: p.some((x) => x.startsWith('/api/training/')),
          }
        } catch {
          /* unknown: keep everything visible */
        }
      })()
    }
    return loading
  }

  /** true when the path (OpenAPI template, e.g. `/api/training/self-reports`) is known, or nothing is known */
  function has(path: string): boolean {
    return paths.value.size === 0 || paths.value.has(path)
  }

  return { areas, paths, load, has }
})
