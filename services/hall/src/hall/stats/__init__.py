"""Figures of the hall and the indicators for the assessment (S1, E3)."""
