"""Collaborators, built once per cold start and lazily (a route that needs no table
never creates a client). Tests and the local runtime swap the clock and id generator
through `configure`.

Every service module is imported by the factory that builds it, not by this module:
each function imports only the services it uses (the API key authorizer none of the
domain services, the Roles function not the invitations), which is what keeps its
cold start short (docs/performance.md, table 3).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from teamspace.clock import Clock, SystemClock
from teamspace.ids import IdGenerator, UlidGenerator
from teamspace.settings import get_settings

if TYPE_CHECKING:  # each collaborator's module loads when it is first built
    from teamspace.bus.publisher import OutboxPublisher
    from teamspace.domain.activity import ActivityService
    from teamspace.domain.api_keys import ApiKeyService
    from teamspace.domain.audit import AuditService
    from teamspace.domain.clients import ClientService
    from teamspace.domain.invitations import InvitationService
    from teamspace.domain.key_authorizer import KeyAuthorizer
    from teamspace.domain.membership import MembershipService
    from teamspace.domain.ownership import OwnershipService
    from teamspace.domain.roles import RoleService
    from teamspace.domain.workspaces import WorkspaceService
    from teamspace.mail.mailer import Mailer
    from teamspace.store.table import TeamspaceStore

_clock: Clock = SystemClock()
_ids: IdGenerator = UlidGenerator()


def configure(*, clock: Clock | None = None, ids: IdGenerator | None = None) -> None:
    """Replace the clock or id generator (tests, the local runtime)."""
    global _clock, _ids  # noqa: PLW0603 - process-wide collaborators by design
    if clock is not None:
        _clock = clock
    if ids is not None:
        _ids = ids
    reset()


def reset() -> None:
    """Forget what was built, so the next call builds it again from the environment."""
    for cached in (
        dynamodb_client,
        events_client,
        ses_client,
        store,
        workspaces,
        membership,
        roles,
        ownership,
        invitations,
        publisher,
        mailer,
        audit,
        activity,
        clients,
        api_keys,
        key_authorizer,
    ):
        cached.cache_clear()
    get_settings.cache_clear()


def _client(service: str) -> Any:
    import boto3  # noqa: PLC0415 - imported on first use: it dominates cold start

    return boto3.client(service, region_name=get_settings().region)


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    return _client("dynamodb")


@lru_cache(maxsize=1)
def events_client() -> Any:
    return _client("events")


@lru_cache(maxsize=1)
def ses_client() -> Any:
    return _client("ses")


@lru_cache(maxsize=1)
def store() -> TeamspaceStore:
    from teamspace.store.table import TeamspaceStore  # noqa: PLC0415 - lazy by design

    return TeamspaceStore(dynamodb_client(), get_settings().table_name)


@lru_cache(maxsize=1)
def workspaces() -> WorkspaceService:
    from teamspace.domain.workspaces import WorkspaceService  # noqa: PLC0415 - lazy by design

    return WorkspaceService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def membership() -> MembershipService:
    from teamspace.domain.membership import MembershipService  # noqa: PLC0415 - lazy by design

    return MembershipService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def roles() -> RoleService:
    from teamspace.domain.roles import RoleService  # noqa: PLC0415 - lazy by design

    return RoleService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def ownership() -> OwnershipService:
    from teamspace.domain.ownership import OwnershipService  # noqa: PLC0415 - lazy by design

    return OwnershipService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def invitations() -> InvitationService:
    from teamspace.domain.invitations import InvitationLimits, InvitationService  # noqa: PLC0415 - lazy by design

    settings = get_settings()
    limits = InvitationLimits(
        ttl_days=settings.invitation_ttl_days,
        max_pending_per_workspace=settings.max_pending_invitations,
        sends_per_inviter_per_hour=settings.invites_per_inviter_per_hour,
        accept_url_base=settings.accept_url_base,
    )
    return InvitationService(store(), _clock, _ids, limits)


@lru_cache(maxsize=1)
def publisher() -> OutboxPublisher:
    from teamspace.bus.publisher import OutboxPublisher  # noqa: PLC0415 - lazy by design

    return OutboxPublisher(events_client(), get_settings().event_bus_name)


@lru_cache(maxsize=1)
def mailer() -> Mailer:
    from teamspace.mail.catalogue import MailContext  # noqa: PLC0415 - lazy by design
    from teamspace.mail.mailer import Mailer  # noqa: PLC0415
    from teamspace.mail.sender import SesSender  # noqa: PLC0415

    settings = get_settings()
    sender = SesSender(ses_client(), settings.sender_address, settings.mail_template_prefix)
    return Mailer(store(), sender, MailContext(invitations()), _clock)


@lru_cache(maxsize=1)
def audit() -> AuditService:
    from teamspace.domain.audit import AuditService  # noqa: PLC0415 - lazy by design
    from teamspace.store.audit import AuditStore  # noqa: PLC0415

    settings = get_settings()
    log = AuditStore(dynamodb_client(), settings.table_name)
    return AuditService(log, _clock, settings.audit_retention_days)


@lru_cache(maxsize=1)
def activity() -> ActivityService:
    from teamspace.domain.activity import ActivityService  # noqa: PLC0415 - lazy by design

    return ActivityService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def api_keys() -> ApiKeyService:
    from teamspace.domain.api_keys import ApiKeyService  # noqa: PLC0415 - lazy by design

    return ApiKeyService(store(), _clock, _ids, stage=get_settings().stage)


@lru_cache(maxsize=1)
def key_authorizer() -> KeyAuthorizer:
    from teamspace.domain.key_authorizer import KeyAuthorizer  # noqa: PLC0415 - lazy by design

    return KeyAuthorizer(store(), _clock, get_settings().stage)


@lru_cache(maxsize=1)
def clients() -> ClientService:
    from teamspace.domain.clients import ClientService  # noqa: PLC0415 - lazy by design

    return ClientService(store(), _clock, _ids)


def clock() -> Clock:
    return _clock
