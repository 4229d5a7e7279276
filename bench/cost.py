"""Table 5: what one million of each main operation costs, from the measured counts and
AWS's published on-demand list prices (us-east-1).

Per operation: the HTTP API request, the function's invocation and its duration at its
memory size (template.yaml), and the DynamoDB request units it consumed (measured,
bench/capacity.py). Then what its events cost downstream (the outbox events it wrote,
counted): the stream is read by the publisher (stream reads by Lambda are free; one
publisher invocation per operation, an upper bound, as batching shares them), one
EventBridge event per outbox event, and per event each consumer whose rule matches it:
the audit chain for every event (SQS standard send, receive and delete, the consumer's
invocation and its DynamoDB units), the mailer for the mail-sending events (with one SES
email), the client-access consumer for removals.

Durations are the measured warm medians in-process against moto, so they include moto's
own time: an upper bound of what Lambda would bill (a real DynamoDB round trip costs
milliseconds of waiting, but less than moto's emulation here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from local_runtime.template import Template

PRICES_AS_OF = "2025-07 (us-east-1 list prices; DynamoDB on-demand after its 2024-11-01 cut)"
PRICES = {
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second_arm64": 0.0000133334,
    "http_api_request": 1.00 / 1_000_000,  # first 300 million a month
    "dynamodb_wru": 0.625 / 1_000_000,
    "dynamodb_rru": 0.125 / 1_000_000,
    "eventbridge_event": 1.00 / 1_000_000,  # custom events published
    "sqs_request": 0.40 / 1_000_000,  # standard queues, after the first 1M a month
    "ses_email": 0.10 / 1_000,
}
PRICE_NOTES = [
    ("AWS Lambda requests", "$0.20 per 1M requests"),
    ("AWS Lambda duration, arm64", "$0.0000133334 per GB-second"),
    ("API Gateway HTTP API", "$1.00 per 1M requests (first 300M a month)"),
    ("DynamoDB on-demand writes", "$0.625 per 1M write request units"),
    ("DynamoDB on-demand reads", "$0.125 per 1M read request units"),
    ("EventBridge custom events", "$1.00 per 1M events published"),
    ("SQS standard requests", "$0.40 per 1M requests"),
    ("SES outbound email", "$0.10 per 1,000 emails"),
]

# The main operations: scenario labels (bench/scenarios.py).
MAIN = {
    "invite": "POST /v1/workspaces/{workspaceId}/invitations",
    "accept": "POST /v1/invitations/accept",
    "list members (page of 50)": "GET /v1/workspaces/{workspaceId}/members",
    "change role": "PUT /v1/workspaces/{workspaceId}/members/{userId}/role",
    "authorize check": "POST /v1/workspaces/{workspaceId}/authorize",
}
PUBLISHER = "EventPublisherFunction (one outbox record)"
AUDIT = "AuditConsumerFunction (one event)"
MAILER = "MailerFunction (InvitationCreated)"
CLIENT_ACCESS = "ClientAccessFunction (MemberRemoved, one assignment)"
SQS_REQUESTS_PER_EVENT = 3  # EventBridge's send, the poller's receive and delete


@dataclass
class Measured:
    """What the cost needs of one scenario's measurements."""

    function: str
    rru: float
    wru: float
    p50_seconds: float
    events: list[str] = field(default_factory=list)
    emails: float = 0.0


@dataclass
class CostRow:
    operation: str
    rru: float
    wru: float
    events: list[str]
    dollars: dict[str, float]  # per million operations, by line

    @property
    def total(self) -> float:
        return sum(self.dollars.values())


def memory_mb(template: Template, logical_id: str) -> int:
    globals_ = template.raw.get("Globals", {}).get("Function", {})
    properties = template.resources[logical_id]["Properties"]
    return int(properties.get("MemorySize", globals_.get("MemorySize", 128)))


def lambda_cost(template: Template, measured: Measured) -> float:
    """One invocation: the request and its duration, billed by the millisecond."""
    billed = math.ceil(measured.p50_seconds * 1000) / 1000
    gb_seconds = memory_mb(template, measured.function) / 1024 * billed
    return PRICES["lambda_request"] + gb_seconds * PRICES["lambda_gb_second_arm64"]


def dynamodb_cost(measured: Measured) -> float:
    return measured.rru * PRICES["dynamodb_rru"] + measured.wru * PRICES["dynamodb_wru"]


def rule_detail_types(template: Template, logical_id: str) -> set[str] | None:
    """The detail-types a function's EventBridge rule takes (None: every one)."""
    for event in template.resources[logical_id]["Properties"].get("Events", {}).values():
        if event["Type"] == "EventBridgeRule":
            types = event["Properties"].get("Pattern", {}).get("detail-type")
            return set(types) if types else None
    return set()


def estimate(template: Template, measured: dict[str, Measured]) -> list[CostRow]:
    mailer_types = rule_detail_types(template, "MailerFunction") or set()
    client_access_types = rule_detail_types(template, "ClientAccessFunction") or set()
    rows = []
    for operation, label in MAIN.items():
        if label not in measured:
            continue
        call = measured[label]
        per_op: dict[str, float] = {
            "HTTP API": PRICES["http_api_request"],
            "Lambda": lambda_cost(template, call),
            "DynamoDB": dynamodb_cost(call),
            "EventBridge": 0.0,
            "SQS": 0.0,
            "consumers' Lambda": 0.0,
            "consumers' DynamoDB": 0.0,
            "SES": 0.0,
        }
        if call.events:
            per_op["consumers' Lambda"] += lambda_cost(template, measured[PUBLISHER])
        for detail_type in call.events:
            per_op["EventBridge"] += PRICES["eventbridge_event"]
            per_op["SQS"] += SQS_REQUESTS_PER_EVENT * PRICES["sqs_request"]
            consumers = [measured[AUDIT]]
            if detail_type in mailer_types:
                consumers.append(measured[MAILER])
                per_op["SES"] += measured[MAILER].emails * PRICES["ses_email"]
            if detail_type in client_access_types:
                consumers.append(measured[CLIENT_ACCESS])
            for consumer in consumers:
                per_op["consumers' Lambda"] += lambda_cost(template, consumer)
                per_op["consumers' DynamoDB"] += dynamodb_cost(consumer)
        rows.append(
            CostRow(
                operation,
                call.rru,
                call.wru,
                list(call.events),
                {line: value * 1_000_000 for line, value in per_op.items()},
            )
        )
    return rows


def measured_from(results: dict[str, Any]) -> dict[str, Measured]:
    """The cost inputs of runner results (bench/runner.py), by scenario label."""
    found = {}
    for label, result in results.items():
        found[label] = Measured(
            function=result.scenario.function,
            rru=result.mean("rru"),
            wru=result.mean("wru"),
            p50_seconds=percentile(result.seconds, 50),
            events=list(result.first.events),
            emails=result.mean("emails"),
        )
    return found


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
