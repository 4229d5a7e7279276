"""Workspaces: create, list the caller's, read, update, delete."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from teamspace import permissions
from teamspace.core.errors import Conflict, FieldError, InvalidInput
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Member, Membership, Page, Workspace, WorkspaceType
from teamspace.domain.access import enforce, enter_workspace
from teamspace.domain.idempotency import IdempotencyRequest, commit_once
from teamspace.domain.limits import MAX_API_KEYS
from teamspace.domain.plans import catalogue
from teamspace.domain.service import DomainService
from teamspace.domain.workspace_roles import policy_of
from teamspace.permissions import (
    MAX_OWNERS_SETTING,
    OWNER,
    Feature,
    MemberStatus,
    Permission,
    SecurityPolicy,
    Use,
)
from teamspace.store import api_keys as key_store
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class WorkspaceChanges:
    """A PATCH: only the fields the client sent; a settings value of None removes it."""

    name: str = _UNSET
    description: str | None = _UNSET
    logo_url: str | None = _UNSET
    settings: dict[str, Any] = _UNSET

    def is_empty(self) -> bool:
        return all(getattr(self, f) is _UNSET for f in self.__dataclass_fields__)


class WorkspaceService(DomainService):
    def create(
        self,
        caller: Caller,
        *,
        name: str,
        description: str | None,
        workspace_type: WorkspaceType,
        idempotency: IdempotencyRequest | None = None,
    ) -> Workspace:
        """A new workspace, owned by the caller, who becomes its first member."""
        if not caller.email:
            raise InvalidInput("EMAIL_REQUIRED", "Your token carries no email address")
        if workspace_type is WorkspaceType.AGENCY:  # a new workspace is on the default plan
            enforce(permissions.check_feature(catalogue().plan_for(None), Feature.AGENCY_WORKSPACE))
        now = self.clock.now()
        workspace = Workspace(
            workspace_id=self.ids.new("ws"),
            name=name,
            description=description,
            type=workspace_type,
            owner_id=caller.user_id,
            created_at=now,
            updated_at=now,
            member_count=1,
            seats_used=1,
        )
        ops = [
            *founding(workspace, caller.user_id, caller.email, caller.name),
            self.event(
                DetailType.WORKSPACE_CREATED,
                workspace.workspace_id,
                caller,
                {"name": name, "type": workspace_type.value, "ownerId": caller.user_id},
                now,
            ),
        ]
        first = commit_once(
            self.store,
            ops,
            idempotency=idempotency,
            caller=caller,
            operation="CreateWorkspace",
            result=workspace,
            at=now,
        )
        return first or workspace

    def list_for(self, caller: Caller, *, limit: int, cursor: str | None) -> Page[Membership]:
        """The caller's workspaces where they are an active member, with their role."""
        return member_store.list_memberships(self.store, caller.user_id, limit=limit, cursor=cursor)

    def get(self, caller: Caller, workspace_id: str) -> Membership:
        """The workspace, also while it is suspended (the one thing a suspension leaves
        its members: seeing that it is suspended)."""
        access = enter_workspace(self.store, caller, workspace_id, use=Use.READ_WORKSPACE)
        access.require(Permission.WORKSPACE_VIEW)
        return Membership(access.shown, access.actor)

    def update(self, caller: Caller, workspace_id: str, changes: WorkspaceChanges) -> Membership:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.WORKSPACE_UPDATE)
        current = access.workspace
        if changes.is_empty():
            return Membership(access.shown, access.actor)
        settings = dict(current.settings)
        if changes.settings is not _UNSET:
            for key, value in changes.settings.items():
                if value is None:
                    settings.pop(key, None)
                else:
                    settings[key] = value
        enforce(
            permissions.check_policy_change(
                access.subject, policy_of(current), SecurityPolicy.of(settings), caller.mfa
            )
        )
        enforce(permissions.check_owner_only_settings(access.subject, current.settings, settings))
        enforce(permissions.check_plan_settings(access.plan, current.settings, settings))
        owners_changed = settings.get(MAX_OWNERS_SETTING) != current.settings.get(
            MAX_OWNERS_SETTING
        )
        new_limit = int(settings.get(MAX_OWNERS_SETTING) or 1)
        if owners_changed:
            client = current.parent_workspace_id is not None
            enforce(permissions.check_owner_limit(access.owners, new_limit, client=client))
        pool_changed = settings.get("minutePool") != current.settings.get("minutePool")
        if pool_changed:
            _check_pool(current, int(settings.get("minutePool") or 0))
        now = self.clock.now()
        updated = replace(
            current,
            name=current.name if changes.name is _UNSET else changes.name,
            description=(
                current.description if changes.description is _UNSET else changes.description
            ),
            logo_url=current.logo_url if changes.logo_url is _UNSET else changes.logo_url,
            settings=settings,
            updated_at=now,
            version=current.version + 1,
        )
        changed = _changed_fields(current, updated)
        if not changed:
            return Membership(access.shown, access.actor)
        self.store.commit(
            [
                workspace_store.update_workspace(
                    updated,
                    expected_version=current.version,
                    assigned_at_most=updated.minute_pool if pool_changed else None,
                    owners_at_most=new_limit if owners_changed else None,
                ),
                *access.guards(),
                self.event(
                    DetailType.WORKSPACE_UPDATED,
                    workspace_id,
                    access.by,
                    {"changed": changed},
                    now,
                ),
                *self._controls_changed(current, updated, access.by, now),
            ]
        )
        return Membership(replace(updated, owner_id=access.shown.owner_id), access.actor)

    def _controls_changed(
        self, before: Workspace, after: Workspace, by: Actor, at: datetime
    ) -> list[WriteOp]:
        """SecurityControlsChanged when the security controls moved, for the services
        that enforce them (with WorkspaceUpdated, in the same transaction)."""
        old, new = before.security_controls, after.security_controls
        moved = [name for name in new if new[name] != old[name]]
        if not moved:
            return []
        data = {"securityControls": new, "changed": moved}
        return [self.event(DetailType.SECURITY_CONTROLS_CHANGED, after.workspace_id, by, data, at)]

    def delete(self, caller: Caller, workspace_id: str) -> None:
        """Owner only. From this write on, the workspace and its members are unreachable,
        and its API keys are refused by the authorizer."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.WORKSPACE_DELETE)
        # The workspace counts its keys: with none, there is nothing to list (and the
        # tombstone's condition still refuses a key created meanwhile).
        api_keys = (
            key_store.keys_of(self.store, workspace_id, MAX_API_KEYS)
            if access.workspace.api_keys
            else []
        )
        now = self.clock.now()
        self.store.commit(
            [
                # The owner as read: a client's owner is decided from its agency (the
                # guards re-check that), and its own item may not have followed yet.
                workspace_store.delete_workspace(
                    workspace_id, access.workspace.owner_id, now, api_keys=len(api_keys)
                ),
                *key_store.retire_keys(api_keys),
                *_budget_returned(access.workspace),
                *access.guards(),
                self.event(
                    DetailType.WORKSPACE_DELETED,
                    workspace_id,
                    access.by,
                    {"name": access.workspace.name},
                    now,
                ),
            ]
        )


def founding(workspace: Workspace, owner_id: str, email: str, name: str | None) -> list[WriteOp]:
    """A new workspace with its owner as its first member (and their address claimed)."""
    owner = Member(
        workspace_id=workspace.workspace_id,
        user_id=owner_id,
        email=email,
        name=name,
        role=OWNER,
        status=MemberStatus.ACTIVE,
        joined_at=workspace.created_at,
        updated_at=workspace.created_at,
    )
    return [
        workspace_store.create_workspace(workspace),
        member_store.create_member(owner),
        member_store.claim_member_email(workspace.workspace_id, email, owner_id),
    ]


def _budget_returned(workspace: Workspace) -> list[WriteOp]:
    """A deleted client's minute budget goes back to its agency's pool."""
    if workspace.parent_workspace_id is None or workspace.minute_budget == 0:
        return []
    return [
        workspace_store.take_minutes(workspace.parent_workspace_id, -workspace.minute_budget, 0)
    ]


def _check_pool(workspace: Workspace, pool: int) -> None:
    """An agency's pool can shrink no lower than the budgets its clients hold."""
    if not workspace.is_agency:
        raise InvalidInput(
            "NOT_AN_AGENCY",
            "Only an agency workspace has a minute pool",
            fields=[FieldError("settings.minutePool", "only for agency workspaces")],
        )
    if pool < workspace.minutes_assigned:
        raise Conflict(
            "MINUTE_POOL_BELOW_ASSIGNED",
            f"Clients hold {workspace.minutes_assigned} minutes of the pool; lower their "
            "budgets first",
        )


def _changed_fields(before: Workspace, after: Workspace) -> list[str]:
    pairs = {
        "name": (before.name, after.name),
        "description": (before.description, after.description),
        "logoUrl": (before.logo_url, after.logo_url),
        "settings": (before.settings, after.settings),
    }
    return [name for name, (old, new) in pairs.items() if old != new]
