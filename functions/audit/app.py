"""Audit: the workspace's log, newest first and filtered; its verification; its export
(routes in template.yaml). Owners and admins (`audit:view`) only."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from teamspace import wiring
from teamspace.api.models.audit import (
    AuditRecordOut,
    VerificationOut,
    export_page,
    log_query,
    record_out,
    verification_out,
)
from teamspace.api.models.fields import PageOut
from teamspace.api.openapi import EXPORT_PAGE_HEADERS, ok, text
from teamspace.api.params import Cursor, Limit, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)

Text = Annotated[str | None, Query(min_length=1, max_length=200)]
# `from` and `to`: ISO 8601 instants (the document says so; models/audit.py reads them).
AN_INSTANT: dict = {
    "description": "An ISO 8601 instant, e.g. 2026-11-22T10:00:00Z",
    "json_schema_extra": {"format": "date-time"},
}
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
Format = Annotated[
    str,
    Query(
        alias="format",
        pattern=r"^(jsonl|csv)$",
        description="jsonl or csv",
        json_schema_extra={"enum": list(MEDIA_TYPES)},
    ),
]


VerifyCursor = Annotated[
    str | None,
    Query(max_length=400, description="From a previous verification's nextCursor"),
]


@app.get(
    "/v1/workspaces/<workspaceId>/audit-log",
    responses=ok(PageOut[AuditRecordOut], "Records, newest first"),
)
def list_audit_log(
    workspaceId: WorkspaceId,
    actor: Text = None,
    action: Text = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40, **AN_INSTANT)] = None,
    to: Annotated[str | None, Query(max_length=40, **AN_INSTANT)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query = log_query(actor, action, from_, to)
    page = wiring.audit().page(current_caller(app), workspaceId, query, limit=limit, cursor=cursor)
    return {
        "items": [record_out(r) for r in page.items],
        "nextCursor": page.next_cursor,
    }


@app.get("/v1/workspaces/<workspaceId>/audit-log/verify", responses=ok(VerificationOut))
def verify_audit_log(workspaceId: WorkspaceId, cursor: VerifyCursor = None) -> dict[str, Any]:
    result = wiring.audit().verify(current_caller(app), workspaceId, cursor)
    return verification_out(result)


ExportCursor = Annotated[
    str | None,
    Query(max_length=2048, description="From a previous page's Next-Cursor header"),
]


@app.get(
    "/v1/workspaces/<workspaceId>/audit-log/export",
    responses=text(
        list(MEDIA_TYPES.values()),
        "A page of the log, oldest first, every record with all its hashed fields",
        headers=EXPORT_PAGE_HEADERS,
    ),
)
def export_audit_log(
    workspaceId: WorkspaceId, export_format: Format = "jsonl", cursor: ExportCursor = None
):
    """The log in pages of at most 2 MB, each whole records (Lambda answers at most 6 MB;
    docs/audit.md, "Exporting the log"): the next page's cursor in `Next-Cursor` and in
    `Link: <...>; rel="next"`, neither on the last page."""
    audit = wiring.audit()
    records = audit.export(current_caller(app), workspaceId, cursor)
    page = export_page(records, export_format, first=cursor is None)
    name = f"audit-{workspaceId}.{export_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if page.more and page.last is not None:
        after = audit.resume_after(page.last)
        headers["Next-Cursor"] = after
        # A reference relative to this request's own URL (RFC 8288, RFC 3986 5.2): the
        # same path, whatever stage or domain it was called through.
        query = urlencode({"format": export_format, "cursor": after})
        headers["Link"] = f'<?{query}>; rel="next"'
    return Response(200, MEDIA_TYPES[export_format], body=page.body, headers=headers)


lambda_handler = http_handler(app)
