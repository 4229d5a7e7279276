"""HTTP glue shared by every function: resolver, problems, identity, models, wiring."""
