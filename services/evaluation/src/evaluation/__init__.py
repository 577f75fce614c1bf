"""The evaluation service."""
