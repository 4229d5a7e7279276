"""The environment is read once and checked: a misconfigured stage fails at its first
request with a message that names the variable, instead of running half-configured."""

from __future__ import annotations

import pytest

from teamspace.core.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch):
    for name in (
        "TABLE_NAME",
        "AUDIT_RETENTION_DAYS",
        "MAX_BODY_BYTES",
        "STAGE",
        "AWS_REGION",
        "SMTP_ALLOW_PRIVATE_HOSTS",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_apply_when_only_the_table_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "teamspace-dev")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    settings = get_settings()
    assert settings.table_name == "teamspace-dev"
    assert settings.region == "eu-west-1"
    assert settings.stage == "dev"
    assert settings.audit_retention_days == 365
    assert settings.max_body_bytes == 64 * 1024
    assert settings.smtp_allow_private_hosts is False  # a stage allows them only if it says so


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "teamspace-prod")
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "30")
    settings = get_settings()
    assert (settings.stage, settings.audit_retention_days) == ("prod", 30)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "TABLE_NAME"),
        ({"TABLE_NAME": "ab"}, "TABLE_NAME"),
        ({"TABLE_NAME": "teamspace", "AUDIT_RETENTION_DAYS": "0"}, "AUDIT_RETENTION_DAYS"),
        ({"TABLE_NAME": "teamspace", "AUDIT_RETENTION_DAYS": "a year"}, "AUDIT_RETENTION_DAYS"),
        ({"TABLE_NAME": "teamspace", "MAX_BODY_BYTES": "-1"}, "MAX_BODY_BYTES"),
        (
            {"TABLE_NAME": "teamspace", "SMTP_ALLOW_PRIVATE_HOSTS": "yes"},
            "SMTP_ALLOW_PRIVATE_HOSTS",
        ),
    ],
)
def test_a_misconfiguration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], message: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        get_settings()


def test_settings_cannot_be_changed_once_read() -> None:
    settings = Settings(table_name="teamspace")
    with pytest.raises(AttributeError):
        settings.stage = "prod"  # type: ignore[misc]


def test_the_plan_catalogue_comes_from_the_environment_and_is_empty_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Empty: the layer's own catalogue (teamspace.domain.plans, which parses and checks
    either at the first request that reads a plan: tests/functions/test_plans.py)."""
    monkeypatch.setenv("TABLE_NAME", "teamspace")
    monkeypatch.delenv("PLAN_CATALOGUE", raising=False)
    assert get_settings().plan_catalogue == ""
    get_settings.cache_clear()
    monkeypatch.setenv("PLAN_CATALOGUE", '  {"defaultPlan": "free", "plans": {}}\n')
    assert get_settings().plan_catalogue == '{"defaultPlan": "free", "plans": {}}'
