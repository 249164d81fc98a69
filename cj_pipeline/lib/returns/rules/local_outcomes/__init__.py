"""Rules on the local outcomes part of a return."""
