"""The domain services: the use cases, each asking the permission layer and calling the
store (the records and events they use are in `teamspace.core`)."""
