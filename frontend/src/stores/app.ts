import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { elementLocales, i18n, setLocale, type AppLocale } from '@/i18n'

export const useAppStore = defineStore('app', () => {
  const locale = ref<AppLocale>(i18n.global.locale.value as AppLocale)
  const year = ref(new Date().getFullYear())
  const collapsed = ref(false)
  const elementLocale = computed(() => elementLocales[locale.value])

  function switchLocale(l: AppLocale): void {
    locale.value = l
    setLocale(l)
  }

  return { locale, year, collapsed, elementLocale, switchLocale }
})
