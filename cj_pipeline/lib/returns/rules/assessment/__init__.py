"""Rules on the assessment part of a return."""
