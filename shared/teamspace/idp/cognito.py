"""The identity-provider port over the stack's Cognito user pool (its users' `sub` is
their user id; the pool signs in by email).

Every call is an admin API call on the one pool the stack made (IAM grants exactly
these actions on it, template.yaml): AdminCreateUser with its own message suppressed,
AdminSetUserPassword, AdminUserGlobalSignOut, AdminDeleteUser, and ListUsers to find an
address.
"""

from __future__ import annotations

from typing import Any

from teamspace.domain.identity_provider import Account, AccountTaken, PasswordRefused

# The pool's custom attribute naming the workspace that made an account (template.yaml).
CREATED_FOR = "custom:workspace"


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    raw = user.get("Attributes") or user.get("UserAttributes") or []
    return {attribute["Name"]: attribute["Value"] for attribute in raw}


def _account(user: dict[str, Any]) -> Account:
    attributes = _attributes(user)
    return Account(
        user_id=attributes.get("sub", user["Username"]),
        email=attributes.get("email", ""),
        created_for=attributes.get(CREATED_FOR) or None,
    )


class CognitoIdentityProvider:
    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def find_account(self, email: str) -> Account | None:
        # The address is checked before it gets here (no quote can reach the filter).
        found = self._client.list_users(
            UserPoolId=self._pool, Filter=f'email = "{email}"', Limit=1
        )["Users"]
        return _account(found[0]) if found else None

    def create_account(self, email: str, name: str | None, workspace_id: str) -> Account:
        attributes = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": CREATED_FOR, "Value": workspace_id},
        ]
        if name:
            attributes.append({"Name": "name", "Value": name})
        try:
            created = self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
            )
        except self._client.exceptions.UsernameExistsException as error:
            raise AccountTaken from error
        return _account(created["User"])

    def set_password(self, user_id: str, password: str, *, permanent: bool = True) -> None:
        try:
            self._client.admin_set_user_password(
                UserPoolId=self._pool, Username=user_id, Password=password, Permanent=permanent
            )
        except self._client.exceptions.InvalidPasswordException:
            # `from None`: the service's message is not kept, in case it ever quotes it.
            raise PasswordRefused from None

    def sign_out(self, user_id: str) -> None:
        self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=user_id)

    def delete_account(self, user_id: str) -> None:
        try:
            self._client.admin_delete_user(UserPoolId=self._pool, Username=user_id)
        except self._client.exceptions.UserNotFoundException:
            return
