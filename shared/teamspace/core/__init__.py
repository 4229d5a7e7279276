"""The bottom layer, which every other layer may use: the records, the event contract
(detail types, envelope, data models), the audit record and its hash, errors, ids, the
clock, settings and observability. No I/O and no rules of access (docs: CONTRIBUTING.md)."""
