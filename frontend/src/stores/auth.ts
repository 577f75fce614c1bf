import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi } from '@/api/auth'
import { setUnauthorizedHandler } from '@/api/http'
import { REFRESH_MARGIN_MS, refreshAccessToken, setToken, tokenExpiresAt } from '@/api/session'
import type { Me, Role } from '@/api/types'
import { hasPermission, ROLE_PERMISSIONS } from '@/auth/permissions'

export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  /** true once the start-up refresh attempt has finished (whatever its outcome) */
  const ready = ref(false)
  const expired = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let restoring: Promise<boolean> | null = null

  const signedIn = computed(() => me.value !== null)
  const role = computed<Role | null>(() => me.value?.role ?? null)
  const permissions = computed<string[]>(() => {
    if (!me.value) return []
    const fromBackend = me.value.permissions
    return fromBackend && fromBackend.length > 0 ? fromBackend : (ROLE_PERMISSIONS[me.value.role] ?? [])
  })

  function can(code: string | string[]): boolean {
    const codes = Array.isArray(code) ? code : [code]
    return codes.some((c) => hasPermission(permissions.value, c))
  }

  function hasRole(...roles: Role[]): boolean {
    return role.value !== null && roles.includes(role.value)
  }

  function scheduleRefresh(): void {
    if (timer) clearTimeout(timer)
    timer = null
    const at = tokenExpiresAt()
    if (!at) return
    const delay = Math.max(5_000, at - Date.now() - REFRESH_MARGIN_MS + 5_000)
    timer = setTimeout(async () => {
      const ok = await refreshAccessToken()
      if (ok) scheduleRefresh()
      else if (me.value) sessionEnded()
    }, delay)
  }

  /** Silent refresh, shared by every caller that asks at the same time. */
  async function refresh(): Promise<boolean> {
    const ok = await refreshAccessToken()
    if (ok) scheduleRefresh()
    return ok
  }

  async function loadMe(): Promise<void> {
    me.value = await authApi.me()
  }

  /** On start: the HttpOnly cookie may still hold a valid refresh token. Runs once; later calls share it. */
  function restore(): Promise<boolean> {
    if (!restoring) {
      restoring = (async () => {
        try {
          if (await refresh()) {
            await loadMe()
            return true
          }
          return false
        } catch {
          setToken(null)
          me.value = null
          return false
        } finally {
          ready.value = true
        }
      })()
    }
    return restoring
  }

  async function login(username: string, password: string): Promise<void> {
    const t = await authApi.login(username, password)
    setToken(t)
    expired.value = false
    scheduleRefresh()
    await loadMe()
    ready.value = true
  }

  function clear(): void {
    if (timer) clearTimeout(timer)
    timer = null
    setToken(null)
    me.value = null
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  function sessionEnded(): void {
    if (!me.value) return
    clear()
    expired.value = true
  }

  setUnauthorizedHandler(sessionEnded)

  return { me, ready, expired, signedIn, role, permissions, can, hasRole, refresh, restore, login, logout, loadMe, clear, sessionEnded }
})
