"""Domain records, events and the services that hold the rules of each use case."""
