"""The SES adapter: one templated send. Templates live in template.yaml (AWS::SES::Template).

SES v1's SendTemplatedEmail is used rather than SES v2's SendEmail with template content:
both read the same account-level templates, and v1's call is the one moto emulates,
so the send path that runs in tests and locally is the one that runs in AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    template: str  # the key: "invitation" -> template "<prefix>invitation"
    data: dict[str, str]


class SesSender:
    def __init__(self, client: Any, source: str, template_prefix: str) -> None:
        self._client = client
        self._source = source
        self._prefix = template_prefix

    def template_name(self, key: str) -> str:
        return f"{self._prefix}{key}"

    def send(self, mail: Mail) -> str:
        response = self._client.send_templated_email(
            Source=self._source,
            Destination={"ToAddresses": [mail.to]},
            Template=self.template_name(mail.template),
            TemplateData=json.dumps(mail.data),
        )
        return response["MessageId"]
