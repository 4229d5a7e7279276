"""The identity-provider port: what the domain asks of the service that holds people's
accounts and passwords. The stack's Cognito user pool is the adapter
(`teamspace.idp.cognito`); with another issuer there is none, and the account routes
answer 501 IDENTITY_PROVIDER_UNSUPPORTED.

A password goes in and never comes out: none of these returns one, and an error never
carries the one it refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Account:
    """A person's account at the identity provider. `user_id` is their tokens' `sub`."""

    user_id: str
    email: str
    # The workspace that created the account, when one did (a managed member's).
    created_for: str | None = None


class AccountTaken(Exception):
    """An account with that address exists already."""


class PasswordRefused(Exception):
    """The identity provider's password policy refused a password (never holds it)."""


class IdentityProvider(Protocol):
    def find_account(self, email: str) -> Account | None:
        """The account with this address, if there is one."""

    def create_account(self, email: str, name: str | None, workspace_id: str) -> Account:
        """A new account with a verified address, marked as made by `workspace_id`, and no
        mail of the provider's own (the mailer sends ours); AccountTaken when the address
        has one."""

    def set_password(self, user_id: str, password: str, *, permanent: bool = True) -> None:
        """A new password (`permanent=False`: one the person must change at first
        sign-in); PasswordRefused when the policy refuses it."""

    def sign_out(self, user_id: str) -> None:
        """End every session of the account at the provider (its refresh tokens)."""

    def delete_account(self, user_id: str) -> None:
        """Delete the account; nothing when it is gone already."""
