"""The demo register of licence types and issuers."""
