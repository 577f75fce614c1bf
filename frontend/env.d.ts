/// <reference types="vite/client" />

/** zh-CN's sections loaded after sign-in (vite.config.ts, src/i18n/index.ts loadAppWords). */
declare module 'virtual:zh-CN-later' {
  const messages: Record<string, unknown>
  export default messages
}

/** The service hall's zh-CN words (vite.config.ts ZH_HALL, src/i18n/index.ts loadHallWords). */
declare module 'virtual:zh-CN-hall' {
  const messages: Record<string, unknown>
  export default messages
}
