"""A workspace's own SMTP server (API.md, "Workspace integrations and branding"):
configure, read, remove, and the test message's admission and record.

The password is kept in Secrets Manager, one secret per workspace, never in the table,
an event, an audit record, a log or a reply. This service only writes it (through the
`SmtpCredentialWriter` port): the mailer's role is the one that reads it. Each password
written is a new version of the secret, named by the configuration that uses it, so
the table and the secret never disagree about which password goes with which server:
- configuring writes the new version first, then commits the configuration naming it;
  a commit that fails leaves the table on the version it named before (still there);
- removing a password (a configuration without AUTH, or a removal) deletes the secret
  first, then commits; a commit that fails then leaves a configuration whose password
  is gone, so its mail fails (retried, then dead-lettered) until the next change, but a
  password is never left behind in Secrets Manager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from teamspace.core import errors
from teamspace.core.clock import Clock
from teamspace.core.errors import Conflict, FieldError, InvalidInput, Unavailable
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import SmtpIntegration, SmtpSecurity, Workspace
from teamspace.domain.access import Access, admit
from teamspace.domain.service import DomainService
from teamspace.domain.smtp_hosts import Resolver, resolve, vet_host
from teamspace.permissions import Feature, Permission
from teamspace.store import integrations as integration_store
from teamspace.store import snapshots
from teamspace.store.table import TeamspaceStore


class SmtpCredentialWriter(Protocol):
    """Where SMTP passwords are kept (Secrets Manager): written here, never read."""

    def store(self, workspace_id: str, password: str, version: str) -> None:
        """Keep `password` as the version `version` of the workspace's secret."""

    def remove(self, workspace_id: str) -> None:
        """Delete the workspace's secret, every version of it, at once."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """A PUT's configuration. `password` None keeps the stored one (with a username)."""

    host: str
    port: int
    security: SmtpSecurity
    from_address: str
    username: str | None = None
    from_name: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr or a log


@dataclass(frozen=True, slots=True)
class SmtpUnderTest:
    """What a test message needs: the workspace (its branding) and its configuration."""

    workspace: Workspace
    integration: SmtpIntegration


