"""adapters of notify."""
