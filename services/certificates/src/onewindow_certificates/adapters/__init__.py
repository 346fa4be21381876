"""Certificates' adapters: its tables, the register file, the QR pictures."""
