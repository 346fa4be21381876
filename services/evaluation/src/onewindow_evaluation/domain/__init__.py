"""domain of evaluation."""
