"""Rules on the evidence part of a return."""
