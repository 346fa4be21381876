"""The composition root: the one place that knows every service, so that no service knows another."""
