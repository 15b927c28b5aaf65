"""The portal's pages through the gateway, as a browser gets them (A24.1): every page in Chinese and in English, no
trace of a not-open or secret entry on any page (A22.1, A38.1), a label for every form field, search and facets, a
dataset's metadata, quality, preview and downloads (A25.1), an application instead of files for conditional data
(A24.2), and nothing loaded from outside the hub.

Expected texts are written here as a reader sees them, not taken from the portal's catalogue."""

from __future__ import annotations

import re
import uuid

import pytest
from open.portal.pages import read_page
from open.portal.world import DOGS, SEARCHED, STATIONS, Portal

pytestmark = pytest.mark.integration

CJK = re.compile(r"[\u4e00-\u9fff]")


def every_page(portal: Portal) -> list[str]:
    """Every page of the portal, as the gateway serves it."""
    return [
        "/open/",
        "/open/datasets",
        f"/open/datasets?q={SEARCHED}",
        "/open/datasets?open_type=conditional&sort=downloads",
        f"/open/datasets/{portal.stations}",
        f"/open/datasets/{portal.dogs}",
        f"/open/datasets/{portal.dogs}/apply",
        f"/open/datasets/{portal.stations}/apply",
        f"/open/datasets/{portal.stations}/report",
        "/open/feedback",
        "/open/demands",
        "/open/account",
        "/open/signin",
    ]


async def test_every_page_renders_in_chinese_and_in_english_A24_1(portal: Portal) -> None:
    # Chinese unless the reader asks for English (each reader with cookies of its own).
    async with portal.browser() as reader, portal.browser() as english_reader:
        for path in every_page(portal):
            chinese = await reader.get(path)
            assert chinese.status_code == 200, (path, chinese.text[:500])
            assert chinese.headers["content-type"] == "text/html; charset=utf-8"
            assert read_page(chinese.text).html_lang == "zh-CN"
            assert "公共数据开放平台" in chinese.text
            assert "我的申请与密钥" in chinese.text
            english = await english_reader.get(path, params={"lang": "en"})
            assert english.status_code == 200, (path, english.text[:500])
            assert read_page(english.text).html_lang == "en"
            assert "Public Data Open Platform" in english.text
            assert "My applications and keys" in english.text
            # The portal's own words are English: Chinese remains only in the data (names, summaries, labels) and
            # in the switch back to Chinese.
            assert "首页" not in english.text, path
            assert "跳到主要内容" not in english.text, path


async def test_the_language_chosen_is_remembered_for_the_next_pages_A24_1(portal: Portal) -> None:
    async with portal.browser() as browser:
        chosen = await browser.get("/open/", params={"lang": "en"})
        assert chosen.cookies["lang"] == "en"
        # The switch leads back to the same page in the other language.
        switch = re.search(r'<a class="lang" href="([^"]+)" lang="zh-CN"', chosen.text)
        assert switch is not None
        assert switch.group(1) == "/open/?lang=zh"
        later = await browser.get("/open/datasets")
        assert read_page(later.text).html_lang == "en"
        # Another reader is not told: the gateway keeps no reader's cookie for the next one.
        async with portal.browser() as another:
            assert read_page((await another.get("/open/datasets")).text).html_lang == "zh-CN"
        back = await browser.get("/open/datasets", params={"lang": "zh"})
        assert read_page(back.text).html_lang == "zh-CN"
        assert read_page((await browser.get("/open/signin")).text).html_lang == "zh-CN"


