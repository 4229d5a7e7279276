"""The tamper-evident audit log: records chained by hash, one chain per workspace."""
