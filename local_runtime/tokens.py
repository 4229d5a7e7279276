"""Local tokens: RS256 JWTs signed with a key made at start-up, and the emulated user
pool's own ID tokens (`POST /_local/sign-in`), each checked on every request the way API
Gateway's JWT authorizer checks a real one (signature, expiry, issuer, audience)."""

from __future__ import annotations

import gzip
import json
import time
from importlib.resources import files
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://teamspace.local/_local"
AUDIENCE = "teamspace-local"
KEY_ID = "local-1"
DEFAULT_LIFETIME_SECONDS = 3600


class TokenRejected(Exception):
    """The token would not pass the authorizer."""


class LocalIssuer:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self._key.public_key()

    def issue(
        self,
        *,
        sub: str,
        email: str,
        name: str | None = None,
        email_verified: bool = True,
        lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
        audience: str = AUDIENCE,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": audience,
            "sub": sub,
            "email": email,
            "email_verified": email_verified,
            "iat": now,
            "exp": now + lifetime_seconds,
            "token_use": "id",
            **(extra_claims or {}),
        }
        if name:
            claims["name"] = name
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The claims of a valid bearer token; TokenRejected otherwise."""
        if not authorization:
            raise TokenRejected("no Authorization header")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            return jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise TokenRejected(type(error).__name__) from error


class PoolTokens:
    """The emulated user pool's ID tokens, checked as API Gateway's authorizer checks the
    real pool's: signature against the pool's published keys (moto's, the same for every
    pool: TOOLING.md, trap 5), expiry, issuer and audience (its client)."""

    def __init__(self, region: str, user_pool_id: str, client_id: str) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.audience = client_id
        published = files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz")
        keys = json.loads(gzip.decompress(published.read_bytes()))
        self._keys = jwt.PyJWKSet.from_dict(keys)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid pool ID token; TokenRejected otherwise."""
        try:
            key = self._keys[jwt.get_unverified_header(token)["kid"]]
            return jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, KeyError) as error:
            raise TokenRejected(type(error).__name__) from error


def issuer_of(token: str) -> str | None:
    """The `iss` a token claims, unverified: which verifier is to check it."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None
