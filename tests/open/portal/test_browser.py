"""The portal in a real browser: Debian's Chromium, driven by Playwright, on the real mesh (catalogue, big data centre,
open-svc, gateway; PostgreSQL and Kafka), the records replicated from the centre over the open-records changelog.

A citizen searches with a two-character Chinese word, opens the dataset, sees its preview and downloads its CSV,
whose rows are the records the agency pushed to the centre (A24.1); a company signs up, applies for a conditional
dataset, the agency's officer approves through the API, the company accepts the open-use agreement in the page and
fetches the data with the key it is issued (A24.2, A24.3); an anonymous reporter reports an error and follows it
(A26.1); a signed-in user requests data (A27.1). On every page: the lang attribute, a label on every field, text
contrast of at least 4.5:1 (WCAG 2.x's formula, computed here), a visible focus ring, and no request leaving the hub.
Screenshots of the main pages are written to .run/screenshots/.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from open.portal.world import DOGS, SEARCHED, STATIONS, Portal
from playwright.async_api import Page, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / ".run" / "screenshots"
PASSWORD = "a long portal password"
# Huawei Technologies' unified social credit code, whose check character its registrar computed (GB 32100).
COMPANY = {"name": "华为技术有限公司", "identifier": "914403001922038216", "contact": "open-data@example.com"}

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: `make browser` installs Debian's Chromium"),
]

# WCAG 2.x: relative luminance and contrast ratio; large text (24 px, or 18.66 px bold) needs 3:1, other text 4.5:1.
# Each visible element with text of its own is checked against the first opaque background behind it.
ACCESSIBILITY = """
() => {
  const problems = [];
  if (!["zh-CN", "en"].includes(document.documentElement.lang)) problems.push("html lang");
  for (const field of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!field.labels?.length && !field.getAttribute("aria-label")) problems.push("unlabelled " + field.outerHTML);
  }
  const rgba = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const backdrop = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour.length === 3 || (colour.length === 4 && colour[3] > 0)) return colour;
    }
    return [255, 255, 255];
  };
  for (const node of document.querySelectorAll("body *")) {
    const text = [...node.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent.trim());
    if (!text || !node.checkVisibility() || node.closest(":disabled")) continue;
    const style = getComputedStyle(node);
    const [a, b] = [luminance(rgba(style.color)), luminance(backdrop(node))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}: ${node.textContent.trim().slice(0, 40)}`);
    }
  }
  return problems;
}
"""
FOCUS_RING = """
() => {
  const style = getComputedStyle(document.activeElement);
  return [document.activeElement.tagName, style.outlineStyle, parseFloat(style.outlineWidth)];
}
"""


@pytest.fixture
async def page(portal: Portal) -> AsyncIterator[Page]:
    """A fresh Chromium tab on the hub; every request it makes must go to the hub itself (no CDN, no web font)."""
    outside: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = await browser.new_context(base_url=portal.url, accept_downloads=True,
                                                viewport={"width": 1280, "height": 900})  # fmt: skip
            tab = await context.new_page()
            tab.on("request", lambda r: None if r.url.startswith(portal.url) else outside.append(r.url))
            yield tab
        finally:
            await browser.close()
    assert outside == []


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def assert_accessible(page: Page) -> None:
    assert await page.evaluate(ACCESSIBILITY) == [], page.url


async def sign_up(page: Page) -> str:
    """A new portal account, made on the sign-in page; the browser is signed in with it."""
    login = f"citizen-{uuid.uuid4().hex[:8]}"
    await page.goto("/open/signin")
    await assert_accessible(page)
    await screenshot(page, "signin")
    signup = page.locator("#signup-form")
    await signup.get_by_label("账号").fill(login)
    await signup.get_by_label("显示名称").fill("王小明")
    await signup.get_by_label("密码").fill(PASSWORD)
    await signup.get_by_role("button", name="注册新账号").click()
    await page.wait_for_url("**/open/account")
    await expect(page.locator("#session")).to_contain_text(f"已登录：{login}")
    return login


async def test_search_preview_and_download_a_dataset_in_a_browser_A24_1(portal: Portal, page: Page) -> None:
    await page.goto("/")
    assert page.url == f"{portal.url}/open/"
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await assert_accessible(page)
    await screenshot(page, "home")
    # By keyboard: the first stop skips to the content; every stop shows its focus ring.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    for _ in range(8):
        tag, outline, width = await page.evaluate(FOCUS_RING)
        assert outline != "none", tag
        assert width >= 2, tag
        await page.keyboard.press("Tab")
    search = page.get_by_label("搜索数据集")
    await search.focus()
    await page.keyboard.type(SEARCHED)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/open/datasets?q=*")
    await expect(page.locator("p.found")).to_have_text(f"与“{SEARCHED}”相关的数据集共 1 个")
    await assert_accessible(page)
    await screenshot(page, "datasets")

    await page.get_by_role("link", name="公共自行车站点分布").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("公共自行车站点分布")
    await assert_accessible(page)
    await page.get_by_text("查看全部评分标准").click()  # the quality criteria, opened
    await screenshot(page, "dataset")
    ordered = sorted(STATIONS, key=lambda r: r["station_no"])
    preview = page.get_by_role("region", name="数据预览").locator("tbody tr")
    await expect(preview).to_have_count(10)
    cells = await preview.evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert cells == [[r["station_no"], r["station_name"], r["district"], str(r["docks"]), r["opened_on"]]
                     for r in ordered[:10]]  # fmt: skip

    async with page.expect_download() as started:
        await page.get_by_role("link", name="下载 CSV").click()
    download = await started.value
    saved = await download.path()
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO((await anyio.Path(saved).read_bytes()).decode("utf-8-sig"))))
    assert rows == [{name: str(value) for name, value in r.items()} for r in ordered]

    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "dataset-en")


async def test_apply_get_approved_accept_the_agreement_and_fetch_with_the_key_in_a_browser_A24_2_A24_3(
    portal: Portal, page: Page
) -> None:
    await sign_up(page)
    await page.goto(f"/open/datasets/{portal.dogs}")
    await page.get_by_role("link", name="申请使用").click()
    form = page.locator("#apply-form")
    await expect(form).to_be_visible()
    await form.get_by_label("申请人类型").select_option(label="法人")
    await form.get_by_label("姓名或单位名称").fill(COMPANY["name"])
    await form.get_by_label("公民身份号码或统一社会信用代码").fill(COMPANY["identifier"])
    await form.get_by_label("联系电话或电子邮箱").fill(COMPANY["contact"])
    await form.get_by_label("数据用途").fill("研究全市犬只登记的区域分布，编制文明养犬宣传方案")
    await form.get_by_label("数据获取方式").select_option("api")
    await form.get_by_label("登记日期").uncheck()
    await assert_accessible(page)
    await screenshot(page, "apply")
    await form.get_by_role("button", name="提交申请").click()
    await expect(page.locator("#apply-result")).to_contain_text("申请已提交")

    # The collecting agency's officer approves through the API (A24.2).
    gateway = portal.world.gateway
    listed = await gateway.get("/api/open/applications", params={"entry_id": portal.dogs}, headers=portal.officer)
    assert listed.status_code == 200, listed.text
    [application] = listed.json()["applications"]
    assert application["items"] == ["licence_no", "breed", "district"]
    decided = await gateway.post(f"/api/open/applications/{application['id']}/decision",
                                 json={"decision": "approve"}, headers=portal.officer)  # fmt: skip
    assert decided.status_code == 200, decided.text

    await page.goto("/open/account")
    mine = page.locator(f"#application-{application['id']}")
    await expect(mine.locator("[data-state]")).to_have_text("已批准，待签署协议")
    accept = mine.get_by_role("button", name="签署协议")
    await expect(accept).to_be_disabled()  # no acceptance without reading and ticking (A24.3)
    await mine.get_by_label(f"我已阅读并同意《无锡市公共数据开放利用协议》（第 {portal.agreement_version} 版）").check()
    await accept.click()
    mine = page.locator(f"#application-{application['id']}")
    await expect(mine.locator("[data-state]")).to_have_text("已签署协议")
    await expect(mine.locator(".result")).to_contain_text("协议已签署")

    await mine.get_by_role("button", name="获取数据密钥").click()
    await expect(mine.locator(".result")).to_contain_text("数据密钥已生成")
    key = await mine.get_by_label("数据密钥").input_value()
    assert key.startswith("odk_")
    await mine.get_by_role("button", name="用此密钥获取数据").click()
    fetched = mine.get_by_role("region", name="通过数据密钥获取的记录")
    await expect(fetched.locator("tbody tr")).to_have_count(len(DOGS))
    approved = ["licence_no", "breed", "district"]
    shown = await fetched.locator("tr").evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    expected = [[d[name] for name in approved] for d in sorted(DOGS, key=lambda d: d["licence_no"])]
    assert shown == [approved, *expected]
    await assert_accessible(page)
    await screenshot(page, "account")

    # The same key, outside the page, with the same account's token: the approved items only.
    token = await page.evaluate("JSON.parse(sessionStorage.getItem('portal.session')).token")
    keyed = await gateway.get(f"/api/open/access/{portal.dogs}/records",
                              headers={"authorization": f"Bearer {token}", "x-open-data-key": key})  # fmt: skip
    assert keyed.status_code == 200, keyed.text
    assert [r["data"] for r in keyed.json()["records"]] == [dict(zip(approved, row, strict=True)) for row in expected]


async def test_report_an_error_follow_it_and_request_data_in_a_browser_A26_1_A27_1(portal: Portal, page: Page) -> None:
    await page.goto(f"/open/datasets/{portal.stations}")
    await page.get_by_role("link", name="报告数据错误或提出异议").click()
    form = page.locator("#report-form")
    await form.get_by_label("报告明显错误").check()
    await form.get_by_label("问题说明").fill("ST0003 的车桩数与现场不符，现场只有 5 个车桩。")
    await form.get_by_label("车桩数").check()
    await form.get_by_label("涉及的记录（可选）").fill("ST0003")
    await assert_accessible(page)
    await form.get_by_role("button", name="提交报告").click()
    result = page.locator("#report-result")
    await expect(result).to_contain_text("报告已提交")
    await screenshot(page, "report")
    token = await result.locator("[data-reporter-token]").text_content()
    assert token
    await result.get_by_role("link", name="跟踪此报告").click()
    await page.get_by_label("跟踪凭证").fill(token)
    await page.get_by_role("button", name="查询").click()
    followed = page.locator("#follow-result")
    await expect(followed).to_contain_text("已受理")
    await expect(followed).to_contain_text("公共自行车站点分布")
    await assert_accessible(page)
    await screenshot(page, "feedback")

    await sign_up(page)
    await page.goto("/open/demands")
    demand = page.locator("#demand-form")
    title = f"公共停车场实时泊位 {uuid.uuid4().hex[:4]}"
    await demand.get_by_label("需要什么数据").fill(title)
    await demand.get_by_label("用途和希望的形式").fill("用于停车导航，希望以接口形式每分钟更新。")
    await demand.get_by_label("可能持有数据的机构（可选）").select_option(label="无锡市交通运输局")
    await demand.get_by_role("button", name="提交需求").click()
    await expect(page.locator("#demand-result")).to_contain_text(title)
    await page.reload()
    card = page.locator(".card", has_text=title)
    await expect(card).to_contain_text("1 票")
    await expect(card).to_contain_text("无锡市交通运输局")
    # The button names its demand to a screen reader ("投票支持 ：<title>").
    await card.get_by_role("button", name=re.compile(f"^投票支持\\s*：{re.escape(title)}$")).click()
    await expect(card.locator("[data-vote-result]")).to_contain_text("您已为此需求投过票")  # one vote per account
    await assert_accessible(page)
    await screenshot(page, "demands")
