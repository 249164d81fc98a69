"""Rules on the structure part of a return."""
