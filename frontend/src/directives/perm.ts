import type { Directive } from 'vue'
import { useAuthStore } from '@/stores/auth'

/**
 * `v-perm="'training:record:import'"` (or an array: any of them) removes the element when the caller lacks the
 * permission. Convenience only — the backend enforces every action.
 */
export const vPerm: Directive<HTMLElement, string | string[]> = {
  mounted(el, binding) {
    const auth = useAuthStore()
    if (!auth.can(binding.value)) el.parentNode?.removeChild(el)
  },
}
