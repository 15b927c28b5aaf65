"""Data keys as pure functions (A24.3): how a key is made, stored and recognised, and what it lets through.

A key is `odk_` and 43 URL-safe characters (256 random bits). Only its SHA-256 digest is stored: with that much
entropy a slow password hash would add nothing but latency to every call, and a digest can be looked up directly.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEADER = "x-open-data-key"
PREFIX = "odk_"
HINT_LENGTH = 12
_SHAPE = re.compile(r"^odk_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class NewKey:
    """A key as issued: the plaintext (shown once), its digest and its hint (both stored)."""

    plaintext: str
    digest: str
    hint: str


def new_key() -> NewKey:
    """A fresh random key."""
    plaintext = PREFIX + secrets.token_urlsafe(32)
    return NewKey(plaintext, digest(plaintext), plaintext[:HINT_LENGTH])


def digest(plaintext: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def well_formed(presented: str) -> bool:
    """Whether a presented value has a key's shape (checked before anything is looked up or hashed)."""
    return _SHAPE.match(presented) is not None


def usable_items(approved: Sequence[str], current: Collection[str]) -> list[str]:
    """The approved items the entry still has: a new catalogue version may drop an item, never add one to a key."""
    return [name for name in approved if name in current]


def project(data: Mapping[str, Any], items: Sequence[str]) -> dict[str, Any]:
    """A record's data reduced to the items a key opens (A24.3: only what was approved)."""
    return {name: data[name] for name in items if name in data}
