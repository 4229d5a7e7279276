"""The composition root: every function's collaborators, built once per cold start and
lazily (a route that needs no table never creates a client).

What is built lives in one `Root`: its clock, its id generator and everything made
from them. Tests and the local runtime start a new one with `configure` (their own
clock and ids) or `reset` (the same ones, settings read again), so nothing built under
one configuration outlives it, and no factory can be forgotten by a reset.

Every service module is imported by the factory that builds it, not by this module:
each function imports only the services it uses (the API key authorizer none of the
domain services, the Roles function not the invitations), which is what keeps its
cold start short (docs/performance.md, table 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from teamspace.core.clock import Clock, SystemClock
from teamspace.core.ids import IdGenerator, UlidGenerator
from teamspace.core.settings import get_settings

if TYPE_CHECKING:  # each collaborator's module loads when it is first built
    from teamspace.bus.audit_intake import AuditIntake
    from teamspace.bus.publisher import OutboxPublisher
    from teamspace.core.retry import Retrying
    from teamspace.domain.accounts import AccountService
    from teamspace.domain.activity import ActivityService
    from teamspace.domain.api_keys import ApiKeyService
    from teamspace.domain.audit import AuditService
    from teamspace.domain.client_handover import ClientHandOver
    from teamspace.domain.client_staff import ClientStaff
    from teamspace.domain.clients import ClientService
    from teamspace.domain.identity_provider import IdentityProvider
    from teamspace.domain.invitation_answers import InvitationAnswers
    from teamspace.domain.invitation_expiry import InvitationExpiry
    from teamspace.domain.invitation_links import InvitationLinks
    from teamspace.domain.invitation_steps import InvitationLimits
    from teamspace.domain.invitations import InvitationService
    from teamspace.domain.key_authorizer import KeyAuthorizer
    from teamspace.domain.member_departures import MemberDepartures
    from teamspace.domain.membership import MembershipService
    from teamspace.domain.ownership import OwnershipService
    from teamspace.domain.roles import RoleService
    from teamspace.domain.smtp_integrations import SmtpIntegrations
    from teamspace.domain.workspace_standing import WorkspaceStanding
    from teamspace.domain.workspaces import WorkspaceService
    from teamspace.mail.credentials import SmtpCredentials
    from teamspace.mail.mailer import Mailer
    from teamspace.mail.smtp import SmtpConnector
    from teamspace.mail.smtp_check import SmtpCheck
    from teamspace.store.table import TeamspaceStore


@dataclass
class Root:
    """One configuration's clock and ids, and what has been built with them."""

    clock: Clock = field(default_factory=SystemClock)
    ids: IdGenerator = field(default_factory=UlidGenerator)
    built: dict[str, Any] = field(default_factory=dict)


_root = Root()


def configure(*, clock: Clock | None = None, ids: IdGenerator | None = None) -> None:
    """Start again with this clock and id generator (tests, the local runtime); the
    ones not given stay."""
    global _root  # noqa: PLW0603 - the one root of a process, replaced whole
    _root = Root(clock or _root.clock, ids or _root.ids)
    get_settings.cache_clear()


def reset() -> None:
    """Forget what was built, so the next call builds it again from the environment."""
    configure()


def clock() -> Clock:
    return _root.clock


def built() -> frozenset[str]:
    """The collaborators the current root has built (what a cold start made)."""
    return frozenset(_root.built)


def ids() -> IdGenerator:
    return _root.ids


def _once[T](build: Callable[[], T]) -> Callable[[], T]:
    """Build with the current root the first time, then return what it built."""

    @wraps(build)
    def built() -> T:
        made = _root.built.get(build.__name__)
        if made is None:
            made = _root.built[build.__name__] = build()
        return made

    return built


# botocore's retries, made explicit so that the time a request can take is known.
# DynamoDB's: none of botocore's own. core/retry.py retries the whole read-decide-write
# cycle on a conflict or a throttle, within the function's deadline and pausing on the
# root's clock; botocore's loop, inside it, would multiply the attempts and sleep where
# no deadline is seen (docs/decisions.md, "Contention and throttling"). The other
# services' calls are single requests botocore may resend: its standard mode, 3 attempts.
CLIENT_CONFIG = {
    "dynamodb": {
        "retries": {"mode": "standard", "total_max_attempts": 1},
        "connect_timeout": 1,
        "read_timeout": 5,
    },
}
DEFAULT_CLIENT_CONFIG = {
    "retries": {"mode": "standard", "total_max_attempts": 3},
    "connect_timeout": 2,
    "read_timeout": 10,
}


