// e2e: shares its platform — it changes nothing another journey could see (tests/e2e/run_e2e.py)
/** axe-core over every page of every role on a desktop (axe.mjs; issue #17 part 5). */
import { axeJourney, WIDE } from './axe.mjs'

axeJourney('desktop', WIDE)
