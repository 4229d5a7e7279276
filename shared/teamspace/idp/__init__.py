"""Identity-provider adapters: the port (`teamspace.domain.identity_provider`) over a real
service."""
