"""Intake's domain: the catalogue, one-form bundles, applications, the materials vault. No I/O here."""
