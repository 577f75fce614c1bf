"""The evaluation vocabulary of DOMAIN.md (E1–E5): a campaign's phases, in order, and which phases allow what."""

from __future__ import annotations

#: A campaign's phases, in order (``campaigns.schemas.Phase`` names the same ones).
PHASES = ("draft", "nomination", "preselection", "review", "decision", "publicity", "final")
#: Phases in which the settings, categories and rubric may still change.
EDITABLE_PHASES = ("draft", "nomination", "preselection")
#: Phases in which experts are assigned to nominations.
ASSIGNING_PHASES = ("preselection", "review")
#: Phases in which the results are public.
PUBLISHED_PHASES = ("publicity", "final")
