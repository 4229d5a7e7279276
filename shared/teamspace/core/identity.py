"""Who is calling: the verified claims of the caller's token, and nothing it grants.

A caller's rights in a workspace come only from their membership item, never from
the token, so a role change or a removal takes effect on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What the key authorizer found for an API key: its workspace, id, the role it was
    created with and the permissions copied onto it then. Never the key or its hash."""

    workspace_id: str
    key_id: str
    role: str
    permissions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    # Whether the token shows multi-factor authentication (see `teamspace.api.identity`).
    mfa: bool = False
    # When the token was issued (its `iat`, epoch seconds): a member's sessions revoked
    # after it refuse it.
    issued_at: int | None = None
    # Set when the caller is an API key (then `user_id` is the key's id): it acts in its
    # own workspace only, with `permissions.key_subject` (domain/access.py).
    key: KeyGrant | None = None

    @property
    def is_key(self) -> bool:
        return self.key is not None
