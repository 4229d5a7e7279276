"""Unit tests of the permission layer (shared/teamspace/permissions)."""
