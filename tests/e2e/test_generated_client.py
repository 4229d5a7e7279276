"""The Python client openapi-python-client generates from docs/openapi.json, driven
against the local runtime as a script managing a team would drive it (docs/api-keys.md):
its functions named by the operationIds, its enums and datetimes read from the document,
problems parsed as problems, pagination by cursor; and an API key, created in the flow,
changing a member's role through the same client (`X-Api-Key`, then
`Authorization: Bearer tsk_...`), with the audit log naming the key as the actor."""

from __future__ import annotations

import datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.sdk import generated_client

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sdk(tmp_path_factory):
    """Generated once for the module (about 2 s)."""
    with generated_client(tmp_path_factory.mktemp("sdk")) as package:
        yield package


def test_a_team_managed_through_the_generated_client(api, sdk):
    api_, m = sdk.api, sdk.models
    owner = sdk.AuthenticatedClient(base_url=api.base, token=api.token("sdk-olive"))
    workspace = api_.workspaces.create_workspace.sync(
        client=owner, body=m.CreateWorkspaceRequest(name="SDK Works", type_=m.WorkspaceType.SIMPLE)
    )
    assert isinstance(workspace, m.WorkspaceOut)
    assert isinstance(workspace.created_at, datetime.datetime)
    assert workspace.created_at.tzinfo is not None
    ws = workspace.workspace_id

    invitation = api_.invitations.create_invitation.sync(
        ws,
        client=owner,
        body=m.CreateInvitationRequest(
            email="sdk-sam@example.com", role=m.BuiltInRole.MEMBER, send_email=False
        ),
        idempotency_key="invite-sam-1",
    )
    assert invitation.status is m.InvitationStatus.PENDING
    assert invitation.role is m.BuiltInRole.MEMBER
    token = parse_qs(urlsplit(invitation.accept_url).query)["token"][0]

    sam = sdk.AuthenticatedClient(
        base_url=api.base, token=api.token("sdk-sam", email="sdk-sam@example.com")
    )
    acceptance = api_.invitations.accept_invitation.sync(
        client=sam, body=m.TokenRequest(token=token)
    )
    assert acceptance.workspace_id == ws
    assert acceptance.member.status is m.MemberStatus.ACTIVE

    changed = api_.roles.change_member_role.sync(
        ws, "sdk-sam", client=owner, body=m.ChangeRoleRequest(role=m.BuiltInRole.MANAGER)
    )
    assert isinstance(changed, m.MemberOut)
    assert changed.role is m.BuiltInRole.MANAGER
    assert sorted(every_member(sdk, owner, ws)) == ["sdk-olive", "sdk-sam"]

    # A refusal is a Problem with its stable code; the status is on the detailed response.
    refused = api_.roles.change_member_role.sync_detailed(
        ws, "sdk-olive", client=sam, body=m.ChangeRoleRequest(role=m.BuiltInRole.MEMBER)
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert isinstance(refused.parsed, m.Problem)
    assert refused.parsed.code
    missing = api_.members.get_member.sync(ws, "nobody-here", client=owner)
    assert isinstance(missing, m.Problem)
    assert missing.code == "MEMBER_NOT_FOUND"

    created = api_.api_keys.create_api_key.sync_detailed(
        ws, client=owner, body=m.CreateApiKeyRequest(name="HR sync", role=m.BuiltInRole.ADMIN)
    )
    assert created.status_code == HTTPStatus.CREATED
    assert created.headers["cache-control"] == "no-store"
    assert isinstance(created.parsed, m.CreatedApiKeyOut)
    assert created.parsed.key.startswith("tsk_local_")
    [listed] = api_.api_keys.list_api_keys.sync(ws, client=owner).items
    assert listed.key_id == created.parsed.key_id
    assert isinstance(listed.created_at, datetime.datetime)

    key_id = a_script_demotes(sdk, api.base, ws, created.parsed.key, "sdk-sam")

    verified = api_.audit_log.verify_audit_log.sync(ws, client=owner)
    assert verified.valid is True
    assert verified.first_invalid_seq is None
    records = api_.audit_log.list_audit_records.sync(ws, client=owner, limit=100).items
    assert verified.records == len(records)
    assert [r.action for r in reversed(records)] == [
        "WorkspaceCreated", "InvitationCreated", "InvitationAccepted", "MemberJoined",
        "MemberRoleChanged", "ApiKeyCreated", "MemberRoleChanged",
    ]  # fmt: skip
    by_key = records[0]
    assert by_key.actor.to_dict() == {"type": "apiKey", "id": key_id}
    assert key_id == created.parsed.key_id
    assert by_key.target.to_dict() == {"type": "member", "id": "sdk-sam"}
    assert by_key.summary.to_dict() | {"role": "developer"} == by_key.summary.to_dict()
    assert all(isinstance(r.occurred_at, datetime.datetime) for r in records)
    a_revoked_key_is_refused_before_any_route(sdk, api.base, ws, owner, created.parsed.key)


def a_script_demotes(sdk, base: str, workspace_id: str, key: str, user_id: str) -> str:
    """What a script holding `key` does: it makes `user_id` a developer (key in
    X-Api-Key), reads them back (key as a bearer token), and is refused outside its
    workspace. The key's id, as the audit log names it."""
    api_, m = sdk.api, sdk.models
    script = sdk.AuthenticatedClient(
        base_url=base, token=key, prefix="", auth_header_name="X-Api-Key"
    )
    demoted = api_.roles.change_member_role.sync(
        workspace_id, user_id, client=script, body=m.ChangeRoleRequest(role=m.BuiltInRole.DEVELOPER)
    )
    assert isinstance(demoted, m.MemberOut), demoted
    assert demoted.role is m.BuiltInRole.DEVELOPER
    as_bearer = sdk.AuthenticatedClient(base_url=base, token=key)
    read = api_.members.get_member.sync(workspace_id, user_id, client=as_bearer)
    assert read.role is m.BuiltInRole.DEVELOPER
    outside = api_.workspaces.list_workspaces.sync_detailed(client=as_bearer)
    assert outside.status_code == HTTPStatus.FORBIDDEN
    assert outside.parsed.code == "API_KEY_NOT_ALLOWED"
    [listed] = api_.api_keys.list_api_keys.sync(workspace_id, client=as_bearer).items
    return listed.key_id


def a_revoked_key_is_refused_before_any_route(sdk, base, workspace_id, owner, key) -> None:
    """A revoked key never reaches a route: the key API's authorizer refuses it with API
    Gateway's own 403 `{"message": "Forbidden"}`, which is no problem, so the generated
    parser (it reads a 403 as a Problem) fails on it (docs/api-keys.md says so)."""
    api_ = sdk.api
    [listed] = api_.api_keys.list_api_keys.sync(workspace_id, client=owner).items
    assert (
        api_.api_keys.revoke_api_key.sync_detailed(
            workspace_id, listed.key_id, client=owner
        ).status_code
        == HTTPStatus.NO_CONTENT
    )
    script = sdk.AuthenticatedClient(base_url=base, token=key)
    raw = script.get_httpx_client().get(f"/v1/workspaces/{workspace_id}/members")
    assert (raw.status_code, raw.json()) == (403, {"message": "Forbidden"})
    with pytest.raises(KeyError):
        api_.members.list_members.sync(workspace_id, client=script)


def every_member(sdk, client, workspace_id: str) -> list[str]:
    """Every member's id, one a page, following nextCursor to the end."""
    seen, cursor = [], sdk.types.UNSET
    while True:
        page = sdk.api.members.list_members.sync(
            workspace_id, client=client, limit=1, cursor=cursor
        )
        seen += [member.user_id for member in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor
