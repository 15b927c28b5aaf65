"""Secrets: generated with the OS's randomness, stored only as argon2 hashes, compared in constant time.

argon2 is deliberately slow (tens of milliseconds, 64 MiB): it runs in a worker thread (argon2-cffi releases the
GIL), so a burst of sign-ins never stalls the proxy's event loop and every exchange waiting on it.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A hash to verify against when the login is unknown, so a wrong login costs as long as a wrong secret.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_secret() -> str:
    """A client secret or API-key secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


async def hash_secret(secret: str) -> str:
    """The argon2id hash to store."""
    return await asyncio.to_thread(_hasher.hash, secret)


async def secret_matches(stored_hash: str | None, secret: str) -> bool:
    """Whether the secret matches the stored hash (a missing hash still costs one verification)."""
    try:
        return await asyncio.to_thread(_hasher.verify, stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
