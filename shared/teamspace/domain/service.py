"""What every domain service shares: its collaborators, and how a change records its event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from teamspace.core.clock import Clock, SystemClock, iso
from teamspace.core.event_data import build_event
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator, UlidGenerator
from teamspace.core.retry import Retrying
from teamspace.store import outbox as outbox_store
from teamspace.store import transfers as transfer_store
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

if TYPE_CHECKING:
    from teamspace.core.records import OwnershipTransfer
    from teamspace.domain.access import Access


class DomainService:
    """Holds the store, the clock and the id generator, all injectable."""

    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.ids = ids or UlidGenerator()
        # For the services that run many changes in one invocation (the expiry job): each
        # change retried on its own, pausing on this clock (core/retry.py).
        self.retrying = Retrying(self.clock.sleep)

    def event(
        self,
        detail_type: DetailType,
        workspace_id: str,
        caller: Caller | Actor,
        data: dict[str, Any],
        at: datetime,
    ) -> WriteOp:
        """The outbox record of a change, to commit in the change's own transaction."""
        actor = caller if isinstance(caller, Actor) else Actor(type="user", id=caller.user_id)
        event = build_event(
            event_id=self.ids.new("evt"),
            occurred_at=iso(at),
            detail_type=detail_type,
            workspace_id=workspace_id,
            actor=actor,
            data=data,
        )
        return outbox_store.put_outbox(event, at)

    def nomination_ends(
        self, access: Access, user_id: str, caller: Caller | Actor, at: datetime
    ) -> list[WriteOp]:
        """A member who stops being an active member stops being the nominee of a
        pending ownership transfer: the transfer ends with the change that caused it, so
        the owner is free to name someone else at once. So does a co-owner who made the
        offer and is suspended, removed, leaves or is demoted: it could never complete.
        (`access` must have been read `with_transfer`.)"""
        transfer = access.transfer
        if transfer is None or transfer.expires_at <= at:
            return []
        if user_id not in (transfer.to_user_id, transfer.from_user_id):
            return []
        return self.transfer_ends(transfer, DetailType.OWNERSHIP_TRANSFER_CANCELLED, caller, at)

    def transfer_ends(
        self,
        transfer: OwnershipTransfer,
        detail_type: DetailType,
        caller: Caller | Actor,
        at: datetime,
    ) -> list[WriteOp]:
        """The pending transfer read, removed, with the event saying how it ended."""
        return [
            transfer_store.end_transfer(transfer),
            self.event(
                detail_type,
                transfer.workspace_id,
                caller,
                {"fromUserId": transfer.from_user_id, "toUserId": transfer.to_user_id},
                at,
            ),
        ]
