"""The catalogue as a table: rows grouped into entries, per-row errors with spreadsheet row numbers, and
exported rows that import back unchanged (A13.1, A14.1, A15.3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from catalog_svc.entries.models import EntryVersion
from catalog_svc.entries.service import ELEMENT_FIELDS
from catalog_svc.transfer.schemas import Publisher
from catalog_svc.transfer.table import COLUMNS, EXPORT_COLUMNS, ParsedFile, parse_table, rows_of
from hub.errors import InvalidInput

AGENCY = uuid.UUID("00000000-0000-0000-0000-0000000000a1")


def row(**values: Any) -> dict[str, Any]:
    """One row of a complete entry with one item; `values` override columns."""
    return {
        "code": "01-02/000001", "region_code": "320200", "name": "常住人口基本信息", "summary": "全市常住人口。",
        "classification": "01-02", "category": "base", "base_database": "population",
        "source_system": "人口管理信息系统", "format": "CSV", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《个人信息保护法》", "update_cycle": "daily",
        "tags": "人口; 户籍", "item_name": "id_number", "item_label": "居民身份证号码", "item_type": "string",
        "item_length": "18", "item_required": "是", "item_key": "true", "item_sensitivity": "highly_sensitive",
        **values,
    }  # fmt: skip


def table(*rows: dict[str, Any], header: tuple[str, ...] = COLUMNS) -> list[list[object]]:
    return [list(header), *([r.get(c) for c in header] for r in rows)]


def parse(*rows: dict[str, Any]) -> ParsedFile:
    return parse_table(table(*rows), AGENCY)


def test_rows_with_one_code_make_one_entry_with_an_item_per_row() -> None:
    second = row(item_name="full_name", item_label="姓名", item_length=None, item_key=None, item_required="否")
    parsed = parse(row(), second)
    assert parsed.errors == []
    (entry,) = parsed.entries
    assert entry.code == "01-02/000001"
    assert entry.entry.provider_agency_id == AGENCY
    assert entry.entry.tags == ["人口", "户籍"]
    assert [(i.name, i.length, i.required, i.key) for i in entry.entry.items] == [
        ("id_number", 18, True, True),
        ("full_name", None, False, False),
    ]
    assert entry.row_of("items.full_name") == 3
    assert entry.row_of("share_type") == 2


def test_each_bad_row_is_reported_with_its_row_number_and_column_and_only_its_entry_is_left_out() -> None:
    parsed = parse(
        row(code="01-02/000001"),
        row(code="01-02/000002", share_type="sometimes"),  # row 3
        row(code="01-02/000002", share_type=None, item_name="full_name", item_label="姓名", item_length="many"),
        row(code="01-02/000003"),
    )
    assert [e.code for e in parsed.entries] == ["01-02/000001", "01-02/000003"]
    found = {(e.row, e.field, e.code) for e in parsed.errors}
    assert found == {(3, "share_type", "01-02/000002"), (4, "item_length", "01-02/000002")}


def test_an_entry_value_given_differently_on_two_rows_is_an_error_on_the_later_row() -> None:
    parsed = parse(row(), row(item_name="full_name", item_label="姓名", name="另一个名称", item_type="text"))
    assert parsed.entries == []
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "name"), (3, "item_type")]
    assert "row 2" in parsed.errors[0].message


def test_entry_values_may_be_left_blank_on_the_entrys_other_rows() -> None:
    second = {"code": "01-02/000001", "item_name": "full_name", "item_label": "姓名", "item_type": "string"}
    parsed = parse(row(), second)
    assert parsed.errors == []
    assert [i.name for i in parsed.entries[0].entry.items] == ["id_number", "full_name"]


def test_a_row_without_code_or_without_item_name_is_refused() -> None:
    parsed = parse(row(code=None), row(item_name=None))
    assert {(e.row, e.field) for e in parsed.errors} == {(2, "code"), (3, "item_name")}
    assert parsed.entries == []


def test_blank_rows_are_skipped_but_keep_the_row_numbers() -> None:
    rows = table(row(), {}, row(code="01-02/000002", update_cycle="hourly"))
    parsed = parse_table(rows, AGENCY)
    assert [(e.row, e.field) for e in parsed.errors] == [(4, "update_cycle")]
    assert parsed.rows == 2


def test_a_row_without_items_makes_a_draft_without_items() -> None:
    parsed = parse_table([["code", "region_code", "name"], ["01-02/000009", "320200", "草稿"]], AGENCY)
    assert parsed.errors == []
    assert parsed.entries[0].entry.items == []


def test_an_item_source_cites_the_authoritative_entry_A15_3() -> None:
    header = (*COLUMNS,)
    parsed = parse_table(table(row(item_source_entry_code="01-01/000001"), header=header), AGENCY)
    assert parsed.entries[0].entry.item_sources["id_number"].source_entry_code == "01-01/000001"
    assert parsed.entries[0].row_of("item_sources.id_number") == 2


def test_the_header_must_name_code_and_only_known_columns() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_table([["name", "colour"], ["x", "red"]], AGENCY)
    assert {(e["row"], e["field"]) for e in refused.value.errors or []} == {(1, "colour"), (1, "code")}


def _endless() -> Any:
    yield ["code"]
    while True:
        yield ["01-02/000001"]


def test_a_file_past_the_row_cap_is_refused_without_reading_further() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_table(_endless(), AGENCY, max_rows=100)
    assert (refused.value.errors or [])[0]["row"] == 102


def test_an_import_reads_up_to_50000_rows_a_citys_whole_catalogue() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_table(_endless(), AGENCY)
    assert (refused.value.errors or [])[0] == {"row": 50_002, "message": "more than 50000 rows"}


def test_thousands_of_entries_are_read_and_the_refused_ones_counted_in_the_total() -> None:
    rows = [row(code=f"01-02/{n:06d}") for n in range(2000)]
    rows[700] = row(code="01-02/000700", update_cycle="hourly")
    parsed = parse(*rows)
    assert (len(parsed.entries), parsed.refused, parsed.total) == (1999, 1, 2000)
    assert [(e.row, e.field) for e in parsed.errors] == [(702, "update_cycle")]


def _version(parsed: ParsedFile) -> EntryVersion:
    entry = parsed.entries[0].entry
    elements = entry.model_dump(mode="json", include=set(ELEMENT_FIELDS))
    return EntryVersion(
        entry_id=uuid.uuid4(), version=2, state="published", code=entry.code, region_code=entry.region_code,
        provider_agency_id=AGENCY, published_at=datetime(2025, 3, 1, tzinfo=UTC), **elements,
    )  # fmt: skip


def test_exported_rows_import_back_to_the_same_entry() -> None:
    original = parse(row(item_source_justification="法定职责需要"), row(item_name="full_name", item_label="姓名"))
    publisher = Publisher(id=AGENCY, name="无锡市公安局", credit_code="x", data_unit="大数据科")
    exported: list[list[Any]] = [list(EXPORT_COLUMNS), *rows_of(_version(original), publisher)]
    assert len(exported) == 3
    assert exported[1][EXPORT_COLUMNS.index("provider_agency")] == "无锡市公安局"
    again = parse_table(exported, AGENCY)
    assert again.errors == []
    assert again.entries[0].entry == original.entries[0].entry


def test_an_entry_without_items_exports_one_row() -> None:
    parsed = parse_table([["code", "region_code", "name"], ["01-02/000009", "320200", "草稿"]], AGENCY)
    (only,) = rows_of(_version(parsed), None)
    assert only[COLUMNS.index("item_name")] is None
    assert only[COLUMNS.index("name")] == "草稿"


def test_a_cell_the_database_cannot_store_refuses_its_entry_naming_the_column_A28_1() -> None:
    # CSV readers pass NUL through, and UTF-7 decodes "+2AA-" to a lone surrogate: neither is storable text.
    parsed = parse(row(code="01-02/000001", name="人口\x00"), row(code="01-02/000002", summary="\ud800"),
                   row(code="01-02/0\x0003"), row(code="01-02/000004"))  # fmt: skip
    assert [e.code for e in parsed.entries] == ["01-02/000004"]
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "name"), (3, "summary"), (4, "code")]
    assert all("cannot be stored" in e.message for e in parsed.errors)
    assert (parsed.refused, parsed.total) == (2, 3)


def test_an_unknown_column_is_named_printably_A28_1() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_table([["code", "col\x00our"]], AGENCY)
    assert refused.value.errors == [{"row": 1, "field": "col\\u0000our", "message": "unknown column"}]
