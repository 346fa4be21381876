"""Intake's adapters: its tables, and the ports to other services (licences, credit)."""
