"""API keys as text: `tsk_<stage>_<body><check>`. Pure: no I/O, nothing stored here.

- `body` is 40 random bytes from `secrets` (320 bits) in base62, fixed width 54;
- `check` is the CRC32 of everything before it (`tsk_<stage>_<body>`), base62, width 6.

The fixed prefix and shape let secret scanners find a key in a repository or a log
(`tsk_[a-z0-9]{1,16}_[0-9A-Za-z]{60}`), and the checksum lets them, and the
authorizer, tell a real key from a mistyped or made-up one without a table read. Only
the SHA-256 of the whole key is ever stored; the key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass

SCHEME = "tsk"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_BYTES = 40
BODY_LENGTH = 54  # 62**54 > 2**320 > 62**53
CHECK_LENGTH = 6  # 62**6 > 2**32
PREFIX_BODY_CHARS = 8  # of the body, shown in lists so people can tell keys apart
STAGE = re.compile(r"^[a-z0-9]{1,16}$")
# What a secret scanner looks for (docs/api-keys.md).
SCANNER_PATTERN = rf"\b{SCHEME}_[a-z0-9]{{1,16}}_[0-9A-Za-z]{{{BODY_LENGTH + CHECK_LENGTH}}}\b"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


@dataclass(frozen=True, slots=True)
class ParsedKey:
    """A well-formed key: its display prefix and the hash it is stored under."""

    prefix: str
    key_hash: str


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key. `text` goes to the caller once and is never stored."""

    text: str
    prefix: str
    key_hash: str

    def __repr__(self) -> str:  # a key must not reach a log through a repr
        return f"IssuedKey(prefix={self.prefix!r})"


def _base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        chars.append(ALPHABET[digit])
    if value:
        raise ValueError("value does not fit the width")
    return "".join(reversed(chars))


def _head(stage: str) -> str:
    if not STAGE.match(stage):
        raise ValueError(f"a stage name is 1 to 16 lower-case letters or digits, not {stage!r}")
    return f"{SCHEME}_{stage}_"


def _check(text: str) -> str:
    return _base62(zlib.crc32(text.encode("ascii")), CHECK_LENGTH)


def key_hash(text: str) -> str:
    """What a key is stored and looked up under: the SHA-256 hex digest of all of it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def generate_key(stage: str) -> IssuedKey:
    """A new random key for `stage`."""
    head = _head(stage)
    body = _base62(int.from_bytes(secrets.token_bytes(RANDOM_BYTES), "big"), BODY_LENGTH)
    text = head + body + _check(head + body)
    return IssuedKey(text=text, prefix=head + body[:PREFIX_BODY_CHARS], key_hash=key_hash(text))


def parse_key(text: object, stage: str) -> ParsedKey | None:
    """`text` as a key of `stage`, or None when it cannot be one: another scheme or
    stage, the wrong length or characters, or a checksum that does not match (a typo)."""
    head = _head(stage)
    if not isinstance(text, str) or len(text) != len(head) + BODY_LENGTH + CHECK_LENGTH:
        return None
    if not text.startswith(head):
        return None
    rest = text[len(head) :]
    if any(char not in _INDEX for char in rest):
        return None
    body, check = rest[:BODY_LENGTH], rest[BODY_LENGTH:]
    if not secrets.compare_digest(_check(head + body), check):
        return None
    return ParsedKey(prefix=head + body[:PREFIX_BODY_CHARS], key_hash=key_hash(text))
