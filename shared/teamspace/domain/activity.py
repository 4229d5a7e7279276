"""Login activity (seed: "activity tracking, login history"): a sign-in is announced in
every workspace the user is an active member of, so each workspace's audit log holds
its members' sign-ins."""

from __future__ import annotations

from datetime import datetime

from teamspace.core.events import Actor, DetailType
from teamspace.domain.service import DomainService
from teamspace.store import members as member_store

# Outbox records per transaction: well under DynamoDB's 100 items and 4 MB.
CHUNK = 25
PAGE = 100


class ActivityService(DomainService):
    def signed_in(self, user_id: str, source: str, at: datetime | None = None) -> int:
        """Announce a sign-in in each of the user's workspaces; how many it reached.

        The user's memberships are read a page at a time (GSI1) and their events
        written in chunks: a user in 500 workspaces costs 5 queries and 20 writes.
        """
        at = at or self.clock.now()
        actor = Actor(type="user", id=user_id)
        announced, cursor = 0, None
        while True:
            page = member_store.list_memberships(self.store, user_id, limit=PAGE, cursor=cursor)
            ops = [
                self.event(
                    DetailType.MEMBER_SIGNED_IN,
                    membership.workspace.workspace_id,
                    actor,
                    {"userId": user_id, "source": source},
                    at,
                )
                for membership in page.items
            ]
            for start in range(0, len(ops), CHUNK):
                self.store.commit(ops[start : start + CHUNK])
            announced += len(ops)
            if page.next_cursor is None:
                return announced
            cursor = page.next_cursor