async def test_a_not_open_or_secret_entry_never_appears_on_any_page_A22_1_A38_1(portal: Portal) -> None:
    hidden_words = [*portal.hidden, *portal.hidden.values(), "布防点甲号", "HX0001"]
    pages = [
        *every_page(portal),
        f"/open/datasets?q={portal.hidden[portal.not_open]}",
        f"/open/datasets?q={portal.hidden[portal.secret]}",
        f"/open/datasets?agency_id={portal.transport.id}",
        f"/open/datasets?agency_id={portal.world.police.id}&sort=views",
        "/open/datasets?open_type=unconditional&format=csv",
        "/open/datasets?category=theme&update_cycle=monthly",
    ]
    async with portal.browser() as browser:
        for path in pages:
            for lang in ("zh", "en"):
                page = await browser.get(path, params={"lang": lang})
                assert page.status_code == 200, path
                assert [w for w in hidden_words if w in page.text] == [], (path, lang)
        # Asked for by its id, the entry is answered exactly as an id that never existed: nothing tells it exists.
        never = str(uuid.uuid4())
        for below in ("", "/apply", "/report"):
            nothing = await browser.get(f"/open/datasets/{never}{below}", params={"lang": "zh"})
            assert nothing.status_code == 404
            assert "没有这个开放数据集" in nothing.text
            for entry_id in portal.hidden:
                missing = await browser.get(f"/open/datasets/{entry_id}{below}", params={"lang": "zh"})
                assert missing.status_code == 404
                assert missing.text.replace(entry_id, never) == nothing.text


async def test_every_form_field_has_a_label_and_the_page_its_language_A24_1(portal: Portal) -> None:
    async with portal.browser() as browser:
        for path in every_page(portal):
            for lang in ("zh", "en"):
                page = read_page((await browser.get(path, params={"lang": lang})).text)
                assert page.html_lang in ("zh-CN", "en")
                assert page.unlabelled() == [], (path, lang)
        # The forms exist: the search, the application (identity, purpose, format, each item), the report, signing
        # in and up, following a report, requesting data.
        names = {
            path: {f.name for f in read_page((await browser.get(path)).text).fields}
            for path in (f"/open/datasets/{portal.dogs}/apply", f"/open/datasets/{portal.stations}/report",
                         "/open/signin", "/open/feedback", "/open/demands")
        }  # fmt: skip
    assert names[f"/open/datasets/{portal.dogs}/apply"] == {
        "kind", "name", "identifier", "contact", "purpose", "data_format", "items"
    }  # fmt: skip
    assert names[f"/open/datasets/{portal.stations}/report"] == {"kind", "description", "items", "record_key"}
    assert names["/open/signin"] == {"username", "password", "login", "display_name"}
    assert names["/open/feedback"] == {"id", "token"}
    assert names["/open/demands"] == {"title", "description", "agency_id"}


async def test_a_two_character_chinese_word_finds_its_dataset_A24_1(portal: Portal) -> None:
    async with portal.browser() as browser:
        found = (await browser.get("/open/datasets", params={"q": SEARCHED})).text
        assert "公共自行车站点分布" in found
        assert f'href="/open/datasets/{portal.stations}"' in found
        assert "犬只登记信息" not in found
        assert f"与“{SEARCHED}”相关的数据集共 1 个" in found
        # From the home page's search form, as typed.
        home = read_page((await browser.get("/open/")).text)
        assert ("form", "action", "/open/datasets") in home.addresses


async def test_facets_count_and_filter_the_open_datasets_A24_1(portal: Portal) -> None:
    async with portal.browser() as browser:
        everything = (await browser.get("/open/datasets")).text
        assert "共 2 个数据集" in everything
        assert re.search(r"有条件开放 <span class=\"count\">\(1\)</span>", everything)
        assert re.search(r"无条件开放 <span class=\"count\">\(1\)</span>", everything)
        assert re.search(r"无锡市交通运输局 <span class=\"count\">\(1\)</span>", everything)
        conditional = (await browser.get("/open/datasets", params={"open_type": "conditional"})).text
        assert "犬只登记信息" in conditional
        assert "公共自行车站点分布" not in conditional
        assert re.search(r'aria-current="true">有条件开放', conditional)
        assert "取消“有条件开放”" in conditional
        files = (await browser.get("/open/datasets", params={"format": "csv"})).text
        assert "公共自行车站点分布" in files
        assert "犬只登记信息" not in files


