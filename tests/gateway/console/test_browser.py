"""The bureau's console in a real browser: Debian's Chromium, driven by Playwright, on the real mesh (catalogue,
sharing and open platforms, gateway; PostgreSQL and Kafka), signed in with passwords as people are.

The city's reviewer sees the queues with due dates, the overdue share application and open application marked, then
publishes a submitted entry (A14.1) and decides a share application for the bureau (A20.2, A29.1) from the page; the
services record the decisions as the reviewer's. The city's inspector mistypes the password (a security event,
A28.1), verifies the audit chain and downloads the export, whose records hash into the chain as the chain's rule says
(A34.1, A36.1), searches the audit, and reads the security events and the overdue legacy channel (A12.1). The
provider agency's officer sees its own agency's reviews and refuses the overdue open application with reasons,
recorded late (A24.2). Supervision-svc's indicators are charted by agency and region and exported (A32.1). Every page
is checked for its language, labels, contrast and that no request leaves the hub (nothing from a CDN); screenshots of
the main pages go to .run/screenshots/console-*.png.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from open.portal.test_browser import ACCESSIBILITY, CHROMIUM
from playwright.async_api import ConsoleMessage, Locator, Page, async_playwright, expect

from harness import eventually

if TYPE_CHECKING:
    from gateway.console.conftest import ConsoleWorld, Person

SCREENSHOTS = Path(__file__).resolve().parents[3] / ".run" / "screenshots"
ZERO_HASH = "0" * 64  # where the chain starts: the all-zero SHA-256 value (FIPS 180-4's 256 bits)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: `make browser` installs Debian's Chromium"),
]


@pytest.fixture
async def page(world: ConsoleWorld) -> AsyncIterator[Page]:
    """A fresh Chromium tab on the hub. Every request it makes must go to the hub itself (no CDN, no web font), and
    the page must raise no script error nor break its content security policy."""
    outside: list[str] = []
    faults: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # A refused request (the mistyped password's 401) is logged by the browser itself, and is no fault.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            faults.append(message.text)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = await browser.new_context(
                base_url=world.url, accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                viewport={"width": 1440, "height": 900},
            )  # fmt: skip
            tab = await context.new_page()
            tab.on("request", lambda r: None if r.url.startswith((world.url, "blob:")) else outside.append(r.url))
            tab.on("pageerror", lambda error: faults.append(str(error)))
            tab.on("console", console)
            yield tab
        finally:
            await browser.close()
    assert outside == []
    assert faults == []


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=True)


async def assert_accessible(page: Page) -> None:
    assert await page.evaluate(ACCESSIBILITY) == [], page.url


async def sign_in(page: Page, person: Person, password: str | None = None) -> None:
    await page.goto("/console/")
    form = page.locator("form.login")
    await form.get_by_label("账号").fill(person.login)
    await form.get_by_label("密码").fill(password or person.password)
    await form.get_by_role("button", name="登录").click()


def row(page: Page, section: str, text: str) -> Locator:
    """The row of a section's table holding `text`."""
    return page.get_by_role("region", name=section).get_by_role("row").filter(has_text=text)


