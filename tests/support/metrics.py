"""What a handler printed as CloudWatch EMF (Powertools Metrics in Lambda prints its
metrics as JSON lines on stdout; CloudWatch Logs turns them into metrics)."""

from __future__ import annotations

import json
from typing import Any


def emf_documents(printed: str) -> list[dict[str, Any]]:
    """The EMF documents among the lines a handler printed (log lines are JSON too)."""
    found = []
    for line in printed.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            found.append(document)
    return found
