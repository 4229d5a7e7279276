"""Domain errors. Services raise these; `teamspace.api.problems` maps each kind to a status.

Every error carries a stable upper-snake `code` that clients can branch on, and a
`detail` sentence a person can read. Neither ever holds a token, a key or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One offending input field, named the way the client sent it."""

    field: str
    message: str


class TeamspaceError(Exception):
    """Base of every error a caller is meant to see."""

    title = "Request failed"

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        fields: list[FieldError] | None = None,
        retry_after: int | None = None,
        extensions: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.fields = fields or []
        self.retry_after = retry_after
        # Problem extension members (RFC 9457, section 3.2): e.g. the plan `feature` a
        # PLAN_UPGRADE_REQUIRED is about.
        self.extensions = extensions or {}
        self.subject = ""

    def with_subject(self, subject: str) -> TeamspaceError:
        """The thing this error is about, when one request holds many (bulk items)."""
        self.subject = subject
        return self


class Unauthenticated(TeamspaceError):
    title = "Not authenticated"


class NotFound(TeamspaceError):
    title = "Not found"


class Forbidden(TeamspaceError):
    title = "Forbidden"


class Conflict(TeamspaceError):
    title = "Conflict"


class Gone(TeamspaceError):
    title = "Gone"


class InvalidInput(TeamspaceError):
    title = "Invalid input"


class MalformedRequest(TeamspaceError):
    title = "Malformed request"


class PayloadTooLarge(TeamspaceError):
    title = "Payload too large"


class UnsupportedMediaType(TeamspaceError):
    title = "Unsupported media type"


class LimitExceeded(TeamspaceError):
    title = "Limit exceeded"


class NotSupported(TeamspaceError):
    """What this deployment cannot do (an identity provider other than the stack's own)."""

    title = "Not implemented"


class BadGateway(TeamspaceError):
    """A server the request had to reach on the caller's behalf (a workspace's own SMTP
    server) refused or could not be reached; `detail` holds what it answered."""

    title = "Bad gateway"


class Unavailable(TeamspaceError):
    """A dependency is throttling or briefly unavailable; the client may retry."""

    title = "Service unavailable"


class Contention(Conflict):
    """DynamoDB cancelled the change because another one held an item it touches
    (`TransactionConflict`): nothing was applied, and the whole read-decide-write cycle
    may run again (core/retry.py). Its code is what the caller sees once the retries
    are spent."""

    def __init__(self) -> None:
        super().__init__("CONCURRENT_UPDATE", "Other changes kept getting there first; retry")


