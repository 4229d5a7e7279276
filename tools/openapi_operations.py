"""What the OpenAPI document says about each operation: its id, its tag, a summary and a
description (tools/openapi.py applies them when it merges the functions' documents).

Which operations take an API key as well as a user's token is `takes_keys` (API.md,
"API keys on Teamspace's own routes"): tools/openapi.py gives those the key schemes as
alternatives and the others a 403 that names `API_KEY_NOT_ALLOWED`.

The ids are what a generated client names its functions (`create_invitation`,
`CreateInvitation`...), so they are camelCase verbs, unique, and never change once
published: a rename breaks every client. A route without an entry here, or an entry
without a route, fails `make openapi` (and tests/unit/test_openapi_document.py).
"""

from __future__ import annotations

from typing import NamedTuple

from teamspace.api import identity


class Operation(NamedTuple):
    operation_id: str
    tag: str
    summary: str
    description: str


# One tag per resource, in the order a reader meets them.
TAGS: dict[str, str] = {
    "Workspaces": "A workspace holds a team: its members, roles, invitations, keys and log. "
    "The caller who creates one is its owner.",
    "Clients": "An agency workspace's client workspaces, their minute budgets, and which of "
    "the agency's members work in each.",
    "Members": "The people of a workspace: list, read, edit, suspend, reactivate, remove, "
    "and, for accounts the workspace manages, create, set a password and sign out; each "
    "member's own availability for escalations.",
    "Roles": "Built-in roles (owner, admin, manager, developer, billing, support_agent, member, "
    "viewer) and the "
    "workspace's custom roles; a member's role changes under the rank rules.",
    "Permissions": "What the caller may do in a workspace, and a yes/no answer for one "
    "permission on one resource (for other services).",
    "Invitations": "Invite people by email (one or up to 50), resend, revoke; the invited "
    "person previews, accepts or declines by the link's token.",
    "Ownership transfer": "The owner nominates a member as the next owner; the nominee "
    "accepts (atomically becoming owner) or declines.",
    "API keys": "Keys for machines, acting in one workspace with a role's permissions on its "
    "routes (`Authorization: Bearer tsk_...` or `X-Api-Key`), each key within its own rate "
    "(429 `RATE_LIMITED`); the key is shown once, on creation.",
    "Audit log": "The tamper-evident log of the workspace's changes: list, verify the hash "
    "chain, export.",
    "Integrations": "The workspace's own SMTP server for its mail, and a test message through it.",
}

WS = "/v1/workspaces/{workspaceId}"
MEMBER = f"{WS}/members/{{userId}}"


def takes_keys(method: str, path: str) -> bool:
    """Whether the operation accepts an API key of its workspace (teamspace.api.identity
    decides, by the route): every route under /v1/workspaces/{workspaceId} but a
    transfer's answers (the public ones take none)."""
    return identity.takes_keys(f"{method.upper()} {path}")


def _op(operation_id: str, tag: str, summary: str, description: str) -> Operation:
    return Operation(operation_id, tag, summary, description)