def _client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - imported on first use: it dominates cold start
    from botocore.config import Config  # noqa: PLC0415 - loaded with boto3

    config = Config(**CLIENT_CONFIG.get(service, DEFAULT_CLIENT_CONFIG))
    return boto3.client(service, region_name=get_settings().region, config=config)


@_once
def retrying() -> Retrying:
    """The retry policy, pausing on this root's clock (core/retry.py)."""
    from teamspace.core.retry import Retrying  # noqa: PLC0415 - lazy by design

    return Retrying(clock().sleep)


@_once
def dynamodb_client() -> Any:
    return _client("dynamodb")


@_once
def events_client() -> Any:
    return _client("events")


@_once
def ses_client() -> Any:
    return _client("ses")


@_once
def secrets_client() -> Any:
    return _client("secretsmanager")


@_once
def sqs_client() -> Any:
    return _client("sqs")


@_once
def store() -> TeamspaceStore:
    from teamspace.store.table import TeamspaceStore  # noqa: PLC0415 - lazy by design

    return TeamspaceStore(dynamodb_client(), get_settings().table_name, retrying())


@_once
def workspaces() -> WorkspaceService:
    from teamspace.domain.workspaces import WorkspaceService  # noqa: PLC0415 - lazy by design

    return WorkspaceService(store(), clock(), ids())


@_once
def cognito_client() -> Any:
    return _client("cognito-idp")


def identity_provider() -> IdentityProvider | None:
    """The stack's user pool as the identity-provider port; None with another issuer."""
    return _cognito_provider() if get_settings().user_pool_id else None


@_once
def _cognito_provider() -> IdentityProvider:
    from teamspace.idp.cognito import CognitoIdentityProvider  # noqa: PLC0415 - lazy by design

    return CognitoIdentityProvider(cognito_client(), get_settings().user_pool_id)


@_once
def membership() -> MembershipService:
    from teamspace.domain.membership import MembershipService  # noqa: PLC0415 - lazy by design

    return MembershipService(store(), clock(), ids(), idp=identity_provider())


@_once
def member_departures() -> MemberDepartures:
    from teamspace.domain.member_departures import MemberDepartures  # noqa: PLC0415

    kept_for = timedelta(days=get_settings().removed_member_retention_days)
    return MemberDepartures(
        store(), clock(), ids(), idp=identity_provider(), removed_kept_for=kept_for
    )


@_once
def accounts() -> AccountService:
    from teamspace.domain.accounts import AccountService  # noqa: PLC0415 - lazy by design

    return AccountService(
        store(),
        clock(),
        ids(),
        idp=identity_provider(),
        password_min_length=get_settings().password_min_length,
    )


@_once
def roles() -> RoleService:
    from teamspace.domain.roles import RoleService  # noqa: PLC0415 - lazy by design

    return RoleService(store(), clock(), ids())


@_once
def ownership() -> OwnershipService:
    from teamspace.domain.ownership import OwnershipService  # noqa: PLC0415 - lazy by design

    return OwnershipService(store(), clock(), ids())


def _invitation_limits() -> InvitationLimits:
    from teamspace.domain.invitation_steps import InvitationLimits  # noqa: PLC0415

    settings = get_settings()
    return InvitationLimits(
        ttl_days=settings.invitation_ttl_days,
        max_pending_per_workspace=settings.max_pending_invitations,
        sends_per_inviter_per_hour=settings.invites_per_inviter_per_hour,
        accept_url_base=settings.accept_url_base,
    )


@_once
def invitations() -> InvitationService:
    """The inviter's side: create, bulk, list, resend, revoke."""
    from teamspace.domain.invitations import InvitationService  # noqa: PLC0415 - lazy by design

    return InvitationService(store(), clock(), ids(), _invitation_limits())


@_once
def invitation_answers() -> InvitationAnswers:
    """The invitee's side: their pending invitations, accept, decline."""
    from teamspace.domain.invitation_answers import InvitationAnswers  # noqa: PLC0415

    return InvitationAnswers(store(), clock(), ids(), _invitation_limits())


@_once
def invitation_links() -> InvitationLinks:
    """The mailer's side: a link for each send."""
    from teamspace.domain.invitation_links import InvitationLinks  # noqa: PLC0415

    return InvitationLinks(store(), clock(), ids(), _invitation_limits())


