import type { Directive } from 'vue'
import { i18n } from '@/i18n'

/**
 * `v-selection-labels` on an el-table with a selection column: Element Plus names its checkboxes on the <label>
 * (axe-core "aria-allowed-attr", critical), and its "mixed" state too, not on the input. The names move to the inputs: the header's
 * 全选本页 / Select all on this page, each row's 选择第 n 行 / Select row n; a MutationObserver keeps them as rows
 * come and go.
 */
const observers = new WeakMap<HTMLElement, MutationObserver>()

function name(el: HTMLElement): void {
  const { t } = i18n.global
  const set = (box: HTMLElement | null, label: string): void => {
    if (!box) return
    const input = box.querySelector<HTMLInputElement>('input')
    // Element Plus puts the name and the "mixed" state on the <label> (axe "aria-allowed-attr", critical): on the input
    const mixed = box.getAttribute('aria-checked')
    for (const a of ['aria-label', 'aria-checked', 'aria-controls']) if (box.hasAttribute(a)) box.removeAttribute(a)
    if (!input) return
    if (input.getAttribute('aria-label') !== label) input.setAttribute('aria-label', label)
    if (mixed && input.getAttribute('aria-checked') !== mixed) input.setAttribute('aria-checked', mixed)
    else if (!mixed && !box.classList.contains('is-indeterminate') && input.hasAttribute('aria-checked')) input.removeAttribute('aria-checked')
  }
  set(el.querySelector<HTMLElement>('.el-table__header .el-checkbox'), t('batch.selectAll'))
  el.querySelectorAll<HTMLTableRowElement>('.el-table__body tr.el-table__row').forEach((tr, i) => {
    set(tr.querySelector<HTMLElement>('.el-checkbox'), t('batch.selectRow', { n: i + 1 }))
  })
}

export const vSelectionLabels: Directive<HTMLElement> = {
  mounted(el) {
    name(el)
    const observer = new MutationObserver(() => name(el))
    observer.observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label', 'aria-checked', 'aria-controls', 'class'] })
    observers.set(el, observer)
  },
  updated: name,
  beforeUnmount(el) {
    observers.get(el)?.disconnect()
    observers.delete(el)
  },
}
