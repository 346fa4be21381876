"""entrypoints of notify."""
