"""`POST /_local/sign-in`: the emulated user pool signs a person in, as its hosted page
would in AWS, and the pool's post-authentication trigger runs, as Cognito runs it.

The tokens it hands out are the pool's own ID tokens (`local_runtime.tokens.PoolTokens`
checks them), so a managed member's whole life works locally: created with a password,
signed in, the password changed by an administrator, the old one refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from pydantic import BaseModel, ConfigDict, Field, SecretStr


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: SecretStr
    # The person's own password, when the pool asks for one (a temporary password).
    newPassword: SecretStr | None = None


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    user_id: str
    email: str


class SignInRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class PoolSignIn:
    def __init__(self, region: str, user_pool_id: str, client_id: str) -> None:
        self._client = boto3.client("cognito-idp", region_name=region)
        self._pool = user_pool_id
        self._app = client_id
        self.region = region

    def sign_in(self, request: SignInRequest) -> SignedIn:
        email = request.email.strip().lower()
        try:
            answer = self._client.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._app,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={
                    "USERNAME": email,
                    "PASSWORD": request.password.get_secret_value(),
                },
            )
        except (
            self._client.exceptions.NotAuthorizedException,
            self._client.exceptions.UserNotFoundException,
        ):
            raise SignInRefused("INVALID_CREDENTIALS", "Wrong email or password") from None
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            answer = self._new_password(email, answer, request)
        token = answer["AuthenticationResult"]["IdToken"]
        user = self._client.admin_get_user(UserPoolId=self._pool, Username=email)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return SignedIn(token, attributes["sub"], attributes.get("email", email))

    def _new_password(
        self, email: str, challenge: dict[str, Any], request: SignInRequest
    ) -> dict[str, Any]:
        if request.newPassword is None:
            raise SignInRefused(
                "NEW_PASSWORD_REQUIRED", "This password is temporary: send newPassword too"
            )
        try:
            return self._client.admin_respond_to_auth_challenge(
                UserPoolId=self._pool,
                ClientId=self._app,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=challenge["Session"],
                ChallengeResponses={
                    "USERNAME": email,
                    "NEW_PASSWORD": request.newPassword.get_secret_value(),
                },
            )
        except self._client.exceptions.InvalidPasswordException:
            raise SignInRefused("PASSWORD_TOO_WEAK", "The pool refused the new password") from None

    def trigger_event(self, signed_in: SignedIn) -> dict[str, Any]:
        """The post-authentication trigger's event, as Cognito sends it."""
        return {
            "version": "1",
            "region": self.region,
            "userPoolId": self._pool,
            "userName": signed_in.user_id,
            "callerContext": {"awsSdkVersion": "local", "clientId": self._app},
            "triggerSource": "PostAuthentication_Authentication",
            "request": {
                "userAttributes": {"sub": signed_in.user_id, "email": signed_in.email},
                "newDeviceUsed": False,
            },
            "response": {},
        }
