"""Service keys: the bearer token of a request checked against COACH_API_KEYS in constant time.

Both sides are hashed first so that compare_digest always compares equal-length values (a
length mismatch would otherwise return early), and every configured key is compared (no early
exit on a match), so the time taken says nothing about which key, or how much of one, matched.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def key_matches(presented: str, keys: Sequence[str]) -> bool:
    """True when `presented` equals one of `keys`; constant time in the presented value."""
    candidate = _digest(presented)
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, _digest(key))
    return matched
