"""Intake's use cases: one handler per command, listed in `handlers.HANDLERS`."""
