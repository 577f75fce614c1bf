import { readonly, ref, type Ref } from 'vue'

/** Below this width (px) the app is laid out for a phone: drawer menu, card lists, full-width dialogs. */
export const PHONE_MAX = 767

const phone = ref(false)
let watching = false

function watchWidth(): void {
  if (watching || typeof window === 'undefined') return
  watching = true
  const mq = typeof window.matchMedia === 'function' ? window.matchMedia(`(max-width: ${PHONE_MAX}px)`) : null
  const update = () => {
    phone.value = mq ? mq.matches : window.innerWidth <= PHONE_MAX
  }
  update()
  if (mq && typeof mq.addEventListener === 'function') mq.addEventListener('change', update)
  else window.addEventListener('resize', update)
}

/** One shared, reactive answer to "is this a phone-sized screen?" (a media query, so no resize polling). */
export function useViewport(): { isPhone: Readonly<Ref<boolean>> } {
  watchWidth()
  return { isPhone: readonly(phone) }
}
