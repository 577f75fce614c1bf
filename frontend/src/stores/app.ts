import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { elementLocales, i18n, loadLocale, setLocale, type AppLocale } from '@/i18n'

export const useAppStore = defineStore('app', () => {
  const locale = ref<AppLocale>(i18n.global.locale.value as AppLocale)
  const year = ref(new Date().getFullYear())
  const collapsed = ref(false)
  const elementLocale = computed(() => elementLocales[locale.value])

  /** Loads the locale's messages if they are not yet (English is a chunk of its own), then shows it. */
  async function switchLocale(l: AppLocale): Promise<void> {
    await loadLocale(l)
    locale.value = l
    setLocale(l)
  }

  return { locale, year, collapsed, elementLocale, switchLocale }
})