async def test_a_datasets_page_shows_its_metadata_quality_preview_and_downloads_A24_1_A25_1(portal: Portal) -> None:
    async with portal.browser() as browser:
        page = (await browser.get(f"/open/datasets/{portal.stations}")).text
        api = (await browser.get(f"/api/open/datasets/{portal.stations}/quality")).json()
    # The first ten records in key order, each value in its column.
    first = sorted(STATIONS, key=lambda r: r["station_no"])[:10]
    rows = re.findall(r"<tr>(<td>.*?)</tr>", page)
    assert [re.findall(r"<td>(.*?)</td>", row) for row in rows[:10]] == [
        [r["station_no"], r["station_name"], r["district"], str(r["docks"]), r["opened_on"]] for r in first
    ]
    assert f"前 10 条记录（共 {len(STATIONS)} 条）" in page
    for file_format in ("csv", "json", "xlsx"):
        assert f'href="/api/open/datasets/{portal.stations}/download?format={file_format}"' in page
    assert "无锡市交通运输局" in page
    assert "每月" in page
    assert "主题库" in page
    # Quality with every criterion visible: udata's nine and MQA's dimensions, the scores the API states.
    met = sum(c["met"] for c in api["udata"]["criteria"])
    assert f"udata 元数据评分：{round(api['udata']['score'] * 100)}%（满足 {met}/9 项）" in page
    assert f"{round(api['mqa']['points'], 1)}/405 分" in page
    criteria = ["使用许可", "时间覆盖范围", "空间覆盖范围", "更新频率", "按时更新", "描述充分", "开放格式",
                "资源可获取", "资源有说明", "可发现性", "可访问性", "互操作性", "可重用性", "情境信息"]  # fmt: skip
    assert [c for c in criteria if f">{c}<" not in page] == []


async def test_a_conditional_datasets_page_offers_an_application_and_no_data_A24_2(portal: Portal) -> None:
    async with portal.browser() as browser:
        page = (await browser.get(f"/open/datasets/{portal.dogs}")).text
        form = (await browser.get(f"/open/datasets/{portal.dogs}/apply")).text
        direct = (await browser.get(f"/open/datasets/{portal.stations}/apply")).text
    assert f'href="/open/datasets/{portal.dogs}/apply"' in page
    assert "/download" not in page
    assert [d["licence_no"] for d in DOGS if d["licence_no"] in page] == []
    assert "申请人签订开放利用协议，数据仅用于申请所述用途。" in page
    for item in ("licence_no", "breed", "district", "registered_on"):
        assert f'name="items" value="{item}" checked' in form
    assert 'id="apply-form"' not in direct
    assert "无需申请" in direct


async def test_an_unknown_dataset_is_a_page_for_a_browser_and_a_problem_for_a_program_A24_1(portal: Portal) -> None:
    unknown = uuid.uuid4()
    async with portal.browser() as browser:
        page = await browser.get(f"/open/datasets/{unknown}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    program = await portal.world.gateway.get(f"/open/datasets/{unknown}", headers={"accept": "application/json"})
    assert program.status_code == 404
    assert program.headers["content-type"] == "application/problem+json"


async def test_the_hubs_address_leads_to_the_portal_which_loads_nothing_from_elsewhere_A24_1(portal: Portal) -> None:
    gateway = portal.world.gateway
    root = await gateway.get("/")
    assert (root.status_code, root.headers["location"]) == (307, "/open/")
    bare = await gateway.get("/open")
    assert bare.status_code in (307, 308)
    assert bare.headers["location"].endswith("/open/")
    async with portal.browser() as browser:
        home = await browser.get("/open/")
        assert "script-src 'self'" in home.headers["content-security-policy"]
        for path in every_page(portal):
            page = read_page((await browser.get(path)).text)
            outside = [a for a in page.addresses if not a[2].startswith(("/", "#")) or a[2].startswith("//")]
            assert outside == [], path
        assets = [a[2] for a in read_page(home.text).addresses if a[:2] in (("link", "href"), ("script", "src"))]
        assert sorted(a.split("?")[0] for a in assets) == [
            "/open/static/base.css",
            "/open/static/portal.css",
            "/open/static/portal.js",
            "/open/static/session.js",
        ]
        for address in assets:
            asset = await browser.get(address)
            assert asset.status_code == 200
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert asset.headers["content-type"].startswith(("text/css", "text/javascript"))
    # Pages are read, never written to: a POST is refused by the gateway's table.
    assert (await gateway.post("/open/datasets")).status_code == 405
