"""The datasets' rules as pure functions: what each open type is offered as (A24.1, A24.2), what the search reads,
and the records API's opaque cursor."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import ItemType, OpenType
from hub.errors import Forbidden, InvalidInput
from open_svc.datasets.rules import (
    Distribution,
    decode_cursor,
    distributions_of,
    encode_cursor,
    open_types_offering,
    require_direct_access,
    search_text,
)


def test_unconditionally_open_data_is_offered_as_files_and_the_api_conditional_only_through_the_api_A24_1() -> None:
    assert distributions_of(OpenType.unconditional) == ("csv", "json", "xlsx", "api")
    assert distributions_of(OpenType.conditional) == ("api",)
    assert distributions_of(OpenType.not_open) == ()
    assert open_types_offering(Distribution.csv) == [OpenType.unconditional]
    assert open_types_offering(Distribution.api) == [OpenType.unconditional, OpenType.conditional]


def test_only_unconditionally_open_data_is_obtained_directly_A24_1_A24_2() -> None:
    require_direct_access(OpenType.unconditional)
    with pytest.raises(Forbidden) as refused:
        require_direct_access(OpenType.conditional)
    assert refused.value.requirement == "A24.2"


def test_the_search_reads_the_name_summary_and_item_labels_folded() -> None:
    items = (DataItemSpec(name="paid_on", label="缴费日期", data_type=ItemType.date),)
    assert search_text("社保ＡＢＣ", "缴费记录", items) == "社保abc 缴费记录 缴费日期"


@given(st.text(max_size=200).filter(lambda key: "\x00" not in key))
def test_a_cursor_returns_the_key_it_was_made_from(key: str) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize("cursor", ["%%%", "gA", encode_cursor("a\x00b")])
def test_a_cursor_not_of_ours_is_refused_naming_the_parameter(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor)
    assert refused.value.errors == [{"field": "query.after", "message": "not a cursor"}]
