"""entrypoints of evaluation."""
