"""`POST /_local/bus`: one event on the local bus, as another service of the platform puts
it there (API.md, "Local runtime additions"). The event goes through moto's EventBridge
like any other: the template's rules match it (the audit intake's takes a source in
AuditSources, the billing function's one in BillingSources, `platform.billing` by
default) and the event chain delivers what they matched."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from teamspace.core.events import EVENT_SOURCE


class BusRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=256)
    detailType: str = Field(min_length=1, max_length=128)
    # Any JSON object: the intake's schema is the consumer's to check, as in AWS.
    detail: dict[str, Any]

    @field_validator("source")
    @classmethod
    def _not_teamspace(cls, source: str) -> str:
        # Teamspace's own events come from its outbox only; another service never
        # speaks as it (the audit chain and the mailer trust that source).
        if source == EVENT_SOURCE:
            raise ValueError("teamspace is Teamspace's own source")
        return source


def put_on_bus(events: Any, bus_name: str, request: BusRequest) -> str:
    """Put the event on `bus_name` (moto's); EventBridge's id for it."""
    response = events.put_events(
        Entries=[
            {
                "EventBusName": bus_name,
                "Source": request.source,
                "DetailType": request.detailType,
                "Detail": json.dumps(request.detail),
            }
        ]
    )
    [entry] = response["Entries"]
    if "EventId" not in entry:  # moto refused it (EventBridge's own limits)
        raise ValueError(entry.get("ErrorMessage", "the bus refused the event"))
    return str(entry["EventId"])
