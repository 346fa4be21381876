"""OneWindow chassis: the promises every service relies on, kept once."""
