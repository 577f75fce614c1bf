"""The plans service."""
