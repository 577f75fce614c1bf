/**
 * The hall's unread notifications count, owned by HallLayout (its bell) and lowered by the notifications page:
 * provided under `UNREAD_KEY` (a string written in both, so that no chunk is made for a shared constant).
 */
import type { Ref } from 'vue'

export interface Unread {
  count: Ref<number>
  refresh: () => Promise<void>
}
