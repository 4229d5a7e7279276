"""The business limits the domain holds a workspace to. The store enforces them in its
writes' conditions, with the value the domain passes in (CONTRIBUTING.md)."""

from __future__ import annotations

# Per workspace: keeps the key list one page and a deletion's transaction small.
MAX_API_KEYS = 20
# A workspace item holds its custom roles; this keeps it far below DynamoDB's 400 KB.
MAX_CUSTOM_ROLES = 50
