"""What is open data (A22.1, A38.1): every combination of open type, secrecy and retirement against a table written
from the Measures."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from hub.contracts.vocabulary import OpenType, Secrecy
from hub.published_catalogue.openness import is_open


@dataclass
class Entry:
    open_type: OpenType
    secrecy: Secrecy
    retired: bool


# Open: unconditional (A24.1) or conditional (A24.2) open types, unless secret (A38.1) or retired.
OPEN = {
    (OpenType.unconditional, Secrecy.public), (OpenType.unconditional, Secrecy.internal),
    (OpenType.conditional, Secrecy.public), (OpenType.conditional, Secrecy.internal),
}  # fmt: skip


@pytest.mark.parametrize(("open_type", "secrecy", "retired"), list(itertools.product(OpenType, Secrecy, (False, True))))
def test_only_open_types_not_secret_not_retired_are_open_data_A22_1_A38_1(
    open_type: OpenType, secrecy: Secrecy, retired: bool
) -> None:
    expected = (open_type, secrecy) in OPEN and not retired
    assert is_open(Entry(open_type, secrecy, retired)) is expected
