"""Login activity (seed: "activity tracking, login history"): a sign-in is kept in the
user's history (`GET .../members/{userId}/sign-ins`), set as `lastSignInAt` on each of
their memberships, and announced in every workspace they are an active member of, so
each workspace's audit log holds its members' sign-ins. A workspace reads a member's
history from when they joined it on."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from teamspace.core.errors import Conflict, Contention, Unavailable
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Membership, Page, SignIn
from teamspace.domain.access import enter_workspace
from teamspace.domain.membership import resolve_user_id, target_member
from teamspace.domain.service import DomainService
from teamspace.permissions import Permission
from teamspace.store import members as member_store
from teamspace.store import sign_ins as sign_in_store
from teamspace.store.ops import WriteOp

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
        # The history item rides with the first chunk's events (no write of its own).
        history = [sign_in_store.put_sign_in(SignIn(user_id, at, source), self.ids.new("si"))]
        announced, cursor = 0, None
        while True:
            page = member_store.list_memberships(self.store, user_id, limit=PAGE, cursor=cursor)
            for start in range(0, len(page.items), CHUNK):
                self._announce(page.items[start : start + CHUNK], actor, source, at, history)
                history = []
            announced += len(page.items)
            if page.next_cursor is None:
                if history:  # a user in no workspace
                    self.store.commit(history)
                return announced
            cursor = page.next_cursor

    def _announce(
        self,
        memberships: list[Membership],
        actor: Actor,
        source: str,
        at: datetime,
        history: list[WriteOp],
    ) -> None:
        """The event in each workspace, and `lastSignInAt` on each membership, together;
        a membership gone since it was listed (a removal racing the sign-in) is left out
        on a second try rather than losing the others' events."""
        events = [
            self.event(
                DetailType.MEMBER_SIGNED_IN,
                m.workspace.workspace_id,
                actor,
                {"userId": actor.id, "source": source},
                at,
            )
            for m in memberships
        ] + history
        stamps = [
            member_store.record_sign_in(m.workspace.workspace_id, actor.id, at) for m in memberships
        ]
        try:
            self.store.commit([*events, *stamps])
        except Contention:
            raise  # nothing applied: the whole run goes again (core/retry.py)
        except Conflict:
            self.store.commit(events)
            for stamp in stamps:  # best effort, once the events are in
                with suppress(Conflict, Unavailable):
                    self.store.commit([stamp])

    # ---- a member's sign-ins, as a workspace sees them ------------------------------

    def sign_ins(
        self, caller: Caller, workspace_id: str, user_id: str, *, limit: int, cursor: str | None
    ) -> Page[SignIn]:
        """A member's sign-ins since they joined the workspace, newest first: for
        `members:view`, and for oneself. A person's sign-ins from before they were a
        member are not the workspace's to see."""
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        if user_id != caller.user_id:
            access.require(Permission.MEMBERS_VIEW)
        target = target_member(access, user_id)
        return sign_in_store.list_sign_ins(
            self.store, target.user_id, target.joined_at, limit=limit, cursor=cursor
        )
