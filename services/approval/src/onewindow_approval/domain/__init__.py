"""Approval's domain: pure rules, no I/O (deadlines in working days, 限时办结)."""
