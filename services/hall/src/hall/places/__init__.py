"""Places of a university (buildings, rooms, areas) that requests name (S1)."""
