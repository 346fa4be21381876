"""adapters of evaluation."""
