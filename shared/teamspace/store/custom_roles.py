"""A workspace's custom roles and the count of who holds them.

A custom role's definition lives in the workspace item's `customRoles` map (written
here; read with the workspace), so the read under every request resolves it for free.
Who holds it is counted in a separate item (`WS#<workspaceId>` / `ROLE#<key>`): members
with the role and pending invitations that carry it. Handing a role out adds one on a
condition that the definition is still the one the decision was made on; deleting the
role is conditional on the count being zero. A delete and an assignment racing each
other therefore never leave a member with a deleted role.
"""

from __future__ import annotations

from typing import Any

from teamspace.core import errors
from teamspace.core.errors import Conflict
from teamspace.core.records import CustomRole, Workspace
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values, put_new


def role_holders_key(workspace_id: str, role_key: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"ROLE#{role_key}"}


def role_holders_item(workspace_id: str, custom: CustomRole) -> dict[str, Any]:
    """The counter of members and pending invitations that hold a custom role."""
    return {
        **role_holders_key(workspace_id, custom.key),
        "entity": "role_holders",
        "workspaceId": workspace_id,
        "roleKey": custom.key,
        "holders": 0,
        "version": custom.version,
    }


def _definition_update(
    workspace_id: str, custom: CustomRole, condition: str, error: Conflict, **extra: object
) -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspaces.workspace_key(workspace_id)),
            "UpdateExpression": "SET customRoles.#key = :role",
            "ConditionExpression": f"#status = :active AND {condition}",
            "ExpressionAttributeNames": {"#status": "status", "#key": custom.key},
            "ExpressionAttributeValues": attribute_values(
                active="ACTIVE", role=workspaces.custom_role_value(custom), **extra
            ),
        },
        error,
    )


def define_role(workspace_id: str, custom: CustomRole, limit: int) -> list[WriteOp]:
    """A new custom role: its definition in the workspace item (while it holds fewer
    than `limit`), and its holder count."""
    return [
        _definition_update(
            workspace_id,
            custom,
            "attribute_not_exists(customRoles.#key) AND size(customRoles) < :max",
            errors.role_exists(custom.key),
            max=limit,
        ),
        put_new(role_holders_item(workspace_id, custom), errors.role_exists(custom.key)),
    ]


def redefine_role(workspace_id: str, custom: CustomRole, expected_version: int) -> list[WriteOp]:
    """A changed custom role; its holder count takes the new version, so an assignment
    decided on the old definition fails."""
    return [
        _definition_update(
            workspace_id,
            custom,
            "customRoles.#key.version = :expected",
            errors.role_changed(custom.key),
            expected=expected_version,
        ),
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(role_holders_key(workspace_id, custom.key)),
                "UpdateExpression": "SET version = :next",
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": attribute_values(
                    next=custom.version, expected=expected_version
                ),
            },
            errors.role_changed(custom.key),
        ),
    ]


def delete_role(workspace_id: str, custom: CustomRole) -> list[WriteOp]:
    """A custom role nobody holds, gone; 409 ROLE_IN_USE while anyone does."""
    return [
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(workspaces.workspace_key(workspace_id)),
                "UpdateExpression": "REMOVE customRoles.#key",
                "ConditionExpression": "#status = :active AND customRoles.#key.version = :v",
                "ExpressionAttributeNames": {"#status": "status", "#key": custom.key},
                "ExpressionAttributeValues": attribute_values(active="ACTIVE", v=custom.version),
            },
            errors.role_changed(custom.key),
        ),
        WriteOp(
            "Delete",
            {
                "Key": codec.to_attributes(role_holders_key(workspace_id, custom.key)),
                "ConditionExpression": "holders = :zero AND version = :v",
                "ExpressionAttributeValues": attribute_values(zero=0, v=custom.version),
            },
            errors.role_in_use(custom.key),
        ),
    ]


def _count_holders(
    workspace_id: str, key: str, delta: int, condition: str, **extra: object
) -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(role_holders_key(workspace_id, key)),
            "UpdateExpression": "ADD holders :delta",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": attribute_values(delta=delta, **extra),
        },
        errors.role_changed(key),
    )


def take_role(workspace: Workspace, key: str) -> list[WriteOp]:
    """Someone (a member, a pending invitation) takes role `key`, which the caller has
    resolved in `workspace`: one more holder.

    Built-in roles are not counted. Taking a custom role is conditional on its definition
    being the one read under the request.
    """
    custom = workspace.custom_roles.get(key)
    if custom is None:
        return []
    return [_count_holders(workspace.workspace_id, key, 1, "version = :v", v=custom.version)]


def give_back_role(workspace_id: str, key: str) -> list[WriteOp]:
    """Someone gives custom role `key` up: one holder fewer (built-in roles are not
    counted: the domain asks only for custom ones).

    Conditional only on the counter existing, which it does while anyone holds the role,
    so this needs no read of the workspace (the expiry job has none).
    """
    return [_count_holders(workspace_id, key, -1, "attribute_exists(PK)")]
