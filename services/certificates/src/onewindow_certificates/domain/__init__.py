"""Certificates' domain: licences, their identifiers and the register of licence types and issuers. No I/O."""
