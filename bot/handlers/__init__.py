"""Use cases for every chat channel: a neutral ``Incoming`` in, neutral ``Reply`` objects out."""
