"""Approval's adapters: its tables, the local copies of intake's facts, and the port to intake's forms."""
