"""Field types and the bases every body shares: what a name, a text, an address, a URL
or a role key may be, requests that refuse unknown fields (so a body cannot smuggle
`role`, `status` or `ownerId` into an update: it gets a 422 that names the field), pages,
and the Idempotency-Key's fingerprint."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from teamspace.api.identity import normalise_email
from teamspace.core.records import InvitationStatus, Page
from teamspace.domain.idempotency import IdempotencyRequest
from teamspace.permissions import BUILTIN_ROLES, MemberStatus

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_but_lines(value: str) -> str:
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("must not contain control characters other than tabs and new lines")
    return value


def _https_url(value: str) -> str:
    if not value.startswith("https://") or " " in value:
        raise ValueError("must be an https:// URL")
    return value


@cache
def _time_zones() -> frozenset[str]:
    """The IANA zone names, read from the tz database once (about 20 ms each time)."""
    return frozenset(available_timezones())


def time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError("must be an IANA time zone such as Europe/Berlin")
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_no_control_characters)
]


WorkspaceName = Annotated[Text, StringConstraints(min_length=1, max_length=100)]


Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=1000),
    AfterValidator(_no_control_but_lines),
]


LogoUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_https_url)]
# A member's picture: the same rule as a logo (https only, at most 2,048 characters).
AvatarUrl = LogoUrl


# What a mail's sender name may not hold: characters that end or fold a header line
# (controls, Unicode line and paragraph separators), invisible format characters (a
# right-to-left override can make a name read as something else), and what would make
# the name look like, or break out of, the address beside it.
_NOT_IN_SENDER_NAME = frozenset('<>"@\\')
_NOT_IN_SENDER_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _sender_name(value: str) -> str:
    for character in value:
        if (
            character in _NOT_IN_SENDER_NAME
            or unicodedata.category(character) in _NOT_IN_SENDER_NAME_CATEGORIES
        ):
            raise ValueError(
                'must not contain control or format characters, line breaks, <, >, ", @ or \\'
            )
    return value


SenderName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_sender_name),
]


AccentColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


PersonName = Annotated[Text, StringConstraints(min_length=1, max_length=100)]


JobTitle = Annotated[Text, StringConstraints(max_length=100)]


AgentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
AgentIds = Annotated[list[AgentId], Field(max_length=500)]


def agent_id_tuple(agent_ids: list[str] | None) -> tuple[str, ...] | None:
    """The agents as the domain takes them: in the order sent, each once; None (all of
    them) stays None."""
    return tuple(dict.fromkeys(agent_ids)) if agent_ids is not None else None


def granted_toggles(grant: BaseModel | None) -> dict[str, bool]:
    """The toggles a request grants: those it sent."""
    return grant.model_dump(exclude_none=True) if grant is not None else {}


IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,255}$")]


def _email(value: str) -> str:
    """The address as it is kept: trimmed and lower-cased, as before (the identity's
    email claim is compared the same way), and otherwise exactly the text sent: the
    validator's own normal form (Unicode NFC, IDNA) is not taken, so nothing stored
    changes shape. Validity is `email-validator`'s reading of the RFCs, not a pattern
    of ours."""
    normalised = normalise_email(value)
    # Imported on first use: its module compiles its rules at import (about 40 ms), a
    # cold-start cost for the routes that take an address only, never the others (and
    # never the API key authorizer, which loads no request model).
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - lazy

    try:
        validate_email(
            normalised,
            # Syntax only: no DNS look-up inside a request.
            check_deliverability=False,
            # A dotted domain outside the special-use names that can never receive mail
            # (localhost, .local, .invalid, .onion, .arpa and, with test_environment off,
            # .test). example.com and *.example stay valid: RFC 6761 asks software not
            # to treat them specially, and the library does not; the docs and tests use
            # them (only a deliverability check would refuse them, and it is off).
            globally_deliverable=True,
            test_environment=False,
            # As before: the local part at most 64 characters, non-ASCII letters allowed.
            strict=True,
            allow_smtputf8=True,
            # Never a display name, quotes, an empty local part or an IP address.
            allow_display_name=False,
            allow_quoted_local=False,
            allow_empty_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError as error:
        raise ValueError(f"must be an email address: {error}") from None
    if len(normalised) > 254:  # the text kept, whatever the validator measured
        raise ValueError("must be an email address of at most 254 characters")
    return normalised


# Every address a client sends over HTTP is of this type (invitations, bulk items).
Email = Annotated[str, AfterValidator(_email)]


ROLE_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

# What the OpenAPI document says of values the code writes as plain text: the schema
# only (WithJsonSchema), never what is accepted or written. A generated client reads
# these as datetimes and enums. tools/openapi.py names each enum of `NAMED_SCHEMAS`
# once under components and refers to it wherever it occurs, so that a client has one
# class of each (pydantic cannot refer to a schema it did not make).
MEMBER_STATUSES = [*(status.value for status in MemberStatus), "DELETED"]
INVITATION_STATUSES = [status.value.lower() for status in InvitationStatus]
NAMED_SCHEMAS: dict[str, dict[str, Any]] = {
    "BuiltInRole": {
        "type": "string",
        "enum": list(BUILTIN_ROLES),
        "title": "BuiltInRole",
        "description": "A built-in role",
    },
    "MemberStatus": {
        "type": "string",
        "enum": MEMBER_STATUSES,
        "title": "MemberStatus",
        "description": "A member's status; DELETED for the tombstone of a removed member",
    },
    "InvitationStatus": {
        "type": "string",
        "enum": INVITATION_STATUSES,
        "title": "InvitationStatus",
        "description": "An invitation's status",
    },
}


_ROLE_SCHEMA = {
    "anyOf": [
        NAMED_SCHEMAS["BuiltInRole"],
        {
            "type": "string",
            "pattern": ROLE_KEY_PATTERN,
            "description": "A custom role's key (GET .../roles lists the workspace's)",
        },
    ]
}
# An ISO 8601 UTC instant, e.g. 2026-11-22T10:00:00Z.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# A role as responses show it: built-in or custom.
RoleKeyOut = Annotated[str, WithJsonSchema(_ROLE_SCHEMA)]
MemberStatusName = Annotated[str, WithJsonSchema(NAMED_SCHEMAS["MemberStatus"])]
InvitationStatusName = Annotated[str, WithJsonSchema(NAMED_SCHEMAS["InvitationStatus"])]
# The same as the lists' filters take them (checked against the pattern, as before).
MemberStatusFilter = Annotated[
    str,
    StringConstraints(pattern=r"^(ACTIVE|SUSPENDED|DELETED)$"),
    WithJsonSchema(NAMED_SCHEMAS["MemberStatus"]),
]
InvitationStatusFilter = Annotated[
    str,
    StringConstraints(pattern=r"^(pending|accepted|revoked|expired|declined)$"),
    WithJsonSchema(NAMED_SCHEMAS["InvitationStatus"]),
]

RoleKey = Annotated[str, StringConstraints(pattern=ROLE_KEY_PATTERN), WithJsonSchema(_ROLE_SCHEMA)]
# A new custom role's key: never a built-in one.
CustomRoleKey = Annotated[str, StringConstraints(pattern=ROLE_KEY_PATTERN)]


def example(body: dict[str, Any]) -> ConfigDict:
    """A request model's config with one example body, which the OpenAPI document shows
    (and a linter checks against the schema)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class RequestModel(BaseModel):
    """A request body: unknown fields are refused. Its validator is built when a request
    first needs it (`defer_build`), so a function builds those of the routes it serves,
    not every model of the API at its cold start."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    """A response body; built on first use, as request bodies are."""

    model_config = ConfigDict(defer_build=True)


_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain(value: str) -> str:
    domain = value.strip().lower()
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValueError("must be a domain name such as example.com")
    return domain


EmailDomain = Annotated[str, AfterValidator(_domain)]


MINUTES_MAX = 100_000_000


def unique_values(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


Minutes = Annotated[int, Field(ge=0, le=MINUTES_MAX)]


class PageOut[T](ResponseModel):
    items: list[T]
    nextCursor: str | None


def page_out[T](page: Page[T], render: Any) -> dict[str, Any]:
    return {"items": [render(item) for item in page.items], "nextCursor": page.next_cursor}


def idempotency(key: str | None, body: BaseModel) -> IdempotencyRequest | None:
    """The Idempotency-Key with a fingerprint of the validated body it came with."""
    if key is None:
        return None
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return IdempotencyRequest(key, hashlib.sha256(canonical.encode()).hexdigest())
