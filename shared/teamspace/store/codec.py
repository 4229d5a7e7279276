"""Items <-> records. The one place that knows attribute names and DynamoDB types."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from teamspace.clock import iso, parse_iso
from teamspace.domain.records import (
    CustomRole,
    Invitation,
    InvitationStatus,
    InvitationToken,
    Member,
    OwnershipTransfer,
    Workspace,
    WorkspaceStatus,
    WorkspaceType,
)
from teamspace.permissions.catalogue import parse_permission
from teamspace.store import keys

AttributeMap = dict[str, dict[str, Any]]


@cache
def _types() -> tuple[Any, Any]:
    """boto3's (de)serializer, loaded on first use: importing boto3.dynamodb loads the
    whole of boto3 and botocore, which would otherwise be most of a cold start."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415

    return TypeSerializer(), TypeDeserializer()


def to_attributes(item: dict[str, Any]) -> AttributeMap:
    """A plain dict as DynamoDB's typed attribute map; None values are left out."""
    serializer = _types()[0]
    return {name: serializer.serialize(value) for name, value in item.items() if value is not None}


def from_attributes(attributes: AttributeMap) -> dict[str, Any]:
    deserializer = _types()[1]
    return {name: _plain(deserializer.deserialize(value)) for name, value in attributes.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain wants int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def workspace_item(workspace: Workspace) -> dict[str, Any]:
    item = {
        **keys.workspace_key(workspace.workspace_id),
        "entity": "workspace",
        "workspaceId": workspace.workspace_id,
        "name": workspace.name,
        "description": workspace.description,
        "logoUrl": workspace.logo_url,
        "type": workspace.type.value,
        "ownerId": workspace.owner_id,
        "parentWorkspaceId": workspace.parent_workspace_id,
        "settings": workspace.settings,
        "status": workspace.status.value,
        "memberCount": workspace.member_count,
        "pendingInvites": workspace.pending_invites,
        "seatsUsed": workspace.seats_used,
        "minutesAssigned": workspace.minutes_assigned if workspace.is_agency else None,
        "customRoles": {key: custom_role_value(c) for key, c in workspace.custom_roles.items()},
        "createdAt": iso(workspace.created_at),
        "updatedAt": iso(workspace.updated_at),
        "version": workspace.version,
    }
    if workspace.parent_workspace_id is not None:  # a client, listed under its agency
        item[keys.GSI1PK] = keys.clients_pk(workspace.parent_workspace_id)
        item[keys.GSI1SK] = f"{iso(workspace.created_at)}#{workspace.workspace_id}"
    return item


def workspace_from_item(item: dict[str, Any]) -> Workspace:
    return Workspace(
        workspace_id=item["workspaceId"],
        name=item["name"],
        description=item.get("description"),
        logo_url=item.get("logoUrl"),
        type=WorkspaceType(item["type"]),
        owner_id=item["ownerId"],
        parent_workspace_id=item.get("parentWorkspaceId"),
        settings=item.get("settings", {}),
        status=WorkspaceStatus(item["status"]),
        member_count=item.get("memberCount", 0),
        pending_invites=item.get("pendingInvites", 0),
        seats_used=item.get("seatsUsed", 0),
        minutes_assigned=item.get("minutesAssigned") or 0,
        custom_roles={
            key: custom_role_from_value(key, value)
            for key, value in item.get("customRoles", {}).items()
        },
        created_at=parse_iso(item["createdAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
        api_keys=item.get("apiKeys") or 0,
    )


def custom_role_value(custom: CustomRole) -> dict[str, Any]:
    """A custom role as it sits in the workspace item's `customRoles` map."""
    role = custom.definition
    return {
        "name": role.name,
        "rank": role.rank,
        "permissions": sorted(str(p) for p in role.permissions),
        "createdBy": custom.created_by,
        "createdAt": iso(custom.created_at),
        "updatedAt": iso(custom.updated_at),
        "version": custom.version,
    }


def custom_role_from_value(key: str, value: dict[str, Any]) -> CustomRole:
    # The role model is pydantic: loaded by the first workspace with custom roles, so
    # that reading an API key (the authorizer) loads none of it.
    from teamspace.permissions.roles import RoleDefinition  # noqa: PLC0415 - see above

    # A permission the catalogue no longer knows grants nothing rather than failing reads.
    known = (parse_permission(p) for p in value["permissions"])
    return CustomRole(
        definition=RoleDefinition(
            key=key,
            name=value["name"],
            rank=value["rank"],
            permissions=frozenset(p for p in known if p is not None),
            builtin=False,
        ),
        created_by=value["createdBy"],
        created_at=parse_iso(value["createdAt"]),
        updated_at=parse_iso(value["updatedAt"]),
        version=value["version"],
    )


def role_holders_item(workspace_id: str, custom: CustomRole) -> dict[str, Any]:
    """The counter of members and pending invitations that hold a custom role."""
    return {
        **keys.role_holders_key(workspace_id, custom.key),
        "entity": "role_holders",
        "workspaceId": workspace_id,
        "roleKey": custom.key,
        "holders": 0,
        "version": custom.version,
    }


def member_item(member: Member) -> dict[str, Any]:
    joined = iso(member.joined_at)
    name_key = keys.name_search_key(member.name or member.email)
    return {
        **keys.member_key(member.workspace_id, member.user_id),
        keys.GSI1PK: keys.user_memberships_pk(member.user_id),
        keys.GSI1SK: keys.user_membership_sk(joined, member.workspace_id),
        keys.GSI2PK: keys.member_names_pk(member.workspace_id),
        keys.GSI2SK: keys.member_name_sk(name_key, member.user_id),
        "entity": "member",
        "workspaceId": member.workspace_id,
        "userId": member.user_id,
        "email": member.email,
        "name": member.name,
        "jobTitle": member.job_title,
        "role": member.role,
        "status": member.status,
        "toggles": member.toggles,
        "agentIds": list(member.agent_ids) if member.agent_ids is not None else None,
        "joinedAt": joined,
        "updatedAt": iso(member.updated_at),
        "version": member.version,
        "via": member.via,
    }


def member_from_item(item: dict[str, Any]) -> Member:
    agent_ids = item.get("agentIds")
    return Member(
        workspace_id=item["workspaceId"],
        user_id=item["userId"],
        email=item["email"],
        name=item.get("name"),
        job_title=item.get("jobTitle"),
        role=item["role"],
        status=item["status"],
        toggles=item.get("toggles", {}),
        agent_ids=tuple(agent_ids) if agent_ids is not None else None,
        joined_at=parse_iso(item["joinedAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
        via=item.get("via"),
    )


def invitation_item(invitation: Invitation) -> dict[str, Any]:
    """The invitation, indexed by status always, and by invitee and expiry while pending."""
    created = iso(invitation.created_at)
    expires = iso(invitation.expires_at)
    item: dict[str, Any] = {
        **keys.invitation_key(invitation.workspace_id, invitation.invitation_id),
        keys.GSI2PK: keys.invitations_by_status_pk(
            invitation.workspace_id, invitation.status.value
        ),
        keys.GSI2SK: f"{created}#{invitation.invitation_id}",
        "entity": "invitation",
        "workspaceId": invitation.workspace_id,
        "invitationId": invitation.invitation_id,
        "email": invitation.email,
        "role": invitation.role,
        "status": invitation.status.value,
        "invitedBy": invitation.invited_by,
        "inviterName": invitation.inviter_name,
        "workspaceName": invitation.workspace_name,
        "name": invitation.name,
        "jobTitle": invitation.job_title,
        "toggles": invitation.toggles,
        "agentIds": list(invitation.agent_ids) if invitation.agent_ids is not None else None,
        "sendEmail": invitation.send_email,
        "sendId": invitation.send_id,
        "tokenHash": invitation.token_hash,
        "acceptedBy": invitation.accepted_by,
        "createdAt": created,
        "expiresAt": expires,
        "updatedAt": iso(invitation.updated_at),
        "version": invitation.version,
    }
    if invitation.is_pending:
        item[keys.GSI1PK] = keys.invitee_pk(invitation.email)
        item[keys.GSI1SK] = f"{keys.INVITE_PREFIX}{created}#{invitation.invitation_id}"
        item[keys.GSI3PK] = keys.expiry_shard_pk(keys.expiry_shard_of(invitation.invitation_id))
        item[keys.GSI3SK] = f"{expires}#{invitation.workspace_id}#{invitation.invitation_id}"
    return item


def invitation_from_item(item: dict[str, Any]) -> Invitation:
    agent_ids = item.get("agentIds")
    return Invitation(
        workspace_id=item["workspaceId"],
        invitation_id=item["invitationId"],
        email=item["email"],
        role=item["role"],
        status=InvitationStatus(item["status"]),
        invited_by=item["invitedBy"],
        inviter_name=item.get("inviterName"),
        workspace_name=item.get("workspaceName", ""),
        name=item.get("name"),
        job_title=item.get("jobTitle"),
        toggles=item.get("toggles", {}),
        agent_ids=tuple(agent_ids) if agent_ids is not None else None,
        send_email=item.get("sendEmail", True),
        send_id=item.get("sendId", 1),
        token_hash=item.get("tokenHash"),
        accepted_by=item.get("acceptedBy"),
        created_at=parse_iso(item["createdAt"]),
        expires_at=parse_iso(item["expiresAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
    )


def token_from_item(item: dict[str, Any]) -> InvitationToken:
    return InvitationToken(
        token_hash=item[keys.PK].removeprefix("INVTOKEN#"),
        workspace_id=item["workspaceId"],
        invitation_id=item["invitationId"],
        state=item["state"],
    )


def transfer_item(transfer: OwnershipTransfer) -> dict[str, Any]:
    return {
        **keys.transfer_key(transfer.workspace_id),
        "entity": "ownership_transfer",
        "workspaceId": transfer.workspace_id,
        "fromUserId": transfer.from_user_id,
        "toUserId": transfer.to_user_id,
        "requestedAt": iso(transfer.requested_at),
        "expiresAt": iso(transfer.expires_at),
        "version": transfer.version,
        # Gone by itself a day after it lapses; until then it reads as expired.
        keys.TTL: int(transfer.expires_at.timestamp()) + 24 * 3600,
    }


def transfer_from_item(item: dict[str, Any]) -> OwnershipTransfer:
    return OwnershipTransfer(
        workspace_id=item["workspaceId"],
        from_user_id=item["fromUserId"],
        to_user_id=item["toUserId"],
        requested_at=parse_iso(item["requestedAt"]),
        expires_at=parse_iso(item["expiresAt"]),
        version=item["version"],
    )
