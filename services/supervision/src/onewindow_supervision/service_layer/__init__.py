"""Supervision's work: archive what it hears, raise deadline alerts once."""
