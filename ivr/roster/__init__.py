"""Operators, shifts and the roster: who answers which queue, and when (issue 4)."""