OPERATIONS: dict[tuple[str, str], Operation] = {
    # Workspaces
    ("post", "/v1/workspaces"): _op(
        "createWorkspace",
        "Workspaces",
        "Create a workspace",
        "Creates a simple or agency workspace; the caller becomes its owner. Honours "
        "`Idempotency-Key`. A person's act: an API key is refused (`API_KEY_NOT_ALLOWED`).",
    ),
    ("get", "/v1/workspaces"): _op(
        "listWorkspaces",
        "Workspaces",
        "List the caller's workspaces",
        "The workspaces the caller is an active member of, each with the caller's `role`. "
        "Paginated (`limit`, `cursor`). An API key is refused (`API_KEY_NOT_ALLOWED`).",
    ),
    ("get", WS): _op(
        "getWorkspace",
        "Workspaces",
        "Get a workspace",
        "The workspace, for any active member (also while it is suspended).",
    ),
    ("patch", WS): _op(
        "updateWorkspace",
        "Workspaces",
        "Update a workspace",
        "Changes the name, description, logo or settings (`workspace:update`). "
        "`settings.branding` is the owner's alone (403 `OWNER_ONLY_SETTING`).",
    ),
    ("delete", WS): _op(
        "deleteWorkspace",
        "Workspaces",
        "Delete a workspace",
        "The owner deletes the workspace: its members lose access and its keys stop working "
        "at once. Never with an API key (403 `PERMISSION_DENIED`).",
    ),
    # Clients
    ("post", f"{WS}/clients"): _op(
        "createClient",
        "Clients",
        "Create a client workspace",
        "An agency workspace creates a client workspace under it. Honours `Idempotency-Key`.",
    ),
    ("get", f"{WS}/clients"): _op(
        "listClients",
        "Clients",
        "List an agency's clients",
        "The agency's client workspaces, each with the caller's role there, minute budgets "
        "and minutes used. Paginated.",
    ),
    ("patch", f"{WS}/clients/{{clientId}}"): _op(
        "setClientBudget",
        "Clients",
        "Set a client's minute budget",
        "Sets how many of the agency's minutes the client may use.",
    ),
    ("put", f"{WS}/clients/{{clientId}}/assignments/{{userId}}"): _op(
        "assignToClient",
        "Clients",
        "Assign an agency member to a client",
        "Makes an agency member a member of the client workspace, with the given role "
        "(admin when left out).",
    ),
    ("delete", f"{WS}/clients/{{clientId}}/assignments/{{userId}}"): _op(
        "unassignFromClient",
        "Clients",
        "Remove an agency member from a client",
        "Ends the agency member's membership of the client workspace.",
    ),
    # Members
    ("get", f"{WS}/members"): _op(
        "listMembers",
        "Members",
        "List members",
        "Active and suspended members by default; `status=DELETED` lists the removed ones "
        "(tombstones). Filter by name prefix (`q`) and `role`. Paginated.",
    ),
    ("post", f"{WS}/members"): _op(
        "createMember",
        "Members",
        "Create a managed member",
        "Creates the person's account at the identity provider and the membership at once "
        "(`members:manage_accounts`). 409 `ACCOUNT_EXISTS` when the account exists: invite "
        "them instead. Honours `Idempotency-Key`.",
    ),
    ("get", MEMBER): _op(
        "getMember",
        "Members",
        "Get a member",
        "One member, with the permissions in effect; `me` for the caller.",
    ),
    ("patch", MEMBER): _op(
        "updateMember",
        "Members",
        "Update a member",
        "Changes name, job title, picture (`avatarUrl`, https), permission toggles or agents, "
        "under the rank rules: one's own profile always, another's with `members:update`.",
    ),
    ("delete", MEMBER): _op(
        "removeMember",
        "Members",
        "Remove a member, or leave",
        "Removes the member (a tombstone stays for a retention period); `me` leaves. "
        "`revokeApiKeys=true` also revokes every key they created, in the same transaction.",
    ),
    ("post", f"{MEMBER}/suspend"): _op(
        "suspendMember",
        "Members",
        "Suspend a member",
        "The member keeps their place but may do nothing until reactivated; their sessions end.",
    ),
    ("post", f"{MEMBER}/reactivate"): _op(
        "reactivateMember",
        "Members",
        "Reactivate a member",
        "A suspended member becomes active again.",
    ),
    ("put", f"{MEMBER}/password"): _op(
        "setMemberPassword",
        "Members",
        "Set a managed member's password",
        "Only for a member whose account this workspace manages and who belongs to no other "
        "workspace (otherwise 409 `MEMBER_NOT_MANAGED`); their sessions end.",
    ),
    ("post", f"{MEMBER}/sign-out"): _op(
        "signMemberOut",
        "Members",
        "Sign a member out",
        "Tokens issued to the member before now are refused in this workspace "
        "(401 `SESSION_REVOKED`).",
    ),
    ("get", f"{MEMBER}/sign-ins"): _op(
        "listSignIns",
        "Members",
        "List a member's sign-ins",
        "Newest first (`members:view`; `me` for oneself). Paginated.",
    ),
    ("put", f"{WS}/members/me/availability"): _op(
        "setMyAvailability",
        "Members",
        "Set the caller's availability",
        "Whether the caller takes escalations now: `available`, `busy` or `offline` (the "
        "default). Any active member sets their own; nobody sets another's, and an API key, "
        "which is not a member, gets 403 `API_KEY_NOT_ALLOWED`. Announced as "
        "MemberAvailabilityChanged when it changes.",
    ),
    # Roles
    ("get", f"{WS}/roles"): _op(
        "listRoles",
        "Roles",
        "List roles",
        "The built-in roles and the workspace's custom roles, with their permissions.",
    ),
    ("post", f"{WS}/roles"): _op(
        "createRole",
        "Roles",
        "Create a custom role",
        "A custom role ranked below admin, with permissions the caller holds.",
    ),
    ("patch", f"{WS}/roles/{{roleKey}}"): _op(
        "updateRole",
        "Roles",
        "Update a custom role",
        "Changes a custom role's name, rank or permissions; built-in roles cannot change.",
    ),
    ("delete", f"{WS}/roles/{{roleKey}}"): _op(
        "deleteRole",
        "Roles",
        "Delete a custom role",
        "Deletes a custom role no member holds.",
    ),
    ("put", f"{MEMBER}/role"): _op(
        "changeMemberRole",
        "Roles",
        "Change a member's role",
        "Gives the member another role, under the rank rules: nobody grants a role above "
        "their own, and the last owner keeps theirs.",
    ),
    # Permissions
    ("get", f"{WS}/me/permissions"): _op(
        "getMyPermissions",
        "Permissions",
        "Get the caller's permissions",
        "The caller's role, permissions and agents in this workspace.",
    ),
    ("post", f"{WS}/authorize"): _op(
        "authorize",
        "Permissions",
        "Check one permission",
        "Whether the caller holds `permission` (on `resourceId`, for agent-scoped ones), "
        "with the reason.",
    ),
    # Invitations
    ("post", f"{WS}/invitations"): _op(
        "createInvitation",
        "Invitations",
        "Invite a person",
        "Invites an email address with a role. With `sendEmail: false` the reply carries "
        "the link (`acceptUrl`) this once. Honours `Idempotency-Key`.",
    ),
    ("post", f"{WS}/invitations/bulk"): _op(
        "createInvitations",
        "Invitations",
        "Invite up to 50 people",
        "Each invitation is created or refused on its own; the reply says which, with the "
        "problem `code` of each refusal.",
    ),
    ("get", f"{WS}/invitations"): _op(
        "listInvitations",
        "Invitations",
        "List invitations",
        "The workspace's invitations, by `status` if given. Never the link's token. Paginated.",
    ),
    ("post", f"{WS}/invitations/{{invitationId}}/resend"): _op(
        "resendInvitation",
        "Invitations",
        "Resend an invitation",
        "A fresh link and expiry; the old link stops working.",
    ),
    ("delete", f"{WS}/invitations/{{invitationId}}"): _op(
        "revokeInvitation",
        "Invitations",
        "Revoke an invitation",
        "The link stops working (410 `INVITATION_REVOKED`).",
    ),
    ("get", "/v1/me/invitations"): _op(
        "listMyInvitations",
        "Invitations",
        "List the caller's pending invitations",
        "Pending invitations for the caller's verified email. An API key is refused "
        "(`API_KEY_NOT_ALLOWED`).",
    ),
    ("get", "/v1/invitations/preview"): _op(
        "previewInvitation",
        "Invitations",
        "Preview an invitation",
        "What the link is for, without a bearer token (the link's token is the "
        "capability) and without using it up. Not cached (`Cache-Control: no-store`).",
    ),
    ("post", "/v1/invitations/accept"): _op(
        "acceptInvitation",
        "Invitations",
        "Accept an invitation",
        "The signed-in invitee joins the workspace with the invitation's role. An API key "
        "is refused (`API_KEY_NOT_ALLOWED`).",
    ),
    ("post", "/v1/invitations/decline"): _op(
        "declineInvitation",
        "Invitations",
        "Decline an invitation",
        "The signed-in invitee declines; the link stops working. An API key is refused "
        "(`API_KEY_NOT_ALLOWED`).",
    ),
    # Ownership transfer
    ("post", f"{WS}/ownership-transfer"): _op(
        "requestOwnershipTransfer",
        "Ownership transfer",
        "Nominate the next owner",
        "The owner nominates an active member; `confirmName` must equal the workspace's "
        "name. Never with an API key (403 `PERMISSION_DENIED`).",
    ),
    ("get", f"{WS}/ownership-transfer"): _op(
        "getOwnershipTransfer",
        "Ownership transfer",
        "Get the pending transfer",
        "The pending transfer, or 404 when there is none.",
    ),
    ("delete", f"{WS}/ownership-transfer"): _op(
        "cancelOwnershipTransfer",
        "Ownership transfer",
        "Cancel the pending transfer",
        "The owner withdraws the nomination. Never with an API key (403 `PERMISSION_DENIED`).",
    ),
    ("post", f"{WS}/ownership-transfer/accept"): _op(
        "acceptOwnershipTransfer",
        "Ownership transfer",
        "Accept ownership",
        "The nominee becomes the owner and the previous owner an admin, atomically. Only "
        "the nominee, signed in: an API key is refused.",
    ),
    ("post", f"{WS}/ownership-transfer/decline"): _op(
        "declineOwnershipTransfer",
        "Ownership transfer",
        "Decline ownership",
        "The nominee declines; nothing else changes. Only the nominee, signed in: an API key "
        "is refused.",
    ),
    # API keys
    ("post", f"{WS}/api-keys"): _op(
        "createApiKey",
        "API keys",
        "Create an API key",
        "The key is in this reply only (`Cache-Control: no-store`). Its role never exceeds "
        "the creator's permissions and is never owner; a key creating a key gives it no "
        "role above its own. A replay of the same `Idempotency-Key` answers `key: null`.",
    ),
    ("get", f"{WS}/api-keys"): _op(
        "listApiKeys",
        "API keys",
        "List API keys",
        "The workspace's keys: prefix, name, role, use; never the key or its hash. Paginated.",
    ),
    ("delete", f"{WS}/api-keys/{{keyId}}"): _op(
        "revokeApiKey",
        "API keys",
        "Revoke an API key",
        "The key is refused from the next request on.",
    ),
    # Audit log
    ("get", f"{WS}/audit-log"): _op(
        "listAuditRecords",
        "Audit log",
        "List audit records",
        "Newest first, filtered by actor, action and time (`from`, `to`). Paginated.",
    ),
    ("get", f"{WS}/audit-log/verify"): _op(
        "verifyAuditLog",
        "Audit log",
        "Verify the audit chain",
        "Recomputes every record's hash and link; `firstInvalidSeq` names the first record "
        "that does not match. A chain longer than 50,000 records is verified in parts: "
        "a part that stops short of the head answers `valid` so far and `nextCursor`; "
        "pass it back as `cursor` to go on (`records` counts every record checked).",
    ),
    ("get", f"{WS}/audit-log/export"): _op(
        "exportAuditLog",
        "Audit log",
        "Export the audit log",
        "The log, oldest first, as JSON Lines or CSV (`format`), in pages of at most 2 MB "
        "of whole records. A page that is not the last names the next one in `Next-Cursor` "
        '(pass it as `cursor`) and in `Link: <...>; rel="next"`; the pages joined are the '
        "whole file (CSV's header row is on the first page only), and every record "
        "carries its hashed fields, so the chain can be recomputed across pages.",
    ),
    # Integrations
    ("get", f"{WS}/integrations/smtp"): _op(
        "getSmtpIntegration",
        "Integrations",
        "Get the SMTP configuration",
        "The workspace's SMTP server, never its password; when it was last tested and the "
        "last error. 404 `SMTP_NOT_CONFIGURED` when there is none.",
    ),
    ("put", f"{WS}/integrations/smtp"): _op(
        "configureSmtpIntegration",
        "Integrations",
        "Configure the SMTP server",
        "The workspace's mail goes through this server from now on "
        "(`integrations:manage`). Hosts on private addresses are refused "
        "(`SMTP_HOST_NOT_ALLOWED`) unless the stage allows them.",
    ),
    ("delete", f"{WS}/integrations/smtp"): _op(
        "removeSmtpIntegration",
        "Integrations",
        "Remove the SMTP configuration",
        "The workspace's mail goes through the platform's mail service again.",
    ),
    ("post", f"{WS}/integrations/smtp/test"): _op(
        "testSmtpIntegration",
        "Integrations",
        "Send a test message",
        "Sends a test message through the workspace's server; 502 `SMTP_DELIVERY_FAILED` "
        "with the server's reply otherwise.",
    ),
}
