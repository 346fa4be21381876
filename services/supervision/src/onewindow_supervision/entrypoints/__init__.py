"""Supervision's entry points: the supervisor's queries, the archive consumer, the projection and alert loops."""
