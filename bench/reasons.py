"""Why a request takes more than the target's 2 DynamoDB round trips (one read, one
conditional write or transaction). The round-trip table prints the reason next to the
row; a row above the target without one fails the benchmark's smoke test, so a route
cannot drift above the target unnoticed.

Keys are scenario labels (bench/scenarios.py: the route key, and the variant in
parentheses). Routes brought down to the target by issue 8 are listed in
docs/performance.md, not here.
"""

from __future__ import annotations

TARGET = 2

AGENCY_STANDING = (
    "agency staff act in a client only while their agency membership lasts: which agency "
    "is known only from the `via` of the client membership the first read brings, so the "
    "agency membership is a second BatchGetItem (`access.admit`). It is what makes a removal "
    "from the agency take effect on the very next request."
)

MANAGED = (
    "whether the account is still this workspace's to change: a managed member who has "
    "since joined another workspace is their own (a Query on GSI1 for their memberships, "
    "at most 2), and the identity provider is not touched then."
)

INVITATION_MAIL = (
    "idempotency on the event id with the workspace its mail is branded by (BatchGetItem "
    "MAILED# + META), the invitation as it is now (GetItem), a fresh link (transaction: "
    "invitation + token), then, after SES took the mail, the mark that it went out (its own "
    "write, so that a failed send is retried, never marked). The invitation could join the "
    "first read; left as is (an asynchronous consumer)."
)

REASONS: dict[str, str] = {
    "DELETE /v1/workspaces/{workspaceId} (with 3 API keys)": (
        "the keys are listed (one Query, at most 20) to be retired in the deleting "
        "transaction, whose condition holds the key count to what was read; a workspace "
        "without keys skips the Query (2 round trips, the main row)."
    ),
    "DELETE /v1/workspaces/{workspaceId}/members/{userId} (revokeApiKeys=true, one key)": (
        "the member's keys are listed (one Query, at most 20) to be revoked in the same "
        "transaction as the removal; skipped when the workspace has no keys."
    ),
    "POST /v1/workspaces/{workspaceId}/clients (by an admin)": (
        "the client is owned by the agency's owner, whose membership (email, name) makes the "
        "client's first member; who the owner is is known only from the agency item the first "
        "read brings, so their member item is a second BatchGetItem. The owner creating a "
        "client needs none."
    ),
    "GET /v1/workspaces/{workspaceId}/clients": (
        "what each client of the page used this month is on an item of its own "
        "(`USAGE#<clientId>`), kept off the workspace items every request reads; the page's "
        "clients are known only from the Query, so their totals are one BatchGetItem after "
        'it, whatever the page\'s size (docs/decisions.md, "Usage across clients").'
    ),
    "GET /v1/workspaces/{workspaceId}/members (agency staff in a client)": AGENCY_STANDING,
    "POST /v1/workspaces/{workspaceId}/invitations/bulk": (
        "one read, then one transaction per invitation (here 2), so that an address refused "
        "(already a member, pending, outside the allowed domains, over a limit) does not fail "
        "the others: each answer in the reply is its own all-or-nothing write."
    ),
    "POST /v1/invitations/accept (a link of the earlier format)": (
        "a link of the format mailed before tokens named their invitation carries only its "
        "secret: the link's item (GetItem by its hash) names the workspace and the invitation, "
        "and only then can they be read with the caller (BatchGetItem) before the transaction. "
        "Links of the current format are read in one BatchGetItem (the main row); these remain "
        "until the last of them expires (InvitationTtlDays after the change)."
    ),
    "POST /v1/workspaces/{workspaceId}/ownership-transfer/accept": (
        "the owner handing over is known only from the transfer the first read brings (the "
        "caller is the nominee); the owner's member item is read second, to make them an "
        "admin in the same transaction that makes the nominee owner."
    ),
    "POST /v1/workspaces/{workspaceId}/members (Idempotency-Key)": (
        "the first call's result is read first (GetItem on the key's record): a retry must be "
        "answered before the checks its own success would now fail (the address has an "
        "account at the identity provider). Without the header, 2 (the main row)."
    ),
    "PUT /v1/workspaces/{workspaceId}/members/{userId}/password": MANAGED,
    "POST /v1/workspaces/{workspaceId}/members/{userId}/sign-out "
    "(an account the workspace made)": MANAGED
    + " Signing out a member whose account is their own needs no such Query (the main row).",
    "MailerFunction (InvitationCreated)": INVITATION_MAIL,
    "MailerFunction (InvitationCreated, through the workspace's SMTP server)": INVITATION_MAIL
    + " The workspace's SMTP configuration joins the first read: no round trip more.",
    "ClientAccessFunction (MemberRemoved, one assignment)": (
        "the user's standing in the agency (were they invited back?), their assignments "
        "(Query on GSI1), then one transaction per assignment withdrawn."
    ),
    "InvitationExpiryFunction (one invitation due)": (
        "one Query per shard of the expiry index (GSI3 is spread over 4 partitions), then one "
        "transaction per due invitation, so that an accept racing an expiry wins or loses "
        "cleanly. Its reads follow the number due (table 2)."
    ),
    "PostAuthenticationFunction (a user in 3 workspaces)": (
        "the user's memberships (Query on GSI1) and their workspaces (BatchGetItem, to skip "
        "deleted ones), then one transaction of the MemberSignedIn events (25 per write), "
        "the first with the sign-in's history item."
    ),
}

# Routes whose count grows with the data by design: a walk of the whole audit chain.
GROWS_WITH_DATA = {
    "GET /v1/workspaces/{workspaceId}/audit-log/verify": (
        "1 read + ceil(records / 500) Queries, up to 50,000 records a request: verifying "
        "walks the chain"
    ),
    "GET /v1/workspaces/{workspaceId}/audit-log/export": (
        "1 read + ceil(records / 500) Queries, up to a page of 2 MB: an export page walks "
        "the log from its cursor"
    ),
}
