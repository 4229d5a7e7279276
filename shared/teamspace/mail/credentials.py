"""SMTP passwords in AWS Secrets Manager: one secret per workspace
(`<prefix><workspaceId>`, e.g. `teamspace-prod/smtp/ws_...`), one version per password
set, its id chosen by the configuration that names it (`ClientRequestToken`).

The integrations function writes (CreateSecret, PutSecretValue, DeleteSecret) and the
mailer reads (GetSecretValue): the IAM policies grant each side only its half, on the
prefix alone (docs/security.md). A password leaves this module only towards an SMTP
server: never in a log line, an exception or a repr.
"""

from __future__ import annotations

import json
from typing import Any

from teamspace.core.errors import Unavailable


def _code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class SmtpCredentials:
    """The workspace's SMTP password, kept as `{"password": ...}`."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def name(self, workspace_id: str) -> str:
        return f"{self._prefix}{workspace_id}"

    def store(self, workspace_id: str, password: str, version: str) -> None:
        """Keep `password` as the version `version` (the secret is made on first use)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415 - loaded with the client

        value = json.dumps({"password": password})
        try:
            self._client.put_secret_value(
                SecretId=self.name(workspace_id), SecretString=value, ClientRequestToken=version
            )
            return
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
        try:
            self._client.create_secret(
                Name=self.name(workspace_id),
                Description="The SMTP password of a Teamspace workspace",
                SecretString=value,
                ClientRequestToken=version,
            )
        except ClientError as error:
            # A secret deleted a moment ago cannot be made again until Secrets Manager
            # has finished deleting it.
            if _code(error) == "InvalidRequestException":
                raise Unavailable(
                    "SMTP_CREDENTIALS_BUSY",
                    "The previous password is still being deleted; retry in a minute",
                    retry_after=30,
                ) from None
            raise

    def remove(self, workspace_id: str) -> None:
        """Delete the secret with every version, at once (no recovery window: a removed
        password must not linger); nothing to do when there is none."""
        from botocore.exceptions import ClientError  # noqa: PLC0415 - loaded with the client

        try:
            self._client.delete_secret(
                SecretId=self.name(workspace_id), ForceDeleteWithoutRecovery=True
            )
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise

    def read(self, workspace_id: str, version: str) -> str:
        """The password of the version a configuration names (the mailer's side)."""
        found = self._client.get_secret_value(SecretId=self.name(workspace_id), VersionId=version)
        return str(json.loads(found["SecretString"])["password"])
