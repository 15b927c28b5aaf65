"""Secrets: generated with the OS's randomness, stored only as argon2id hashes, compared in constant time.

argon2 is deliberately slow (its cost is the gateway's `secret_hash_*` settings, applied with `use_cost` when the
app or the command line starts): it runs in a worker thread (argon2-cffi releases the GIL), so a burst of sign-ins
never stalls the proxy's event loop and every exchange waiting on it.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.settings import Settings


class HashCost(NamedTuple):
    """argon2id's parameters for new hashes."""

    time_cost: int
    memory_kib: int
    parallelism: int


# One cost per process, which the gateway's settings say (`use_cost`); until then, their defaults.
_cost = HashCost(3, 65536, 4)


def use_cost(settings: Settings) -> None:
    """Make new hashes at the settings' cost from now on (a stored hash verifies at the cost it names)."""
    global _cost
    _cost = HashCost(settings.secret_hash_time_cost, settings.secret_hash_memory_kib, settings.secret_hash_parallelism)


@functools.cache
def _hashing(cost: HashCost) -> tuple[PasswordHasher, str]:
    """The hasher at a cost, and a hash at that cost to verify against when a login is unknown, so that a wrong login
    costs as long as a wrong secret."""
    hasher = PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hash(secret: str) -> str:
    return _hashing(_cost)[0].hash(secret)


def _verify(stored_hash: str | None, secret: str) -> bool:
    hasher, dummy = _hashing(_cost)
    return hasher.verify(stored_hash or dummy, secret) and stored_hash is not None


def new_secret() -> str:
    """A client secret or API-key secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


async def hash_secret(secret: str) -> str:
    """The argon2id hash to store."""
    return await asyncio.to_thread(_hash, secret)


async def secret_matches(stored_hash: str | None, secret: str) -> bool:
    """Whether the secret matches the stored hash (a missing hash still costs one verification)."""
    try:
        return await asyncio.to_thread(_verify, stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
