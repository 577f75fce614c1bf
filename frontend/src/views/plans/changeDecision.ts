import { plansApi } from '@/api/plans'
import type { ChangeRequest } from '@/api/plans-types'
import { i18n } from '@/i18n'
import { notifyError, notifySuccess, prompt } from '@/utils/feedback'

const t = (k: string) => i18n.global.t(k)

/**
 * The province approves (comment optional; the change applies at once) or rejects (comment required) a change
 * request, with If-Match on the request's version. Resolves true when the decision was stored.
 */
export async function decideChange(cr: Pick<ChangeRequest, 'id' | 'version'>, approve: boolean): Promise<boolean> {
  const comment = await prompt(t(approve ? 'changes.approveHint' : 'changes.rejectHint'), t(approve ? 'changes.approve' : 'changes.reject'))
  if (comment === null) return false
  if (!approve && !comment.trim()) {
    notifyError(new Error(t('changes.commentRequired')))
    return false
  }
  try {
    if (approve) await plansApi.approveChangeRequest(cr.id, cr.version, comment)
    else await plansApi.rejectChangeRequest(cr.id, cr.version, comment)
    notifySuccess(t(approve ? 'changes.approvedOk' : 'changes.rejectedOk'))
    return true
  } catch (e) {
    notifyError(e)
    return false
  }
}
