"""Teamspace: the shared layer of the suite (permissions, store, domain services, HTTP glue)."""
