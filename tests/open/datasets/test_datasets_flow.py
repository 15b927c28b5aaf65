"""Anyone, without an account, browses, searches, filters and views open datasets, previews and reads their records
and downloads them as CSV, JSON and XLSX, through the gateway on the real mesh (A24.1); views and downloads are
counted. Nothing that is not open data ever shows, in any list, search, facet, open list, quality score or download
(A22.1, A38.1), and an entry that stops being open disappears."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from open.datasets.world import NOT_OPEN, SECRET, World, payments
from openpyxl import load_workbook  # type: ignore[import-untyped]

from harness import assert_problem, eventually, rows
from hub.spreadsheets import restore_formula_text

pytestmark = pytest.mark.integration

COLUMNS = ["record_no", "payer", "amount", "paid_on"]


def ids(page: dict[str, Any]) -> list[str]:
    return [d["entry_id"] for d in page["items"]]


def facet(page: dict[str, Any], name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in page["facets"][name]}


async def test_anyone_finds_an_open_dataset_by_a_two_character_chinese_word_A24_1(world: World) -> None:
    water = await world.publish(name="城市供水水质监测数据", summary="全市各水厂出厂水的水质监测结果。")
    await world.publish(name="公共汽车线路与站点", summary="全市公交线路、站点及首末班时间。")

    found = await world.ok("/datasets", q="水质")

    assert (ids(found), found["total"]) == ([water], 1)
    [dataset] = found["items"]
    assert dataset["agency"] == {"id": world.hrss.id, "name": "无锡市人力资源和社会保障局"}
    assert (dataset["name"], dataset["open_type"], dataset["formats"]) == (
        "城市供水水质监测数据", "unconditional", ["csv", "json", "xlsx", "api"],
    )  # fmt: skip
    # Every word must occur; a word of no dataset finds nothing.
    assert ids(await world.ok("/datasets", q="水质 站点")) == []
    assert ids(await world.ok("/datasets", q="供水 水厂")) == [water]


async def test_a_not_open_or_secret_entry_never_appears_in_any_list_search_facet_open_list_or_download_A22_1_A38_1(
    world: World,
) -> None:
    gas = await world.agency("无锡市燃气集团")
    shown = await world.publish(gas, name="燃气价格公示", summary="全市居民和非居民燃气价格。")
    closed = await world.publish(gas, name="燃气用户档案", summary="燃气用户的开户档案。", **NOT_OPEN)
    secret = await world.publish(gas, name="燃气管网布局", summary="城市燃气管网的布局。", **SECRET)
    # Even rows in the replica's table (the centre never sends them) are never served for an entry not open.
    for entry_id in (shown, closed, secret):
        await world.replicate(entry_id, payments(3))

    everything = await world.ok("/datasets", limit=100)
    assert shown in ids(everything)
    assert {closed, secret}.isdisjoint(ids(everything))
    searched = await world.ok("/datasets", q="燃气")
    assert (ids(searched), searched["total"]) == ([shown], 1)
    of_agency = await world.ok("/datasets", agency_id=gas.id)
    assert ids(of_agency) == [shown]
    for name in ("agency", "open_type", "update_cycle", "category"):
        assert sum(facet(of_agency, name).values()) == 1, name
    assert facet(of_agency, "agency") == {gas.id: 1}

    for entry_id in (closed, secret):
        for path in ("", "/preview", "/records", "/download", "/quality"):
            assert_problem(await world.get(f"/datasets/{entry_id}{path}"), 404)
        for file_format in ("json", "xlsx"):
            assert_problem(await world.get(f"/datasets/{entry_id}/download", format=file_format), 404)

    open_list = await world.ok(f"/open-lists/{gas.id}")
    assert ([e["entry_id"] for e in open_list["items"]], open_list["total"]) == ([shown], 1)
    history = await world.ok(f"/open-lists/{gas.id}/history")
    assert [(c["entry_id"], c["change"]) for c in history["items"]] == [(shown, "added")]
    lists = {a["agency_id"]: a for a in (await world.ok("/open-lists", limit=200))["items"]}
    assert (lists[gas.id]["total"], lists[gas.id]["unconditional"]) == (1, 1)
    assert (await world.ok(f"/quality/agencies/{gas.id}"))["datasets"] == 1


async def test_facets_count_every_match_and_each_filter_narrows_to_its_datasets_A24_1(world: World) -> None:
    parks = await world.agency("无锡市园林局")
    monthly = await world.publish(parks, name="公园名录", summary="全市公园名录。")
    daily = await world.publish(parks, name="公园客流", summary="主要公园每日客流。", update_cycle="daily")
    on_conditions = await world.publish(
        parks, name="公园承包经营单位", summary="公园内承包经营的单位。", category="base",
        base_database="legal_persons", open_type="conditional", open_conditions="申请人签订开放利用协议。",
    )  # fmt: skip

    page = await world.ok("/datasets", agency_id=parks.id)

    assert page["total"] == 3
    assert facet(page, "open_type") == {"unconditional": 2, "conditional": 1}
    assert facet(page, "update_cycle") == {"monthly": 2, "daily": 1}
    assert facet(page, "category") == {"theme": 2, "base": 1}
    assert facet(page, "base_database") == {"legal_persons": 1}
    # Files only for unconditionally open data (A24.1); every dataset has the API.
    assert facet(page, "format") == {"api": 3, "csv": 2, "json": 2, "xlsx": 2}
    assert page["facets"]["agency"] == [{"value": parks.id, "label": "无锡市园林局", "count": 3}]

    async def only(**filters: str) -> set[str]:
        return set(ids(await world.ok("/datasets", agency_id=parks.id, **filters)))

    assert await only(format="csv") == {monthly, daily}
    assert await only(format="api") == {monthly, daily, on_conditions}
    assert await only(open_type="conditional") == {on_conditions}
    assert await only(update_cycle="daily") == {daily}
    assert await only(category="base") == await only(base_database="legal_persons") == {on_conditions}
    assert await only(update_cycle="yearly") == set()
    # Newest first: the last published comes first.
    assert ids(await world.ok("/datasets", agency_id=parks.id)) == [on_conditions, daily, monthly]
    # A value outside the vocabulary is refused, naming the parameter.
    problem = assert_problem(await world.get("/datasets", open_type="sometimes"), 422)
    assert [e["field"] for e in problem["errors"]] == ["query.open_type"]
    assert_problem(await world.get("/datasets", limit=101), 422)
    assert_problem(await world.get("/datasets", offset=10_001), 422)


async def test_a_dataset_is_previewed_and_read_through_the_api_in_key_order_a_page_at_a_time_A24_1(
    world: World,
) -> None:
    entry_id = await world.publish(name="职业技能培训机构", summary="全市职业技能培训机构名录。")
    records = payments(250)
    await world.replicate(entry_id, list(reversed(records)))

    preview = await world.ok(f"/datasets/{entry_id}/preview", limit=5)
    assert preview["columns"] == COLUMNS
    assert preview["rows"] == records[:5]

    read: list[dict[str, Any]] = []
    pages, after = 0, None
    while True:
        page = await world.ok(f"/datasets/{entry_id}/records", limit=100, **({"after": after} if after else {}))
        read += [item["data"] for item in page["items"]]
        pages, after = pages + 1, page["next"]
        if after is None:
            break
    assert (pages, read) == (3, records)
    assert [i["key"] for i in page["items"]][:1] == [json.dumps([records[200]["record_no"]])]

    problem = assert_problem(await world.get(f"/datasets/{entry_id}/records", after="%%%not-a-cursor"), 422)
    assert [e["field"] for e in problem["errors"]] == ["query.after"]
    assert_problem(await world.get(f"/datasets/{entry_id}/records", limit=1001), 422)
    assert_problem(await world.get(f"/datasets/{entry_id}/preview", limit=101), 422)
    assert_problem(await world.get(f"/datasets/{uuid.uuid4()}/records"), 404)


async def test_downloads_in_csv_json_and_xlsx_hold_every_record_and_no_formula_runs_A24_1(world: World) -> None:
    entry_id = await world.publish(name="社会保险缴费明细", summary="参保单位缴费明细。")
    tricky: list[dict[str, Any]] = [
        {"record_no": "A0001", "payer": "=HYPERLINK(\"http://evil\",\"点我\")", "amount": -5, "paid_on": "2026-01-05"},
        {"record_no": "A0002", "payer": "@SUM(1+1)", "amount": None, "paid_on": None},
        {"record_no": "A0003", "payer": "-2+3", "amount": 12.5, "paid_on": "2026-02-01"},
        {"record_no": "A0004", "payer": "无锡市梁溪区，“引号”与\n换行", "amount": 123456789012345678},
    ]  # fmt: skip
    # More records than one page of a download (2,000), so the keyset walk is crossed.
    records = tricky + payments(2500, prefix="B")
    await world.replicate(entry_id, records)
    expected = [{c: r.get(c) for c in COLUMNS} for r in records]

    csv_file = await world.get(f"/datasets/{entry_id}/download", format="csv")
    assert csv_file.status_code == 200, csv_file.text
    assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_file.headers["content-disposition"].startswith('attachment; filename="03-01_')
    text = csv_file.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert table[0] == COLUMNS
    assert len(table) == 1 + len(records)
    # Text that would start a formula carries an apostrophe in the file; a reader restores the value.
    assert table[1][1] == '\'=HYPERLINK("http://evil","点我")'
    assert (table[2][1], table[3][1]) == ("'@SUM(1+1)", "'-2+3")
    as_text = [[("" if v is None else str(v)) for v in row.values()] for row in expected]
    assert [[restore_formula_text(cell) for cell in row] for row in table[1:]] == as_text

    json_file = await world.get(f"/datasets/{entry_id}/download", format="json")
    assert json_file.status_code == 200, json_file.text
    assert json_file.headers["content-type"] == "application/json"
    assert json_file.json() == expected

    xlsx_file = await world.get(f"/datasets/{entry_id}/download", format="xlsx")
    assert xlsx_file.status_code == 200, xlsx_file.text
    assert xlsx_file.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    workbook = load_workbook(io.BytesIO(xlsx_file.content), read_only=True)
    [sheet] = workbook.worksheets
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert cells[0] == COLUMNS
    assert len(cells) == 1 + len(records)
    assert cells[1] == ["A0001", '\'=HYPERLINK("http://evil","点我")', -5, "2026-01-05"]
    assert cells[2] == ["A0002", "'@SUM(1+1)", None, None]
    # A number beyond a spreadsheet's 15 digits is kept exactly, as text.
    assert cells[4] == ["A0004", "无锡市梁溪区，“引号”与\n换行", "123456789012345678", None]
    restored = [[restore_formula_text(v) if isinstance(v, str) else v for v in row] for row in cells[1:]]
    assert restored[4:] == [list(row.values()) for row in expected[4:]]

    assert_problem(await world.get(f"/datasets/{entry_id}/download", format="pdf"), 422)


async def test_views_and_downloads_are_counted_and_order_the_list_A24_1(world: World) -> None:
    roads = await world.agency("无锡市公路事业发展中心")
    popular = await world.publish(roads, name="公路桥梁名录", summary="全市公路桥梁。")
    quiet = await world.publish(roads, name="公路里程统计", summary="全市公路里程。")
    await world.replicate(popular, payments(3))

    viewed = await world.ok(f"/datasets/{popular}")
    assert viewed["counts"]["views"] >= 1  # this very view, counted before the answer
    assert (viewed["records"], viewed["counts"]["downloads"]) == (3, 0)
    await world.ok(f"/datasets/{popular}")
    for _ in range(2):
        assert (await world.get(f"/datasets/{popular}/download")).status_code == 200
    await world.ok(f"/datasets/{quiet}")

    query = "SELECT views, downloads FROM dataset_counters WHERE entry_id = $1"
    [stored] = await eventually(lambda: _reached(world, query, popular, (2, 2)))
    assert (stored["views"], stored["downloads"]) == (2, 2)
    # Lists show the counts without counting a view.
    listed = {d["entry_id"]: d["counts"] for d in (await world.ok("/datasets", agency_id=roads.id))["items"]}
    assert listed[popular] == {"views": 2, "downloads": 2}
    assert ids(await world.ok("/datasets", agency_id=roads.id, sort="downloads")) == [popular, quiet]
    assert ids(await world.ok("/datasets", agency_id=roads.id, sort="views")) == [popular, quiet]
    assert ids(await world.ok("/datasets", agency_id=roads.id, sort="newest")) == [quiet, popular]


async def _reached(world: World, query: str, entry_id: str, counts: tuple[int, int]) -> list[Any]:
    found = await rows(world.open_db, query, uuid.UUID(entry_id))
    return found if found and (found[0]["views"], found[0]["downloads"]) == counts else []


async def test_a_conditionally_open_dataset_is_listed_but_its_data_needs_a_data_key_A24_2(world: World) -> None:
    entry_id = await world.publish(
        name="企业社保参保人数", summary="各企业的参保人数。", open_type="conditional",
        open_conditions="申请人签订开放利用协议，数据仅用于申请所述用途。",
    )  # fmt: skip
    await world.replicate(entry_id, payments(2))

    dataset = await world.ok(f"/datasets/{entry_id}")
    assert (dataset["open_type"], dataset["formats"]) == ("conditional", ["api"])
    assert dataset["open_conditions"] == "申请人签订开放利用协议，数据仅用于申请所述用途。"
    for path, params in (("/preview", {}), ("/records", {}), ("/download", {}), ("/download", {"format": "xlsx"})):
        problem = assert_problem(await world.get(f"/datasets/{entry_id}{path}", **params), 403)
        assert problem["requirement"] == "A24.2"


async def test_an_entry_changed_to_not_open_or_retired_disappears_from_every_list_and_download_A22_1(
    world: World,
) -> None:
    closing = await world.publish(name="养老保险待遇发放", summary="养老保险待遇发放统计。")
    retiring = await world.publish(name="养老服务机构", summary="全市养老服务机构。")
    await world.replicate(closing, payments(2))
    assert set(ids(await world.ok("/datasets", q="养老"))) == {closing, retiring}
    assert (await world.get(f"/datasets/{closing}/download")).status_code == 200

    await world.republish(closing, 2, name="养老保险待遇发放", summary="养老保险待遇发放统计。", **NOT_OPEN)
    await world.retire(retiring)

    assert ids(await world.ok("/datasets", q="养老")) == []
    for entry_id in (closing, retiring):
        assert_problem(await world.get(f"/datasets/{entry_id}"), 404)
        assert_problem(await world.get(f"/datasets/{entry_id}/download"), 404)
        assert_problem(await world.get(f"/datasets/{entry_id}/records"), 404)
    listed = await world.ok(f"/open-lists/{world.hrss.id}", limit=200)
    assert {closing, retiring}.isdisjoint(e["entry_id"] for e in listed["items"])
    history = (await world.ok(f"/open-lists/{world.hrss.id}/history", limit=200))["items"]
    removed = {c["entry_id"]: c for c in history if c["change"] == "removed"}
    assert {closing, retiring} <= removed.keys()
    assert removed[closing]["version"] == 2
    today = datetime.now(UTC).date().isoformat()
    assert removed[closing]["at"][:10] == removed[retiring]["at"][:10] == today
