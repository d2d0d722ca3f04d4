"""Priorities: the scoring matrix, meetings with dot-votes, and the agreed priority issues."""
