"""API keys: create (the key shown once), list, revoke; and the revocations and
retirements that removing a member or deleting a workspace brings.

A key acts in its workspace with a role's permissions, copied onto the key when it is
created (`check_api_key_role` says which roles a creator may give it). Keys are checked
by the authorizer other services attach to their routes (`domain/key_authorizer.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.clock import Clock, iso
from teamspace.core.errors import FieldError, InvalidInput
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import ApiKey, Page
from teamspace.domain import key_format
from teamspace.domain.access import admit, enforce, enter_workspace
from teamspace.domain.idempotency import IdempotencyRequest, commit_once, prior_result
from teamspace.domain.limits import MAX_API_KEYS
from teamspace.domain.service import DomainService
from teamspace.domain.workspace_roles import role_named
from teamspace.permissions import Feature, Permission
from teamspace.store import api_keys as key_store
from teamspace.store import snapshots
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

DEFAULT_ROLE = "member"


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A created key, with the key itself when this call created it (shown this once).
    A replayed Idempotency-Key gets the key's description without it: it is stored
    nowhere."""

    key: ApiKey
    text: str | None

    def __repr__(self) -> str:  # never let the key reach a log through a repr
        return f"IssuedApiKey(key_id={self.key.key_id!r}, shown={self.text is not None})"


class ApiKeyService(DomainService):
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        stage: str,
    ) -> None:
        super().__init__(store, clock, ids)
        self.stage = stage

    def create(
        self,
        caller: Caller,
        workspace_id: str,
        *,
        name: str,
        role_key: str | None = None,
        expires_at: datetime | None = None,
        idempotency: IdempotencyRequest | None = None,
    ) -> IssuedApiKey:
        """A new key acting with `role_key` (default member) until `expires_at`, if
        given. Needs api_keys:manage and every permission of the role."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.API_KEYS_MANAGE)
        operation = f"CreateApiKey:{workspace_id}"
        replayed = prior_result(self.store, idempotency, caller=caller, operation=operation)
        if replayed is not None:
            return IssuedApiKey(replace(cast(ApiKey, replayed), workspace_id=workspace_id), None)
        # After the replay: a retry of the key that filled the plan's count gets its 201.
        access.room_for(Feature.API_KEYS, access.workspace.api_keys)
        role = role_named(access.workspace, role_key or DEFAULT_ROLE)
        if role is None:
            raise errors.unknown_role(role_key or DEFAULT_ROLE)
        enforce(permissions.check_api_key_role(access.subject, role))
        now = self.clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput(
                "VALIDATION_FAILED",
                "The request has invalid fields: expiresAt",
                fields=[FieldError("expiresAt", "must be in the future")],
            )
        issued = key_format.generate_key(self.stage)
        key = ApiKey(
            workspace_id=workspace_id,
            key_id=self.ids.new("key"),
            name=name,
            prefix=issued.prefix,
            role=role.key,
            permissions=frozenset(str(p) for p in role.permissions),
            created_by=caller.user_id,
            created_at=now,
            key_hash=issued.key_hash,
            expires_at=expires_at.replace(microsecond=0) if expires_at else None,
        )
        ops = [
            *key_store.create_key(key, access.most(Feature.API_KEYS, MAX_API_KEYS)),
            *access.guards(),
            self.event(DetailType.API_KEY_CREATED, workspace_id, access.by, _created(key), now),
        ]
        first = commit_once(
            self.store,
            ops,
            idempotency=idempotency,
            caller=caller,
            operation=operation,
            # The key's description only: never the key, nor its hash.
            result=key,
            at=now,
        )
        if first is not None:
            return IssuedApiKey(replace(first, workspace_id=workspace_id), None)
        return IssuedApiKey(key, issued.text)

    def list(
        self, caller: Caller, workspace_id: str, *, limit: int, cursor: str | None
    ) -> Page[ApiKey]:
        """The workspace's keys (revoked ones are gone from it), oldest first."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.API_KEYS_MANAGE)
        return key_store.list_keys(self.store, workspace_id, limit=limit, cursor=cursor)

    def revoke(self, caller: Caller, workspace_id: str, key_id: str) -> None:
        """Revoke a key: the authorizer refuses it from the next request on. The key's
        item comes with the read under the request (one round trip, not two)."""
        wanted = key_store.api_key_key(workspace_id, key_id)
        snapshot = snapshots.load(self.store, workspace_id, [caller.user_id], also=[wanted])
        access = admit(self.store, caller, snapshot)
        access.require(Permission.API_KEYS_MANAGE)
        key = key_store.key_in(snapshot, workspace_id, key_id)
        if key is None:
            raise errors.api_key_not_found()
        now = self.clock.now()
        self.store.commit(
            [
                *revocations(self, [key], access.by, now, reason="revoked"),
                *access.guards(),
            ]
        )


def revocations(
    service: DomainService,
    revoked: Sequence[ApiKey],
    actor: Actor,
    at: datetime,
    *,
    reason: str,
    count: bool = True,
) -> list[WriteOp]:
    """The writes that revoke `revoked` (as read), each with its ApiKeyRevoked event.

    Without `count`, the caller moves the workspace's key counter in its own update of
    the workspace item (see `workspace_store.adjust_counters`)."""
    return [
        *key_store.revoke_keys(revoked, at, count=count),
        *(
            service.event(
                DetailType.API_KEY_REVOKED,
                key.workspace_id,
                actor,
                {"keyId": key.key_id, "name": key.name, "prefix": key.prefix, "reason": reason},
                at,
            )
            for key in revoked
        ),
    ]


def _created(key: ApiKey) -> dict[str, Any]:
    return {
        "keyId": key.key_id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "permissions": sorted(key.permissions),
        "expiresAt": iso(key.expires_at) if key.expires_at else None,
    }