class SmtpIntegrations(DomainService):
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        credentials: SmtpCredentialWriter | None,
        allow_private_hosts: bool,
        resolver: Resolver = resolve,
    ) -> None:
        super().__init__(store, clock, ids)
        self.credentials = credentials
        self.allow_private_hosts = allow_private_hosts
        self.resolver = resolver

    def _enter(self, caller: Caller, workspace_id: str) -> tuple[Access, SmtpIntegration | None]:
        """The caller's access, with `integrations:manage`, and the configuration: one read."""
        key = integration_store.smtp_key(workspace_id)
        snapshot = snapshots.load(self.store, workspace_id, [caller.user_id], also=[key])
        access = admit(self.store, caller, snapshot)
        access.require(Permission.INTEGRATIONS_MANAGE)
        return access, integration_store.smtp_in(snapshot, workspace_id)

    def configure(
        self, caller: Caller, workspace_id: str, settings: SmtpSettings
    ) -> SmtpIntegration:
        """Set the workspace's SMTP server; its mail goes through it from now on. Needs
        a plan with smtpIntegration (one configured before a downgrade can still be
        read and removed, never changed nor tested, and the mail goes through SES)."""
        access, current = self._enter(caller, workspace_id)
        access.entitled(Feature.SMTP_INTEGRATION)
        vet_host(
            settings.host,
            settings.port,
            allow_private=self.allow_private_hosts,
            resolver=self.resolver,
        )
        if (
            settings.security is SmtpSecurity.NONE
            and settings.username is not None
            and not self.allow_private_hosts
        ):
            # A login over plain SMTP would cross the internet in clear text; the
            # relays `none` is for (on a private network) only exist where the stage
            # allows private hosts.
            raise InvalidInput(
                "VALIDATION_FAILED",
                "A username and password are sent only over TLS: use starttls or tls",
                fields=[FieldError("security", "starttls or tls, with a login")],
            )
        password_version = self._password_version(workspace_id, settings, current)
        now = self.clock.now()
        integration = SmtpIntegration(
            workspace_id=workspace_id,
            host=settings.host,
            port=settings.port,
            security=settings.security,
            username=settings.username,
            from_address=settings.from_address,
            from_name=settings.from_name,
            password_version=password_version,
            created_at=current.created_at if current else now,
            updated_at=now,
            updated_by=caller.user_id,
            version=current.version + 1 if current else 1,
        )
        data = {
            "host": integration.host,
            "port": integration.port,
            "security": integration.security.value,
            "fromAddress": integration.from_address,
            "fromName": integration.from_name,
            "authenticated": integration.authenticated,
            "passwordChanged": settings.password is not None,
        }
        self.store.commit(
            [
                integration_store.put_smtp(integration, current.version if current else None),
                *access.guards(),
                self.event(
                    DetailType.SMTP_INTEGRATION_CONFIGURED, workspace_id, access.by, data, now
                ),
            ]
        )
        if password_version is None and current is not None and current.password_version:
            # Only once no configuration names it: a commit refused for a conflict
            # leaves the stored configuration with a password that still opens.
            self._writer().remove(workspace_id)
        return integration

    def _password_version(
        self, workspace_id: str, settings: SmtpSettings, current: SmtpIntegration | None
    ) -> str | None:
        """The secret's version the new configuration names: a new one for a new
        password, the stored one kept for the same login without one, none without a
        username (the stored password is then deleted, after the commit)."""
        if settings.username is None:
            if settings.password is not None:
                raise InvalidInput(
                    "VALIDATION_FAILED",
                    "A password goes with a username",
                    fields=[FieldError("username", "required with a password")],
                )
            return None  # the stored password goes once the change is committed
        if settings.password is not None:
            version = self.ids.new("smtppw")
            self._writer().store(workspace_id, settings.password, version)
            return version
        if current is None or current.password_version is None:
            raise InvalidInput(
                "VALIDATION_FAILED",
                "No password is stored for this server yet: send one with the username",
                fields=[FieldError("password", "required: none is stored")],
            )
        return current.password_version

    def get(self, caller: Caller, workspace_id: str) -> SmtpIntegration:
        _, current = self._enter(caller, workspace_id)
        if current is None:
            raise errors.smtp_not_configured()
        return current

    def remove(self, caller: Caller, workspace_id: str) -> None:
        """Remove the configuration (and its password): mail goes through SES again."""
        access, current = self._enter(caller, workspace_id)
        if current is None:
            # A removal that committed and then failed to delete the password is
            # finished by its retry: the 404 comes after the secret is gone.
            self._writer().remove(workspace_id)
            raise errors.smtp_not_configured()
        now = self.clock.now()
        self.store.commit(
            [
                integration_store.delete_smtp(current),
                *access.guards(),
                self.event(
                    DetailType.SMTP_INTEGRATION_REMOVED,
                    workspace_id,
                    access.by,
                    {"host": current.host},
                    now,
                ),
            ]
        )
        # After the commit: a commit refused for a conflict must leave the configuration
        # with a password that still opens, never one whose secret is gone.
        self._writer().remove(workspace_id)

    def under_test(self, caller: Caller, workspace_id: str) -> SmtpUnderTest:
        """Admit a test message: the caller manages integrations, one is configured, and
        the plan has smtpIntegration (sending through it is using it)."""
        access, current = self._enter(caller, workspace_id)
        access.entitled(Feature.SMTP_INTEGRATION)
        if current is None:
            raise errors.smtp_not_configured()
        return SmtpUnderTest(access.shown, current)

    def record_test(self, integration: SmtpIntegration, at: datetime, error: str | None) -> None:
        """The test message's outcome, on the configuration tested. One changed or
        removed meanwhile keeps its own state: the outcome is dropped."""
        try:
            self.store.commit([integration_store.record_test(integration, at, error)])
        except (Conflict, Unavailable):
            # Changed meanwhile, or the table kept refusing it: the message was sent, so
            # the route must not run again (and send it twice) for its record.
            return

    def _writer(self) -> SmtpCredentialWriter:
        if self.credentials is None:  # the mailer's side reads configurations only
            raise RuntimeError("this service was built without a credential writer")
        return self.credentials
