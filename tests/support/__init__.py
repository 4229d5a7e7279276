"""What every kind of test shares, and the benchmarks too (bench/ imports this package,
never a conftest):

- `events`: sample events from events/ with the parts a test changes, callers' claims;
- `handlers`: the template's functions loaded as Lambda loads them, their replies;
- `clock`: a frozen clock and sequential ids (the layer's `wiring.configure` takes them);
- `aws`: the template, and the moto account a test runs in (one boto3 session per
  process, the table copied rather than created, snapshots of seeded worlds);
- `worlds`: worlds built once per module and restored for each test;
- `store`: members (and links of the earlier format) seeded through the store, the
  outbox and items read back;
- `teams`: a vocabulary for building teams (a workspace, its members, invitations);
- `http`: the API over real HTTP, for the end-to-end tests.
"""

from tests.support.aws import TABLE, TEMPLATE, Snapshot, account
from tests.support.clock import FrozenClock, SequentialIds
from tests.support.events import (
    EVENTS,
    OWNER,
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    as_bus_event,
    as_caller,
    billing_request,
    key_check_event,
    sample_event,
    user,
)
from tests.support.handlers import (
    REACTIVATE,
    SUSPEND,
    Functions,
    Reply,
    billing,
    call,
    key_context,
    reply_of,
)
from tests.support.store import earlier_format_link, item, outbox_events, seed_member
from tests.support.teams import (
    EVERY_ROLE,
    Team,
    answer_link,
    create_workspace,
    invite,
    preview_link,
    token_of,
)
from tests.support.worlds import Worlds

__all__ = [
    "EVENTS",
    "EVERY_ROLE",
    "OWNER",
    "OWNER_SUB",
    "REACTIVATE",
    "SAMPLE_TARGET",
    "SAMPLE_WORKSPACE",
    "SUSPEND",
    "TABLE",
    "TEMPLATE",
    "FrozenClock",
    "Functions",
    "Reply",
    "SequentialIds",
    "Snapshot",
    "Team",
    "Worlds",
    "account",
    "answer_link",
    "as_bus_event",
    "as_caller",
    "billing",
    "billing_request",
    "call",
    "create_workspace",
    "earlier_format_link",
    "invite",
    "item",
    "key_check_event",
    "key_context",
    "outbox_events",
    "preview_link",
    "reply_of",
    "sample_event",
    "seed_member",
    "token_of",
    "user",
]
