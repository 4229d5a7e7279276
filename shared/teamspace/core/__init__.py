"""The bottom layer, which every other layer may use: the records, the event contract
(detail types, envelope, data models), the audit record and its hash, errors, ids, the
clock, settings (read from the environment) and observability (the logger and metrics).
No rules of access and no calls to AWS (CONTRIBUTING.md)."""
