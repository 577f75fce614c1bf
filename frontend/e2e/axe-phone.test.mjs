// e2e: shares its platform — it changes nothing another journey could see (tests/e2e/run_e2e.py)
/** axe-core over every page of every role at 390×844 (axe.mjs; issue #17 part 5). */
import { axeJourney, PHONE } from './axe.mjs'

axeJourney('phone', PHONE)
