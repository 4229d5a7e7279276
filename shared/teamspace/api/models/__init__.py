"""Request and response bodies, one module per resource over `fields` (the shared
field types and bases): the single source for validation and the OpenAPI document."""
