import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { baseCompile } from '@intlify/message-compiler'
import type { Plugin } from 'vite'

const backend = process.env.VITE_BACKEND ?? 'http://127.0.0.1:8000'

/**
 * The app's messages with placeholders (src/i18n/locales/*.ts) compiled to vue-i18n's message AST when building, so the built app
 * drops vue-i18n's message compiler (__INTLIFY_DROP_MESSAGE_COMPILER__): about 10 kB gzipped less on the sign-in
 * page (issue #17, docs/benchmarks.md). A message the compiler cannot read fails the build. Dev and unit tests keep
 * the strings and the compiler.
 */
function i18nMessagesAsAst(): Plugin {
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
  return {
    name: 'sanquan-i18n-messages-as-ast',
    apply: 'build',
    enforce: 'post',
    async transform(code, id) {
      if (!/\/src\/i18n\/locales\/[\w-]+\.ts$/.test(id)) return null
      const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
      const mod = (await import(url)) as { default: unknown }
      return { code: `export default JSON.parse(${JSON.stringify(JSON.stringify(compileTree(mod.default, '')))})`, map: null }
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
