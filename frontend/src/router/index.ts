import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from '@/api/types'
import { loadAppWords, loadHallWords } from '@/i18n'
import { useAuthStore } from '@/stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title */
    title?: string
    /** roles that may open the page; absent = any signed-in person */
    roles?: Role[]
    /** any of these permission codes */
    perm?: string | string[]
    public?: boolean
    /** the service hall (issue #20): its words (loadHallWords); 'student' pages have their own layout and sign-in */
    hall?: 'student' | 'staff'
  }
}

/** The province's administrator and its inspector (督导, issue #19: reads what the province reads). */
export const PI: Role[] = ['province_admin', 'inspector']
/** The service hall's students and teachers (S1, issue #20). */
export const HALL_USERS = ['student', 'teacher'] as unknown as Role[]

/** Where each role lands after signing in. */
export function homeFor(role: Role | null): string {
  if (role && HALL_USERS.includes(role)) return '/hall'
  switch (role) {
    case 'province_admin':
      return '/dashboard'
    case 'university_admin':
    case 'department_manager':
      return '/workbench'
    case 'staff':
      return '/my/ledger'
    case 'expert':
      return '/evaluation/reviews'
    case 'inspector':
      return '/supervision/visits'
    default:
      return '/profile'
  }
}

const APP_ROOT = 'app'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, title: 'login.title' } },
  // 公示公告 (#19): public pages without sign-in or the app's chrome, a lazy chunk of their own.
  // 服务大厅 (S1, issue #20): students and teachers on their phones, a layout and sign-in of their own, no admin code
  { path: '/hall/sign-in', name: 'hall-sign-in', component: () => import('@/views/hall/HallSignInView.vue'), meta: { public: true, hall: 'student', title: 'hall.signIn.title' } },
  {
    path: '/hall',
    component: () => import('@/layouts/HallLayout.vue'),
    meta: { roles: HALL_USERS, hall: 'student' },
    children: [
      { path: '', name: 'hall-mine', component: () => import('@/views/hall/MyRequestsView.vue'), meta: { title: 'hall.nav.mine', roles: HALL_USERS, hall: 'student' } },
      { path: 'new', name: 'hall-new', component: () => import('@/views/hall/NewRequestView.vue'), meta: { title: 'hall.form.title', roles: HALL_USERS, hall: 'student' } },
      { path: 'requests/:id', name: 'hall-request', component: () => import('@/views/hall/RequestView.vue'), meta: { title: 'hall.detail.number', roles: HALL_USERS, hall: 'student' } },
      { path: 'notifications', name: 'hall-notifications', component: () => import('@/views/hall/HallNotificationsView.vue'), meta: { title: 'hall.notifications.title', roles: HALL_USERS, hall: 'student' } },
    ],
  },
  { path: '/public', name: 'public', component: () => import('@/views/public/PublicView.vue'), meta: { public: true, title: 'publicPages.title' } },
  // The province's big screen (#17): full screen without the app's chrome, a lazy chunk with its map.
  { path: '/province/screen', name: 'province-screen', component: () => import('@/views/province/BigScreenView.vue'), meta: { title: 'bigScreen.title', roles: PI, perm: 'dashboard:province:view' } },
  {
    path: '/',
    name: APP_ROOT,
    component: () => import('@/layouts/AppLayout.vue'),
    children: [{ path: '', name: 'home', redirect: () => homeFor(useAuthStore().role) }],
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { public: true, title: 'errors.notFoundTitle' } },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Adds the application's pages (router/appRoutes.ts) once; the navigation that needed them starts again. */
let appRoutesAdded: Promise<void> | null = null
export function addAppRoutes(): Promise<void> {
  appRoutesAdded ??= import('./appRoutes').then(({ appRoutes }) => {
    for (const r of appRoutes) router.addRoute(APP_ROOT, r)
  })
  return appRoutesAdded
}

router.beforeEach(async (to) => {
  // an application page not yet known matched the catch-all (or the shell): add the pages and resolve it again
  if (!router.hasRoute('workbench') && to.meta.hall !== 'student' && !(to.meta.public && to.name !== 'not-found')) {
    await addAppRoutes()
    if (to.name === 'not-found') return to.fullPath
  }
  // zh-CN's words for every page but the sign-in page: not in its first load (vite.config.ts ZH_FIRST_LOAD); the
  // service hall's student pages load only their own words (issue #20: ≤ 120 kB gz, no admin pages' words)
  const hallStudent = to.meta.hall === 'student'
  if (to.name !== 'login' && !hallStudent) await loadAppWords()
  if (to.meta.hall) await loadHallWords()
  const auth = useAuthStore()
  if (!auth.ready) await auth.restore()
  if (to.meta.public) {
    if ((to.name === 'login' || to.name === 'hall-sign-in') && auth.signedIn) return homeFor(auth.role)
    return true
  }
  if (!auth.signedIn) return { name: hallStudent ? 'hall-sign-in' : 'login', query: to.fullPath !== '/' && to.fullPath !== '/hall' ? { redirect: to.fullPath } : {} }
  if (to.meta.roles && !auth.hasRole(...to.meta.roles)) return { name: 'forbidden' }
  if (to.meta.perm && !auth.can(to.meta.perm)) return { name: 'forbidden' }
  return true
})