@_once
def invitation_expiry() -> InvitationExpiry:
    """The scheduler's side: expire what is due."""
    from teamspace.domain.invitation_expiry import InvitationExpiry  # noqa: PLC0415

    return InvitationExpiry(store(), clock(), ids(), _invitation_limits())


@_once
def publisher() -> OutboxPublisher:
    from teamspace.bus.publisher import OutboxPublisher  # noqa: PLC0415 - lazy by design

    settings = get_settings()
    return OutboxPublisher(
        events_client(), settings.event_bus_name, sqs_client(), settings.publisher_dead_letter_queue
    )


@_once
def mailer() -> Mailer:
    from teamspace.mail.catalogue import MailContext  # noqa: PLC0415 - lazy by design
    from teamspace.mail.mailer import Mailer  # noqa: PLC0415
    from teamspace.mail.sender import SesSender  # noqa: PLC0415

    settings = get_settings()
    sender = SesSender(ses_client(), settings.sender_address)
    context = MailContext(invitation_links(), accounts(), settings.app_url)
    return Mailer(store(), sender, context, clock(), smtp=smtp_connector())


@_once
def smtp_credentials() -> SmtpCredentials:
    """The workspaces' SMTP passwords in Secrets Manager: the integrations function
    writes them, the mailer reads them (each role allows only its half)."""
    from teamspace.mail.credentials import SmtpCredentials  # noqa: PLC0415 - lazy by design

    return SmtpCredentials(secrets_client(), get_settings().smtp_secret_prefix)


@_once
def smtp_integrations() -> SmtpIntegrations:
    from teamspace.domain.smtp_integrations import SmtpIntegrations  # noqa: PLC0415

    return SmtpIntegrations(
        store(),
        clock(),
        ids(),
        credentials=smtp_credentials(),
        allow_private_hosts=get_settings().smtp_allow_private_hosts,
    )


@_once
def smtp_connector() -> SmtpConnector:
    from teamspace.mail.smtp import SmtpConnector  # noqa: PLC0415 - lazy by design

    return SmtpConnector(
        smtp_credentials(), allow_private_hosts=get_settings().smtp_allow_private_hosts
    )


@_once
def smtp_check() -> SmtpCheck:
    """The test message through a workspace's SMTP server (the mailer's route)."""
    from teamspace.mail.smtp_check import SmtpCheck  # noqa: PLC0415 - lazy by design

    return SmtpCheck(smtp_integrations(), smtp_connector(), clock())


@_once
def audit() -> AuditService:
    from teamspace.domain.audit import AuditService  # noqa: PLC0415 - lazy by design

    return AuditService(store(), clock(), get_settings().audit_retention_days)


@_once
def audit_intake() -> AuditIntake:
    """Another service's events onto the chain; refusals to the intake's dead letters."""
    from teamspace.bus.audit_intake import AuditIntake  # noqa: PLC0415 - lazy by design

    return AuditIntake(audit(), sqs_client(), get_settings().audit_intake_dead_letter_queue)


@_once
def activity() -> ActivityService:
    from teamspace.domain.activity import ActivityService  # noqa: PLC0415 - lazy by design

    return ActivityService(store(), clock(), ids())


@_once
def api_keys() -> ApiKeyService:
    from teamspace.domain.api_keys import ApiKeyService  # noqa: PLC0415 - lazy by design

    return ApiKeyService(store(), clock(), ids(), stage=get_settings().stage)


@_once
def key_authorizer() -> KeyAuthorizer:
    from teamspace.domain.key_authorizer import KeyAuthorizer  # noqa: PLC0415 - lazy by design

    settings = get_settings()
    return KeyAuthorizer(
        store(),
        clock(),
        ids(),
        stage=settings.stage,
        rate_per_minute=settings.api_key_rate_per_minute,
    )


@_once
def clients() -> ClientService:
    from teamspace.domain.clients import ClientService  # noqa: PLC0415 - lazy by design

    return ClientService(store(), clock(), ids())


@_once
def client_staff() -> ClientStaff:
    from teamspace.domain.client_staff import ClientStaff  # noqa: PLC0415 - lazy by design

    return ClientStaff(store(), clock(), ids())


@_once
def client_handover() -> ClientHandOver:
    from teamspace.domain.client_handover import ClientHandOver  # noqa: PLC0415

    return ClientHandOver(store(), clock(), ids())


@_once
def workspace_standing() -> WorkspaceStanding:
    """The billing service's suspensions and reactivations (the billing consumer)."""
    from teamspace.domain.workspace_standing import WorkspaceStanding  # noqa: PLC0415

    return WorkspaceStanding(store(), clock(), ids())
