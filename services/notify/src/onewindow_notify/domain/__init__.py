"""domain of notify."""