def sha256_of(record: dict[str, Any]) -> str:
    """A record's hash as the chain's rule states it: SHA-256 over the UTF-8 JSON of every field but the hash, keys
    sorted, no spaces (the export writes timestamps as the chain hashes them: UTC, microseconds written out)."""
    body = {name: value for name, value in record.items() if name != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def test_a_reviewer_publishes_a_submitted_entry_and_decides_a_share_application_from_the_console_A14_1_A20_2(
    page: Page, world: ConsoleWorld
) -> None:
    await page.goto("/console/")
    await assert_accessible(page)
    await screenshot(page, "login")
    await sign_in(page, world.reviewer)
    who = page.locator("#who")
    for shown in (f"已登录：{world.reviewer.login}", "角色：审核员", "区域：无锡市 320200"):
        await expect(who).to_contain_text(shown)
    await expect(page.get_by_role("heading", level=1)).to_have_text("审核队列")

    entry = world.submitted
    submitted = row(page, "目录提交（待审核发布）", entry["code"])
    await expect(submitted).to_contain_text(entry["name"])
    await expect(submitted).to_contain_text("无锡市人力资源和社会保障局")
    # Reviews made three weeks ago are past their 5 working days (A20.2); today's are not. Overdue says so in words.
    late = row(page, "共享申请", world.late_application[:8])
    fresh = row(page, "共享申请", world.fresh_application[:8])
    await expect(late).to_have_class(re.compile(r"\boverdue\b"))
    await expect(late).to_contain_text("已逾期")
    await expect(late).to_contain_text("无锡市民政局")
    await expect(fresh).not_to_have_class(re.compile(r"\boverdue\b"))
    await expect(fresh).not_to_contain_text("已逾期")
    # The citizen's application unanswered for three weeks is past its 10 working days (A24.2); the report is listed.
    await expect(row(page, "开放申请", "王小明")).to_have_class(re.compile(r"\boverdue\b"))
    await expect(row(page, "错误报告与异议", "参保日期与登记记录不一致")).to_contain_text("明显错误")
    await assert_accessible(page)
    await screenshot(page, "queues")

    await submitted.get_by_role("button", name="发布").click()
    await expect(page.locator("#status")).to_have_text(f"目录 {entry['code']} 已发布。")
    await expect(submitted).to_have_count(0)
    published = (await world.gateway.get(f"/api/catalog/entries/{entry['id']}", headers=world.reviewer.headers)).json()
    assert published["published_version"] == 1
    assert (published["current"]["state"], published["current"]["reviewed_by"]) == ("published", world.reviewer.subject)

    # A refusal needs reasons (A20.2): the page shows the service's refusal, and nothing is decided.
    refusing = fresh.get_by_role("form")
    await refusing.get_by_label("审核决定").select_option("refuse")
    await refusing.get_by_role("button", name="提交决定").click()
    await expect(refusing.get_by_role("alert")).to_contain_text("A20.2")
    assert (await world.application(world.fresh_application))["state"] == "requested"

    deciding = late.get_by_role("form")
    await deciding.get_by_label("审核决定").select_option("approve")
    await deciding.get_by_label("风险等级").select_option("medium")
    await deciding.get_by_role("button", name="提交决定").click()
    await expect(page.locator("#status")).to_have_text(f"申请 {world.late_application[:8]} 已批准。")
    application = await world.application(world.late_application)
    [bureau] = [review for review in application["reviews"] if review["party"] == "bureau"]
    assert (bureau["decision"], bureau["risk_level"], bureau["decided_by"]) == ("approve", "medium",
                                                                               world.reviewer.subject)  # fmt: skip
    assert application["state"] == "bureau_approved"
    # Still awaiting the provider agency's officer: listed, with nothing left for the bureau to decide.
    await expect(late).to_contain_text("提供部门")
    await expect(late.get_by_role("form")).to_have_count(0)


async def test_an_inspector_verifies_the_audit_chain_and_downloads_its_export_from_the_console_A34_1_A28_1(
    page: Page, world: ConsoleWorld, tmp_path: Path
) -> None:
    await sign_in(page, world.inspector, password="not the password")
    await expect(page.locator("form.login").get_by_role("alert")).to_have_text("账号或密码不正确。")
    await sign_in(page, world.inspector)
    await expect(page.locator("#who")).to_contain_text("角色：监察员")
    nav = page.get_by_role("navigation", name="控制台")
    await nav.get_by_role("link", name="审计").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("审计")

    await page.get_by_role("button", name="校验审计链").click()
    await expect(page.locator(".verify-result")).to_have_text("审计链完整：未发现断裂。")

    export = page.get_by_role("form", name="导出审计记录")
    await export.get_by_label("格式").select_option("json")
    async with page.expect_download() as downloading:
        await export.get_by_role("button", name="下载导出文件").click()
    exported = tmp_path / (await downloading.value).suggested_filename
    await (await downloading.value).save_as(exported)
    document = json.loads(exported.read_text(encoding="utf-8"))
    records = document["records"]
    assert document["proof"]["prev_hash_of_first"] == ZERO_HASH
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert [r["prev_hash"] for r in records] == [ZERO_HASH] + [r["hash"] for r in records[:-1]]
    assert all(r["hash"] == sha256_of(r) for r in records)
    # The verification just made is in the chain, as the inspector's (A36.1).
    verified = [r for r in records if r["route"] == "/admin/audit/verify"]
    assert [(r["caller"], r["status"]) for r in verified] == [(world.inspector.subject, 200)]

    await export.get_by_label("格式").select_option("csv")
    async with page.expect_download() as downloading:
        await export.get_by_role("button", name="下载导出文件").click()
    spreadsheet = tmp_path / (await downloading.value).suggested_filename
    await (await downloading.value).save_as(spreadsheet)
    with spreadsheet.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert set(rows[0]) == set(records[0])
    assert [(r["seq"], r["hash"]) for r in rows[: len(records)]] == [(str(r["seq"]), r["hash"]) for r in records]

    search = page.get_by_role("search", name="检索审计记录")
    await search.get_by_label("调用方包含").fill(world.inspector.subject)
    await search.get_by_label("路径包含").fill("/admin/audit/")
    await search.get_by_role("button", name="检索").click()
    found = page.locator(".search-results")
    await expect(found.get_by_role("row").filter(has_text="/admin/audit/verify")).to_have_count(1)
    # The two downloads; the search's own read of the range is recorded as its answer starts, after the range is read.
    await expect(found.get_by_role("row").filter(has_text="/admin/audit/export")).to_have_count(2)
    await assert_accessible(page)
    await screenshot(page, "audit")

    await nav.get_by_role("link", name="安全事件").click()
    mistyped = page.get_by_role("row").filter(has_text="认证失败").filter(has_text="/auth/token")
    await expect(mistyped).to_have_count(1)
    await assert_accessible(page)
    await screenshot(page, "security")

    await nav.get_by_role("link", name="存量交换通道").click()
    channel = page.get_by_role("row").filter(has_text="社保前置机交换")
    await expect(channel).to_have_class(re.compile(r"\boverdue\b"))
    await expect(channel).to_contain_text("已逾期")
    await expect(page.locator(".summary")).to_have_text("共 1 条，未完成 1 条，逾期 1 条。")
    await screenshot(page, "legacy")

    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Legacy exchange channels")
    await expect(channel).to_contain_text("Overdue by")
    await assert_accessible(page)


async def test_a_token_the_gateway_refuses_returns_the_console_to_sign_in_and_leaves_no_session(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world.inspector)
    await expect(page.locator("#who")).to_contain_text("角色：监察员")
    # As when the token expires or is revoked before the tab's own clock says so: its signature no longer holds.
    await page.evaluate("""() => {
        const saved = JSON.parse(sessionStorage.getItem("hub.console.session"));
        saved.token = saved.token.split(".").slice(0, 2).join(".") + ".c2lnbmF0dXJl";
        sessionStorage.setItem("hub.console.session", JSON.stringify(saved));
    }""")
    await page.get_by_role("navigation", name="控制台").get_by_role("link", name="审计").click()
    await page.get_by_role("button", name="校验审计链").click()
    await expect(page.locator("form.login").get_by_role("alert")).to_have_text("登录已过期，请重新登录。")
    assert await page.evaluate("sessionStorage.getItem('hub.console.session')") is None


async def test_an_agency_officer_answers_for_its_own_agency_from_the_console_A24_2_A15_2(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world.officer)
    who = page.locator("#who")
    await expect(who).to_contain_text("角色：部门经办人")
    await expect(who).to_contain_text("部门：无锡市人力资源和社会保障局")
    await expect(page.get_by_role("navigation", name="控制台").get_by_role("link", name="审计")).to_have_count(0)
    # The provider's review of each share application is the officer's to make (A20.2); the bureau's queue is not.
    await expect(row(page, "共享申请", world.late_application[:8]).get_by_role("form")).to_have_count(1)
    await expect(page.get_by_role("region", name="目录提交（待审核发布）")).to_have_count(0)

    answering = row(page, "开放申请", "王小明").get_by_role("form")
    await answering.get_by_label("审核决定").select_option("refuse")
    await answering.get_by_label("理由（拒绝时必填）").fill("申请用途与所需数据项不符")
    await answering.get_by_role("button", name="提交决定").click()
    await expect(page.locator("#status")).to_have_text(f"申请 {world.open_application[:8]} 已拒绝。")
    await expect(row(page, "开放申请", "王小明")).to_have_count(0)
    answer = await world.gateway.get(f"/api/open/applications/{world.open_application}", headers=world.officer.headers)
    application = answer.json()
    assert (application["state"], application["reasons"]) == ("refused", ["申请用途与所需数据项不符"])
    assert (application["decided_by"], application["decided_late"]) == (world.officer.subject, True)


def current_quarter() -> str:
    """This calendar quarter in the hub's time zone, e.g. 2026Q4."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


TABLE = """
(caption) => {
  const table = [...document.querySelectorAll("table")].find((t) => t.caption?.textContent === caption);
  const header = [...table.tHead.rows[0].cells].map((c) => c.textContent);
  const cells = (row) => [...row.cells].map((cell, i) => [header[i], cell.textContent]);
  return [...table.tBodies[0].rows].map((row) => Object.fromEntries(cells(row)));
}
"""


async def test_the_indicators_page_charts_supervision_svcs_figures_by_agency_and_region_and_exports_them_A32_1(
    page: Page, world: ConsoleWorld, tmp_path: Path
) -> None:
    # One error report was filed on the provider's data this quarter (A26.1); supervision-svc learns it from events.
    provider = world.provider["name"]

    async def counted() -> bool:
        answer = await world.gateway.get("/api/supervision/indicators", headers=world.reviewer.headers)
        assert answer.status_code == 200, answer.text
        figures = {a["agency_name"]: a["indicators"] for a in answer.json()["agencies"]}
        return provider in figures and figures[provider]["error_reports"]["value"] == 1

    await eventually(counted, within=30)
    await sign_in(page, world.reviewer)
    await page.get_by_role("navigation", name="控制台").get_by_role("link", name="指标体系").click()
    await expect(page.get_by_label("统计期")).to_have_value(current_quarter())
    # By agency and by region, drawn by ECharts on canvases (this world exchanged no data between agencies).
    await expect(page.locator(".chart canvas")).to_have_count(2)
    await expect(page.get_by_role("figure").filter(has_text="按部门：目录覆盖率")).to_have_count(1)
    agencies = {row["部门"]: row for row in await page.evaluate(TABLE, "各部门指标")}
    # This quarter's one report beside the last quarter's none (the hub began this quarter).
    assert agencies[provider]["错误报告 (A26.1)"] == "1 件（上期 0 件）"
    await assert_accessible(page)
    await screenshot(page, "indicators")

    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="导出 CSV").click()
    exported = tmp_path / "indicators.csv"
    await (await downloading.value).save_as(exported)
    with exported.open(encoding="utf-8-sig", newline="") as file:
        figures = [r for r in csv.DictReader(file) if r["level"] == "agency" and r["name"] == provider]
    assert {r["indicator"]: r["value"] for r in figures}["error_reports"] == "1"
