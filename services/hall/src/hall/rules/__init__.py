"""Routing rules (which department receives a category at a place) and promises (S1)."""
