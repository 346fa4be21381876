"""HTTP and background entry points of certificates."""
