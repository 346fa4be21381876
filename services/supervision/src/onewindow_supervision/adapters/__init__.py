"""Supervision's read models (projections) and the archive of every event it heard."""
