"""Rules on the cover part of a return."""
