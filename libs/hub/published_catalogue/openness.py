"""Which published entries are open data (A22.1, A38.1): one rule for the centre (which records go to the open
changelog) and open-svc (what the public sees).

An entry is open when its open type is unconditional or conditional, it is not secret-classified, and it is not
retired. Everything else stays out of the public's reach: its records never reach the changelog topic, and it never
appears on the portal, the APIs or the feeds.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_

from hub.contracts.vocabulary import OpenType, Secrecy

OPEN_TYPES = frozenset({OpenType.unconditional, OpenType.conditional})


class _Openable(Protocol):
    # Read-only members: a read model's row and a frozen PublishedVersion both qualify.
    @property
    def open_type(self) -> OpenType: ...

    @property
    def secrecy(self) -> Secrecy: ...

    @property
    def retired(self) -> bool: ...


def is_open(entry: _Openable) -> bool:
    """Whether the public may see the entry (unconditionally, or on application) (A22.1, A38.1)."""
    return entry.open_type in OPEN_TYPES and entry.secrecy != Secrecy.secret and not entry.retired


def open_clause(model: Any) -> ColumnElement[bool]:
    """`is_open` as a SQL condition on a table of `PublishedEntryMixin`."""
    return and_(
        model.open_type.in_([t.value for t in OPEN_TYPES]),
        model.secrecy != Secrecy.secret.value,
        model.retired_at.is_(None),
    )
