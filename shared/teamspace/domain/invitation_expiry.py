"""The scheduled expiry of invitations: every pending invitation due by now, read from the
expiry index (due ones only), closed as EXPIRED by the system.

Each invitation is its own change, retried on its own under the retry policy
(core/retry.py) when DynamoDB cancels or throttles it. One whose retries are spent is
still pending and due: it is left (`deferred`), and the next run, 15 minutes later,
expires it; a page of the index that cannot be read ends the run (`finished` False),
leaving the rest to the next run as well."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from teamspace.core.clock import iso
from teamspace.core.errors import Conflict, NotFound
from teamspace.core.events import Actor, DetailType
from teamspace.core.records import Invitation, InvitationStatus
from teamspace.core.retry import RETRYABLE
from teamspace.domain.invitation_steps import InvitationSteps
from teamspace.store import invitations as invitation_store

EXPIRY_ACTOR = Actor(type="system", id="invitation-expiry")


@dataclass
class ExpiryReport:
    read: int = 0
    expired: int = 0
    lost_races: int = 0
    deferred: int = 0  # met contention past the budget: the next run expires them
    finished: bool = True  # False: a page could not be read; the next run goes on


class InvitationExpiry(InvitationSteps):
    """The scheduler's side of invitations."""

    def expire_due(self, now: datetime, *, page_size: int = 100) -> ExpiryReport:
        """Expire every pending invitation due by `now`. Reads only the due ones."""
        report = ExpiryReport()
        for shard in range(invitation_store.EXPIRY_SHARDS):
            cursor = None
            while True:
                try:
                    page = self.retrying.run(
                        lambda s=shard, c=cursor: invitation_store.due_invitations(
                            self.store, s, iso(now), limit=page_size, cursor=c
                        )
                    )
                except RETRYABLE:
                    report.finished = False
                    return report
                report.read += len(page.items)
                for invitation in page.items:
                    try:
                        self.retrying.run(lambda i=invitation: self._expire(i, now))
                        report.expired += 1
                    except RETRYABLE:
                        report.deferred += 1  # still pending and due
                    except Conflict:
                        report.lost_races += 1  # accepted or revoked since it was read
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        return report

    def _expire(self, invitation: Invitation, now: datetime) -> None:
        expire = (InvitationStatus.EXPIRED, now, EXPIRY_ACTOR, DetailType.INVITATION_EXPIRED, [])
        try:
            self.close(invitation, *expire)
        except NotFound:
            # Its workspace was deleted: there are no counters left to free, but the
            # invitation must still leave the index, or every run would trip on it.
            self.close(invitation, *expire, counters=False)
