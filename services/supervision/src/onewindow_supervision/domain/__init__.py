"""Supervision's domain: how an event reads on a case's timeline, and when a clock raises an alert."""
