import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { baseCompile } from '@intlify/message-compiler'
import { readFileSync } from 'node:fs'
import type { Plugin } from 'vite'

const backend = process.env.VITE_BACKEND ?? 'http://127.0.0.1:8000'

/**
 * The app's messages with placeholders (src/i18n/locales/*.ts) compiled to vue-i18n's message AST when building, so the built app
 * drops vue-i18n's message compiler (__INTLIFY_DROP_MESSAGE_COMPILER__): about 10 kB gzipped less on the sign-in
 * page (issue #17, docs/benchmarks.md). A message the compiler cannot read fails the build. Dev and unit tests keep
 * the strings and the compiler.
 */
const compileTree = (node: unknown, path: string): unknown => {
  // a message without vue-i18n syntax stays a string (src/i18n/index.ts gives it back as it is): smaller than its AST
  if (typeof node === 'string' && !/[{}@|%]/.test(node)) return node
  if (typeof node === 'string') {
    const { ast } = baseCompile(node, {
      jit: true,
      minify: true,
      location: false,
      onError: (e) => {
        throw new Error(`i18n message ${path}: ${e.message}`)
      },
    })
    return ast
  }
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, compileTree(v, path ? `${path}.${k}` : k)]))
  }
  return node
}

function i18nMessagesAsAst(): Plugin {
  return {
    name: 'sanquan-i18n-messages-as-ast',
    apply: 'build',
    enforce: 'post',
    async transform(code, id) {
      if (!/\/src\/i18n\/locales\/[\w-]+\.ts$/.test(id)) return null
      let messages = compileTree(await messagesOf(code), '') as Record<string, unknown>
      // zh-CN in the first load: the sign-in page's sections only; the others are in ZH_LATER's chunk
      if (id.endsWith('/zh-CN.ts')) messages = sections(messages, false)
      return { code: `export default JSON.parse(${JSON.stringify(JSON.stringify(messages))})`, map: null }
    },
  }
}

/**
 * The zh-CN sections the sign-in page and the error messages need (the first load); every other section of
 * zh-CN.ts is a chunk of its own (`virtual:zh-CN-later`), merged by `loadAppWords` (src/i18n/index.ts) before the
 * signed-in layout shows: words added for the app's pages do not weigh on the sign-in page's 150 kB (issue #17).
 * Development and unit tests load zh-CN.ts whole (the virtual module is empty there).
 */
const ZH_FIRST_LOAD = new Set(['app', 'common', 'menu', 'roles', 'login', 'errors', 'validation', 'problems', 'fieldLabels', 'rules'])
const ZH_LATER = 'virtual:zh-CN-later'
/**
 * The service hall's words (issue #20): a chunk of their own (`virtual:zh-CN-hall`, merged by `loadHallWords`), so the
 * student pages load neither the admin pages' words nor pay for them (≤ 120 kB gz: scripts/measure-hall-bundle.mjs).
 */
const ZH_HALL = 'virtual:zh-CN-hall'
const ZH_HALL_SECTIONS = new Set(['hall'])
const ZH_PATH = fileURLToPath(new URL('./src/i18n/locales/zh-CN.ts', import.meta.url))

async function messagesOf(code: string): Promise<Record<string, unknown>> {
  const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
  return ((await import(url)) as { default: Record<string, unknown> }).default
}

function sections(messages: Record<string, unknown>, later: boolean | 'hall'): Record<string, unknown> {
  if (later === 'hall') return Object.fromEntries(Object.entries(messages).filter(([k]) => ZH_HALL_SECTIONS.has(k)))
  return Object.fromEntries(Object.entries(messages).filter(([k]) => ZH_FIRST_LOAD.has(k) !== later && !ZH_HALL_SECTIONS.has(k)))
}

function zhLater(): Plugin {
  let build = false
  return {
    name: 'sanquan-zh-cn-later',
    configResolved(config) {
      build = config.command === 'build'
    },
    resolveId(id) {
      return id === ZH_LATER || id === ZH_HALL ? `\0${id}` : null
    },
    async load(id) {
      if (id !== `\0${ZH_LATER}` && id !== `\0${ZH_HALL}`) return null
      if (!build) return 'export default {}'
      this.addWatchFile(ZH_PATH)
      const messages = sections(await messagesOf(readFileSync(ZH_PATH, 'utf8')), id === `\0${ZH_HALL}` ? 'hall' : true)
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(compileTree(messages, '')))})`
    },
  }
}

// Element Plus components (and their CSS) are imported on demand by the resolver as templates use them;
// services such as ElMessage are imported explicitly in src/utils/feedback.ts (with their CSS).
export default defineConfig(({ command }) => ({
  define: { __INTLIFY_DROP_MESSAGE_COMPILER__: JSON.stringify(command === 'build') },
  plugins: [
    vue(),
    i18nMessagesAsAst(),
    zhLater(),
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'src/components.d.ts',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/.well-known': { target: backend, changeOrigin: false },
    },
  },
  build: {
    manifest: true,
    target: 'es2020',
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.spec.ts'],
    setupFiles: ['tests/unit/setup-locales.ts'],
    css: false,
    // Mounting Element Plus forms in jsdom takes seconds on a busy 2-core machine; a test that waits is not a
    // failing test (each test still fails on its assertions).
    testTimeout: 30_000,
    server: { deps: { inline: ['element-plus'] } },
  },
}))
