"""The table's key attributes and indexes.

Each entity's own keys (what its PK and SK and index keys are made of) are in its module:
`workspaces`, `members`, `invitations`, `transfers`, `custom_roles`, `api_keys`, `audit`,
`outbox`, `idempotency`, `rate_limits`, `mailings`, `usage`. docs/data-model.md has the whole
layout in one table. Ids never contain '#': workspace ids are generated, and user ids
(the token's `sub`) are checked at the edge (`teamspace.api.identity`).
"""

from __future__ import annotations

PK = "PK"
SK = "SK"
GSI1 = "GSI1"
GSI1PK = "GSI1PK"
GSI1SK = "GSI1SK"
GSI2 = "GSI2"
GSI2PK = "GSI2PK"
GSI2SK = "GSI2SK"
GSI3 = "GSI3"
GSI3PK = "GSI3PK"
GSI3SK = "GSI3SK"
TTL = "ttl"

Key = dict[str, str]
