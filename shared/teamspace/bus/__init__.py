"""The outbox's way out: table stream records to EventBridge events."""
