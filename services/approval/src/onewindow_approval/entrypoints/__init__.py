"""Approval's entry points: the department desk's HTTP API and the events it listens to."""
