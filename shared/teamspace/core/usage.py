"""The contract of `MinutesUsed`, which the platform's billing service puts on the bus
(API.md, "Workspace lifecycle": `{workspaceId, minutes, usageId}`, source in
`BillingSources`): minutes a client workspace used, each `usageId` counted once.

Checked before anything is read: a detail that fails is refused whole (the consumer
fails it and EventBridge dead-letters it), never counted in part.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from teamspace.core.errors import InvalidInput
from teamspace.core.ids import WORKSPACE_ID

# One report of use, at most: a month has 44,640 minutes; a report is of one call or one
# batch of them, so a million minutes in one is a mistake, not use.
MAX_MINUTES_PER_REPORT = 1_000_000
# The usage id keys its marker item: printable, no `#`, at most 128 characters.
USAGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,127}$"


class MinutesUsed(BaseModel):
    """One report of minutes a client workspace used."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    workspaceId: Annotated[str, StringConstraints(pattern=WORKSPACE_ID.pattern)]
    minutes: Annotated[int, Field(strict=True, ge=1, le=MAX_MINUTES_PER_REPORT)]
    usageId: Annotated[str, StringConstraints(pattern=USAGE_ID_PATTERN)]


def minutes_used(detail: Any) -> MinutesUsed:
    """The report in a bus event's `detail`; InvalidInput naming the fields otherwise."""
    try:
        return MinutesUsed.model_validate(detail)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "detail" for e in error.errors()})
        raise InvalidInput(
            "INVALID_MINUTES_USED", f"MinutesUsed refused: {', '.join(fields)}"
        ) from error
