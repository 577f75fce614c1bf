import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n, loadLocale, type AppLocale } from './i18n'
import { router } from './router'
import { vPerm } from './directives/perm'
import { vPageSizeLabel } from './directives/pageSizeLabel'
import 'element-plus/theme-chalk/base.css'
import './styles/main.css'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)
app.directive('perm', vPerm)
app.directive('page-size-label', vPageSizeLabel)
// A user who chose English sees it from the first paint: its messages are loaded before mounting.
void loadLocale(i18n.global.locale.value as AppLocale).finally(() => app.mount('#app'))
