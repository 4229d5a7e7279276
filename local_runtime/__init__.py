"""The local runtime: template.yaml's HTTP API on 127.0.0.1, handlers called in-process,
AWS emulated by moto. For development and tests; never deployed."""
