/** English is a lazily loaded chunk in the app (src/i18n/index.ts); unit tests switch to it synchronously. */
import { loadLocale } from '@/i18n'

await loadLocale('en')
