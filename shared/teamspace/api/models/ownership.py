"""Bodies of the ownership transfer routes (API.md, "Roles and ownership")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from teamspace.api.identity import USER_ID_PATTERN
from teamspace.api.models.fields import RequestModel, ResponseModel, Timestamp, example
from teamspace.api.models.members import MemberOut, member_out
from teamspace.api.models.workspaces import WorkspaceOut, workspace_out
from teamspace.core.clock import iso
from teamspace.core.records import OwnershipTransfer
from teamspace.domain.ownership import Transferred
from teamspace.permissions import OWNER


class TransferRequest(RequestModel):
    model_config = example({"newOwnerId": "user-bob", "confirmName": "Acme"})

    newOwnerId: Annotated[str, StringConstraints(pattern=USER_ID_PATTERN)]
    confirmName: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class TransferOut(ResponseModel):
    workspaceId: str
    fromUserId: str
    toUserId: str
    status: Literal["pending"]
    requestedAt: Timestamp
    expiresAt: Timestamp


def transfer_out(transfer: OwnershipTransfer) -> dict[str, Any]:
    return TransferOut(
        workspaceId=transfer.workspace_id,
        fromUserId=transfer.from_user_id,
        toUserId=transfer.to_user_id,
        status="pending",
        requestedAt=iso(transfer.requested_at),
        expiresAt=iso(transfer.expires_at),
    ).model_dump()


class TransferredOut(ResponseModel):
    workspace: WorkspaceOut
    owner: MemberOut


def transferred_out(result: Transferred) -> dict[str, Any]:
    return {
        "workspace": workspace_out(result.workspace, OWNER),
        "owner": member_out(result.new_owner),
    }
