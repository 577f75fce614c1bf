/** axe-core over every page of every role on a desktop (axe.mjs; issue #17 part 5). */
import { axeJourney, WIDE } from './axe.mjs'

axeJourney('desktop', WIDE)
