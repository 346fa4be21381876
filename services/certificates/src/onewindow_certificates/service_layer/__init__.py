"""Unit of work and handlers of certificates."""
