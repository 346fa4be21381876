"""Approval's use cases: what happens when intake accepts, and what reviewers decide."""
