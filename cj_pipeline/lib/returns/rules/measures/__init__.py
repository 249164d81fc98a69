"""Rules on the measures part of a return."""
