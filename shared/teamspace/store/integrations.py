"""A workspace's integrations in the table: its own SMTP server (`WS#<ws>` /
`INTEGRATION#SMTP`), one item beside the workspace's, read with it in the one read under
a request or an event (`snapshots.load(..., also=[smtp_key(ws)])`).

The item never holds the password: only the version of the workspace's secret in
Secrets Manager that goes with this configuration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import smtp_not_configured, version_conflict
from teamspace.core.records import SmtpIntegration, SmtpSecurity
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values
from teamspace.store.snapshots import Snapshot
from teamspace.store.table import TeamspaceStore

SMTP_SK = "INTEGRATION#SMTP"


def smtp_key(workspace_id: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: SMTP_SK}


def smtp_item(integration: SmtpIntegration) -> dict[str, Any]:
    return {
        **smtp_key(integration.workspace_id),
        "entity": "smtp_integration",
        "workspaceId": integration.workspace_id,
        "host": integration.host,
        "port": integration.port,
        "security": integration.security.value,
        "username": integration.username,
        "fromAddress": integration.from_address,
        "fromName": integration.from_name,
        "passwordVersion": integration.password_version,
        "createdAt": iso(integration.created_at),
        "updatedAt": iso(integration.updated_at),
        "updatedBy": integration.updated_by,
        "lastTestedAt": iso(integration.last_tested_at) if integration.last_tested_at else None,
        "lastError": integration.last_error,
        "version": integration.version,
    }


def smtp_from_item(item: dict[str, Any]) -> SmtpIntegration:
    return SmtpIntegration(
        workspace_id=item["workspaceId"],
        host=item["host"],
        port=int(item["port"]),
        security=SmtpSecurity(item["security"]),
        username=item.get("username"),
        from_address=item["fromAddress"],
        from_name=item.get("fromName"),
        password_version=item.get("passwordVersion"),
        created_at=parse_iso(item["createdAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        updated_by=item["updatedBy"],
        last_tested_at=parse_iso(item["lastTestedAt"]) if item.get("lastTestedAt") else None,
        last_error=item.get("lastError"),
        version=int(item["version"]),
    )


def smtp_in(snapshot: Snapshot, workspace_id: str) -> SmtpIntegration | None:
    """The SMTP configuration a workspace read brought along, or None."""
    found = snapshot.other(smtp_key(workspace_id))
    return smtp_from_item(found) if found else None


def get_smtp(store: TeamspaceStore, workspace_id: str) -> SmtpIntegration | None:
    """One configuration by its workspace (one GetItem). The services read it with the
    request's own read instead (`smtp_in`); the store's tests read it with this."""
    found = store.get(smtp_key(workspace_id))
    return smtp_from_item(found) if found else None


def put_smtp(integration: SmtpIntegration, expected_version: int | None) -> WriteOp:
    """Write the configuration: a new one (`expected_version` None: none may exist) or
    the next version of the one read."""
    if expected_version is None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
    else:
        condition = {
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=expected_version),
        }
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(smtp_item(integration)), **condition},
        version_conflict("SMTP configuration"),
    )


def delete_smtp(integration: SmtpIntegration) -> WriteOp:
    """Remove the configuration as read."""
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(smtp_key(integration.workspace_id)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=integration.version),
        },
        smtp_not_configured(),
    )


def record_test(integration: SmtpIntegration, at: datetime, error: str | None) -> WriteOp:
    """A test message's outcome, on the configuration that was tested (a configuration
    changed since keeps its own, untested state)."""
    values: dict[str, Any] = {"expected": integration.version, "at": iso(at)}
    if error is None:
        expression = "SET lastTestedAt = :at REMOVE lastError"
    else:
        expression = "SET lastTestedAt = :at, lastError = :error"
        values["error"] = error
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(smtp_key(integration.workspace_id)),
            "UpdateExpression": expression,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(**values),
        },
        version_conflict("SMTP configuration"),
    )
