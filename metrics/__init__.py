"""Scoring protocols: each a named rule that cites the reference implementation it matches."""