class Busy(Unavailable):
    """DynamoDB throttled the request, or failed inside a read: nothing was applied and
    it may run again (core/retry.py); once the retries are spent, a 503 with
    Retry-After."""

    def __init__(self) -> None:
        super().__init__("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)


def store_unsure() -> Unavailable:
    """A write DynamoDB failed inside (InternalServerError) and that may have been
    applied: resent as it was while that is idempotent, never decided again."""
    return Unavailable("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)


def workspace_not_found() -> NotFound:
    """The one answer for a workspace that is missing, deleted, or not the caller's."""
    return NotFound("WORKSPACE_NOT_FOUND", "No such workspace, or you are not a member of it")


def member_not_found() -> NotFound:
    return NotFound("MEMBER_NOT_FOUND", "No such member in this workspace")


def smtp_not_configured() -> NotFound:
    return NotFound(
        "SMTP_NOT_CONFIGURED",
        "This workspace has no SMTP server configured: its mail goes out through Teamspace's",
    )


def version_conflict(what: str) -> Conflict:
    return Conflict("VERSION_CONFLICT", f"The {what} changed while this request ran; retry")


class IdempotentReplay(TeamspaceError):
    """Internal: the Idempotency-Key was used before; the service replays its result."""

    title = "Replayed"


# ---- the domain's conflicts that a write's condition can show ----------------------------


def already_member(email: str) -> Conflict:
    return Conflict("ALREADY_A_MEMBER", f"{email} is already a member of this workspace")


def owner_limit_reached() -> Conflict:
    return Conflict(
        "OWNER_LIMIT_REACHED",
        "This workspace has as many owners as its settings.maxOwners allows",
    )


def transfer_pending() -> Conflict:
    return Conflict("TRANSFER_PENDING", "An ownership transfer is already pending; cancel it first")


def api_key_not_found() -> NotFound:
    return NotFound("API_KEY_NOT_FOUND", "No such API key in this workspace")


def api_key_limit(limit: int) -> LimitExceeded:
    return LimitExceeded(
        "API_KEY_LIMIT",
        f"A workspace holds at most {limit} API keys; revoke one first",
    )


def role_exists(key: str) -> Conflict:
    return Conflict("ROLE_EXISTS", f"A role called {key!r} already exists in this workspace")


def role_changed(key: str) -> Conflict:
    return Conflict("ROLE_CHANGED", f"The role {key!r} changed or was deleted meanwhile; retry")


def role_in_use(key: str) -> Conflict:
    return Conflict(
        "ROLE_IN_USE",
        f"Members or pending invitations still hold {key!r}; give them another role first",
    )


def unknown_role(key: str) -> InvalidInput:
    return InvalidInput("UNKNOWN_ROLE", f"No role is called {key!r}")


def invitation_pending(email: str) -> Conflict:
    return Conflict("INVITATION_PENDING", f"{email} already has a pending invitation here")


def link_used() -> Gone:
    return Gone("INVITATION_LINK_USED", "This invitation link has already been used or replaced")


def minute_pool_changed() -> Conflict:
    return Conflict(
        "MINUTE_POOL_EXCEEDED",
        "The agency's minute pool changed or ran out while this request ran; read it again",
    )


def usage_already_counted() -> Conflict:
    return Conflict("USAGE_ALREADY_COUNTED", "These minutes were counted already")


def already_mailed() -> Conflict:
    return Conflict("ALREADY_MAILED", "This event was mailed already")


def invite_rate_limited(limit: int, retry_after: int) -> LimitExceeded:
    return LimitExceeded(
        "INVITE_RATE_LIMITED",
        f"You can send {limit} invitations an hour; try again later",
        retry_after=max(retry_after, 1),
    )


def account_exists() -> Conflict:
    return Conflict(
        "ACCOUNT_EXISTS",
        "This address already has an account; invite them instead (an account is never taken over)",
    )


def member_not_managed() -> Conflict:
    return Conflict(
        "MEMBER_NOT_MANAGED",
        "This workspace does not manage that member's account, or they belong to another "
        "workspace too",
    )


def identity_provider_unsupported() -> NotSupported:
    return NotSupported(
        "IDENTITY_PROVIDER_UNSUPPORTED",
        "Accounts are managed only with the stack's own user pool, not another issuer",
    )


def session_revoked() -> Unauthenticated:
    return Unauthenticated(
        "SESSION_REVOKED", "This session was ended in this workspace; sign in again"
    )


def password_too_weak(minimum: int, detail: str | None = None) -> InvalidInput:
    return InvalidInput(
        "PASSWORD_TOO_WEAK",
        detail or f"A password needs at least {minimum} characters",
        fields=[FieldError("password", f"at least {minimum} characters")],
    )


def api_key_not_allowed() -> Forbidden:
    """A key on a route outside one workspace (creating or listing workspaces, one's own
    invitations, answering an invitation or a transfer): those are a person's."""
    return Forbidden(
        "API_KEY_NOT_ALLOWED", "API keys act inside their workspace only; sign in for this"
    )


def key_rate_limited(retry_after: int) -> LimitExceeded:
    return LimitExceeded(
        "RATE_LIMITED",
        "This API key made too many requests; wait before the next one",
        retry_after=retry_after,
    )
