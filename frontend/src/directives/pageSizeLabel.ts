import type { Directive } from 'vue'
import { i18n } from '@/i18n'

/**
 * `v-page-size-label` on an el-pagination with `sizes`: Element Plus renders the page-size select's input without
 * an accessible name (axe-core "label", critical; issue #17). This names it 每页条数 / Rows per page.
 */
function name(el: HTMLElement): void {
  const input = el.querySelector<HTMLInputElement>('.el-pagination__sizes input')
  const label = i18n.global.t('common.pageSize')
  if (input && input.getAttribute('aria-label') !== label) input.setAttribute('aria-label', label)
}

export const vPageSizeLabel: Directive<HTMLElement> = { mounted: name, updated: name }
