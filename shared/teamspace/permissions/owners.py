"""A workspace's owners, as the rank rules need them (seed 002: "there can be multiple
owners"; seed 003: one).

`settings.maxOwners` (default 1) says how many owners a workspace may have; the
workspace item counts them (`ownerCount`) and names its primary owner (`ownerId`: the
billing owner, who created it or took it over by transfer). The rules in `rank_rules`
read this record, made from the workspace item every request already reads.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_OWNERS_SETTING = "maxOwners"
# The most owners a workspace may allow (settings.maxOwners is validated against it).
MAX_OWNERS_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Owners:
    """Who the primary owner is, how many owners the workspace has, how many it allows."""

    primary_id: str
    count: int = 1
    limit: int = 1

    def is_primary(self, user_id: str) -> bool:
        return user_id == self.primary_id

    @property
    def allows_co_owners(self) -> bool:
        return self.limit > 1

    @property
    def has_room(self) -> bool:
        return self.count < self.limit
