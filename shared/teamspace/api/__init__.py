"""HTTP glue shared by every function: resolver, problems, identity, request and response
models (the composition root is `teamspace.wiring`)."""
