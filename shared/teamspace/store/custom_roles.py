"""Write operations for a workspace's custom roles and the count of who holds them.

A custom role's definition lives in the workspace item's `customRoles` map, so the read
under every request resolves it for free. Who holds it is counted in a separate item
(`ROLE#<key>`): members with the role and pending invitations that carry it. Handing
a role out adds one on a condition that the definition is still the one the decision
was made on; deleting the role is conditional on the count being zero. A delete and an
assignment racing each other therefore never leave a member with a deleted role.
"""

from __future__ import annotations

from teamspace.domain.records import CustomRole, Workspace
from teamspace.errors import Conflict, InvalidInput
from teamspace.permissions import BUILTIN_ROLES
from teamspace.store import codec, keys
from teamspace.store.writes import WriteOp, attribute_values

# A workspace item holds its custom roles; this keeps it far below DynamoDB's 400 KB.
MAX_CUSTOM_ROLES = 50


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


def _definition_update(
    workspace_id: str, custom: CustomRole, condition: str, error: Conflict, **extra: object
) -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": "SET customRoles.#key = :role",
            "ConditionExpression": f"#status = :active AND {condition}",
            "ExpressionAttributeNames": {"#status": "status", "#key": custom.key},
            "ExpressionAttributeValues": attribute_values(
                active="ACTIVE", role=codec.custom_role_value(custom), **extra
            ),
        },
        error,
    )


def define_role(workspace_id: str, custom: CustomRole) -> list[WriteOp]:
    """A new custom role: its definition in the workspace item, and its holder count."""
    return [
        _definition_update(
            workspace_id,
            custom,
            "attribute_not_exists(customRoles.#key) AND size(customRoles) < :max",
            role_exists(custom.key),
            max=MAX_CUSTOM_ROLES,
        ),
        WriteOp(
            "Put",
            {
                "Item": codec.to_attributes(codec.role_holders_item(workspace_id, custom)),
                "ConditionExpression": "attribute_not_exists(PK)",
            },
            role_exists(custom.key),
        ),
    ]


def redefine_role(workspace_id: str, custom: CustomRole, expected_version: int) -> list[WriteOp]:
    """A changed custom role; its holder count takes the new version, so an assignment
    decided on the old definition fails."""
    return [
        _definition_update(
            workspace_id,
            custom,
            "customRoles.#key.version = :expected",
            role_changed(custom.key),
            expected=expected_version,
        ),
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(keys.role_holders_key(workspace_id, custom.key)),
                "UpdateExpression": "SET version = :next",
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": attribute_values(
                    next=custom.version, expected=expected_version
                ),
            },
            role_changed(custom.key),
        ),
    ]


def delete_role(workspace_id: str, custom: CustomRole) -> list[WriteOp]:
    """A custom role nobody holds, gone; 409 ROLE_IN_USE while anyone does."""
    return [
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
                "UpdateExpression": "REMOVE customRoles.#key",
                "ConditionExpression": "#status = :active AND customRoles.#key.version = :v",
                "ExpressionAttributeNames": {"#status": "status", "#key": custom.key},
                "ExpressionAttributeValues": attribute_values(active="ACTIVE", v=custom.version),
            },
            role_changed(custom.key),
        ),
        WriteOp(
            "Delete",
            {
                "Key": codec.to_attributes(keys.role_holders_key(workspace_id, custom.key)),
                "ConditionExpression": "holders = :zero AND version = :v",
                "ExpressionAttributeValues": attribute_values(zero=0, v=custom.version),
            },
            role_in_use(custom.key),
        ),
    ]


def _count(workspace_id: str, key: str, delta: int, condition: str, **extra: object) -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.role_holders_key(workspace_id, key)),
            "UpdateExpression": "ADD holders :delta",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": attribute_values(delta=delta, **extra),
        },
        role_changed(key),
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
    return [_count(workspace.workspace_id, key, 1, "version = :v", v=custom.version)]


def give_back_role(workspace_id: str, key: str) -> list[WriteOp]:
    """Someone gives role `key` up: one holder fewer, for a custom role.

    Conditional only on the counter existing, which it does while anyone holds the role,
    so this needs no read of the workspace (the expiry job has none).
    """
    if key in BUILTIN_ROLES:
        return []
    return [_count(workspace_id, key, -1, "attribute_exists(PK)")]


def role_holds(workspace: Workspace, *, take: str, give_back: str) -> list[WriteOp]:
    """The holder counts a change of role from `give_back` to `take` moves."""
    if take == give_back:
        return []
    return [*take_role(workspace, take), *give_back_role(workspace.workspace_id, give_back)]
