"""Intake's entry points: the HTTP API, the timer and event handlers."""
