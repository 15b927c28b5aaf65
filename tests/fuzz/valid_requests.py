"""A request each write route accepts, written by hand: the hostile-input test changes one field of it at a time, so
a hostile value is the only fault and travels past validation to the code (and the database) behind it.

Each is sent as a caller who passes both the gateway's access table and the service's own scope check (the
provider's officer reviews, the consumer agency applies, the applicant accepts its agreement), to a resource in
the state the route acts on: a route that moves its resource on gets a fresh one for each request
(`fuzz.resources`), so that the request before it has not moved it on.

A write route missing here still gets hostile values, into a body generated from its request schema; a valid one
reaches deeper. Bodies are fresh on each call: codes and logins that must be unique are new every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from factories import agency_body
from fuzz import resources
from fuzz.bodies import (
    PORTAL_PASSWORD,
    elements,
    entry_code,
    open_application,
    person,
    share_application,
)
from fuzz.resources import Maker
from harness import CITY

Known = dict[str, str]  # what the suite knows by name: real resources' ids, the seeded entry's code, a login
Fresh = Callable[[Maker], Awaitable[Known]]  # resources made for one request, by the names the request uses
HUB_TIMEZONE = ZoneInfo("Asia/Shanghai")  # the hub's default `timezone`, whose day a government decision is not after


@dataclass(frozen=True)
class ValidRequest:
    """What a route accepts: its body (by media type), the real resources its path names, and who sends it."""

    media_type: str | None  # None: the route takes no body
    body: Callable[[Known], Any] = lambda known: None
    path: dict[str, str] = field(default_factory=dict)  # path parameter → a name in Known, or "new" (a fresh id)
    caller: str | None = None  # None: the first identity the access table lets through
    headers: Callable[[Known], dict[str, str]] = lambda known: {}
    fresh: Fresh | None = None  # makes, for each request, the resource the route moves on


def fresh(name: str, make: Callable[[Maker], Awaitable[str]]) -> Fresh:
    """A fresh resource for each request, known by `name`."""

    async def made(maker: Maker) -> Known:
        return {name: await make(maker)}

    return made


async def _acceptable(maker: Maker) -> Known:
    """An approved open application and the agreement version in force (which the suite's requests may change)."""
    return {"application_id": await resources.open_approved(maker),
            "version": await resources.agreement_version(maker)}  # fmt: skip


def _today() -> str:
    return datetime.now(HUB_TIMEZONE).date().isoformat()


def _hex() -> str:
    return uuid.uuid4().hex[:10]


JSON, FORM, CSV, NDJSON = "application/json", "application/x-www-form-urlencoded", "text/csv", "application/x-ndjson"
BATCH = {"entry_id": "entry_id", "batch_id": "new"}  # the seeded published entry, a new batch each time

# One row of a catalogue spreadsheet: a complete entry with one item (the columns are catalog-svc's import format).
IMPORT_ROW = {
    "region_code": CITY, "name": "常住人口基本信息", "summary": "全市常住人口的基本信息。", "classification": "01-02",
    "category": "base", "base_database": "population", "source_system": "人口管理信息系统", "format": "CSV",
    "share_type": "unconditional", "share_method": "api", "open_type": "not_open",
    "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily", "tags": "人口;户籍",
    "item_name": "id_number", "item_label": "居民身份证号码", "item_type": "string", "item_length": 18,
    "item_required": "是", "item_key": "是", "item_sensitivity": "highly_sensitive",
}  # fmt: skip

REQUESTS: dict[tuple[str, str, str], ValidRequest] = {
    ("catalog", "POST", "/regions"): ValidRequest(JSON, lambda known: {
        "code": f"3202{uuid.uuid4().int % 90 + 10}", "name": "梁溪区", "level": "district", "parent_code": CITY}),
    ("catalog", "PUT", "/regions/{region_code}/compilation-rules"): ValidRequest(JSON, lambda known: {
        "required_elements": ["name", "summary", "update_cycle"], "allowed_update_cycles": ["daily", "monthly"],
        "code_pattern": r"^\d{2}-\d{2}/\d{6}$"}, {"region_code": "sandbox_region"}),
    ("catalog", "POST", "/agencies"): ValidRequest(JSON, lambda known: agency_body(region_code=CITY)),
    ("catalog", "PATCH", "/agencies/{agency_id}"): ValidRequest(JSON, lambda known: {
        "name": "无锡市公安局", "duties": "治安管理", "data_unit": "大数据科", "responsible_person": "张三"},
        {"agency_id": "agency_id"}),
    ("catalog", "POST", "/entries"): ValidRequest(JSON, lambda known: {
        "code": entry_code(), "region_code": CITY, "provider_agency_id": known["agency_id"], **elements()}),
    ("catalog", "PUT", "/entries/{entry_id}/draft"): ValidRequest(JSON, lambda known: elements(),
                                                                  {"entry_id": "entry_id"}),
    # The published entry stays published for the routes after these: they act on a spare draft.
    ("catalog", "POST", "/entries/{entry_id}/submit"): ValidRequest(None, path={"entry_id": "draft_entry_id"}),
    ("catalog", "POST", "/entries/{entry_id}/retire"): ValidRequest(None, path={"entry_id": "draft_entry_id"}),
    ("catalog", "POST", "/entries/{entry_id}/return"): ValidRequest(JSON, lambda known: {"reasons": ["缺少共享条件"]},
                                                                    {"entry_id": "entry_id"}),
    ("catalog", "POST", "/sources"): ValidRequest(JSON, lambda known: {
        "item_label": "居民身份证号码", "entry_code": known["entry_code"]}),
    ("catalog", "POST", "/entries/{entry_id}/change-notices"): ValidRequest(JSON, lambda known: {
        "reason": "机构职能调整"}, {"entry_id": "entry_id"}),
    ("catalog", "POST", "/imports"): ValidRequest(CSV, lambda known: {"code": entry_code(), **IMPORT_ROW}),
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): ValidRequest(
        NDJSON, lambda known: person(7), BATCH),
    ("aggregation", "POST", "/consents"): ValidRequest(JSON, lambda known: {
        "subject": "320200199001011234", "purpose": "办理居住证", "method": "政务服务网在线勾选同意",
        "scope": "居住地址", "entry_ids": [known["entry_id"]], "query_channel": "无锡市政务服务网",
        "correction_channel": "12345 政务服务热线", "given_at": "2025-01-02T03:04:05+08:00",
        "expires_at": "2030-01-02T03:04:05+08:00"}),
    ("aggregation", "POST", "/consents/{consent_id}/revoke"): ValidRequest(JSON, lambda known: {
        "reason": "本人撤回同意"}, {"consent_id": "consent_id"}),
    ("gateway", "POST", "/auth/token"): ValidRequest(FORM, lambda known: {
        "grant_type": "password", "username": known["portal_login"], "password": PORTAL_PASSWORD,
        "client_id": "", "client_secret": ""}),
    ("gateway", "POST", "/admin/clients"): ValidRequest(JSON, lambda known: {
        "kind": "operator", "login": f"inspector-{_hex()}", "display_name": "督查员", "roles": ["inspector"],
        "region_code": CITY, "password": "a long operator password", "agency_id": None}),
    ("gateway", "POST", "/admin/legacy-channels"): ValidRequest(JSON, lambda known: {
        "agency_id": known["agency_id"], "counterpart": "无锡市民政局", "name": "前置机交换",
        "description": "每日文件交换", "region_code": CITY, "deadline": "2026-12-31"}),
    ("gateway", "PATCH", "/admin/legacy-channels/{channel_id}"): ValidRequest(JSON, lambda known: {
        "status": "integrating", "note": "已排期"}, {"channel_id": "channel_id"}),
    ("gateway", "POST", "/portal/accounts"): ValidRequest(JSON, lambda known: {
        "login": f"citizen-{_hex()}", "display_name": "市民", "password": PORTAL_PASSWORD}),
    ("gateway", "POST", "/portal/api-keys"): ValidRequest(JSON, lambda known: {"name": "我的应用"}),
    # share-svc (A20.1-A21.1): the consumer agency applies; the provider agency's officer and the bureau review.
    ("share", "POST", "/applications"): ValidRequest(JSON, lambda known: share_application(
        known["conditional_entry_id"], ["credit_code", "company_name"]), caller="consumer"),
    ("share", "POST", "/applications/{application_id}/reviews/provider"): ValidRequest(JSON, lambda known: {
        "decision": "approve", "reasons": ["符合共享条件"], "risk_level": "low"},
        fresh=fresh("application_id", resources.share_applied)),
    ("share", "POST", "/applications/{application_id}/reviews/bureau"): ValidRequest(JSON, lambda known: {
        "decision": "refuse", "reasons": ["申请事项与所述职责无关"], "risk_level": "high"},
        fresh=fresh("application_id", resources.share_applied)),
    ("share", "POST", "/applications/{application_id}/withdraw"): ValidRequest(JSON, lambda known: {
        "reasons": ["核对工作另有安排"]}, caller="consumer", fresh=fresh("application_id", resources.share_applied)),
    ("share", "POST", "/grants/{grant_id}/revoke"): ValidRequest(JSON, lambda known: {"reason": "核对工作已结束"},
                                                                 fresh=fresh("grant_id", resources.share_granted)),
    ("share", "POST", "/applications/{application_id}/disputes"): ValidRequest(JSON, lambda known: {
        "statement": "本局依据《社会救助暂行办法》负有核对职责。"}, caller="consumer",
        fresh=fresh("application_id", resources.share_refused)),
    ("share", "POST", "/disputes/{dispute_id}/notes"): ValidRequest(JSON, lambda known: {
        "text": "已听取双方意见，约定补充提交职责依据。"}),
    ("share", "POST", "/disputes/{dispute_id}/decision"): ValidRequest(JSON, lambda known: {
        "outcome": "dismissed", "reasons": ["申请用途确超出核对范围"], "risk_level": "medium"},
        fresh=fresh("dispute_id", resources.share_disputed)),
    ("share", "POST", "/disputes/{dispute_id}/escalation"): ValidRequest(JSON, lambda known: {
        "authority": "无锡市人民政府", "reasons": ["双方分歧较大"]},
        fresh=fresh("dispute_id", resources.share_disputed)),
    ("share", "POST", "/disputes/{dispute_id}/government-decision"): ValidRequest(JSON, lambda known: {
        "outcome": "upheld", "authority": "无锡市人民政府", "reference": "锡政复〔2026〕7号", "decided_on": _today(),
        "reasons": ["申请符合其法定职责"], "risk_level": "low"}, fresh=fresh("dispute_id", resources.share_escalated)),
    # open-svc (A24.2-A27.1): the citizen applies, accepts the agreement and uses its key; the collecting agency's
    # officer answers; the bureau publishes the agreement and answers demands.
    ("open", "POST", "/applications"): ValidRequest(JSON, lambda known: open_application(
        known["conditional_entry_id"])),
    ("open", "POST", "/applications/{application_id}/decision"): ValidRequest(JSON, lambda known: {
        "decision": "approve", "reasons": ["注册资本不予开放"], "items": ["credit_code"]},
        fresh=fresh("application_id", resources.open_applied)),
    ("open", "POST", "/applications/{application_id}/withdraw"): ValidRequest(
        None, fresh=fresh("application_id", resources.open_applied)),
    ("open", "POST", "/agreements"): ValidRequest(JSON, lambda known: resources.AGREEMENT),
    ("open", "POST", "/applications/{application_id}/agreement"): ValidRequest(JSON, lambda known: {
        "version": int(known["version"])}, fresh=_acceptable),
    ("open", "POST", "/applications/{application_id}/keys"): ValidRequest(
        None, fresh=fresh("application_id", resources.open_agreed)),
    ("open", "POST", "/keys/{key_id}/revoke"): ValidRequest(JSON, lambda known: {"reason": "应用已下线"},
                                                           fresh=fresh("key_id", resources.data_key_id)),
    ("open", "GET", "/access/{entry_id}/records"): ValidRequest(
        None, path={"entry_id": "conditional_entry_id"}, headers=lambda known: {"x-open-data-key": known["data_key"]}),
    ("open", "POST", "/feedback"): ValidRequest(JSON, lambda known: {
        "entry_id": known["open_entry_id"], **resources.REPORT}, caller="portal"),
    ("open", "POST", "/feedback/{report_id}/take-up"): ValidRequest(
        None, fresh=fresh("report_id", resources.reported)),
    ("open", "POST", "/feedback/{report_id}/answer"): ValidRequest(JSON, lambda known: {
        "outcome": "rejected", "answer": "经核对，成立日期与登记机关记录一致。"},
        fresh=fresh("report_id", resources.reported)),
    ("open", "POST", "/demands"): ValidRequest(JSON, lambda known: {**resources.DEMAND,
                                                                   "agency_id": known["agency_id"]}),
    ("open", "POST", "/demands/{demand_id}/votes"): ValidRequest(None, fresh=fresh("demand_id", resources.demanded)),
    ("open", "POST", "/demands/{demand_id}/answer"): ValidRequest(JSON, lambda known: {
        "outcome": "opened", "answer": "已开放企业登记信息。", "entry_id": known["open_entry_id"]},
        fresh=fresh("demand_id", resources.demanded)),
    ("open", "GET", "/portal/datasets/{entry_id}/apply"): ValidRequest(None, path={"entry_id": "conditional_entry_id"}),
    ("open", "GET", "/portal/static/{name}"): ValidRequest(None, path={"name": "portal_asset"}),
    ("gateway", "GET", "/console/{name}"): ValidRequest(None, path={"name": "console_asset"}),
    ("gateway", "GET", "/console/vendor/{name}"): ValidRequest(None, path={"name": "vendor_asset"}),
    ("open", "POST", "/ckan/api/3/action/{name}"): ValidRequest(JSON, lambda known: {
        "q": "企业", "fq": "organization:*", "rows": 5, "start": 0, "sort": "metadata_modified desc",
        "facet.field": ["tags"], "facet.limit": 10}),
}  # fmt: skip


# Routes whose bodies take more than one way through the code get a valid request for each.
OTHER_WAYS = {
    # A batch is pushed as NDJSON, CSV or a JSON array (A17.1): each format gets hostile values.
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): (
        ValidRequest(CSV, lambda known: person(8), BATCH),
        ValidRequest(JSON, lambda known: [person(9)], BATCH),
    ),
    # Unconditionally shared data is granted at once, with its grant (A20.1).
    ("share", "POST", "/applications"): (
        ValidRequest(JSON, lambda known: share_application(known["entry_id"], ["full_name"]), caller="consumer"),
    ),
}
# Each route's valid requests.
VALID: dict[tuple[str, str, str], tuple[ValidRequest, ...]] = {
    route: (request, *OTHER_WAYS.get(route, ())) for route, request in REQUESTS.items()
}


def path_parameters(known: Known, names: list[str], valid: ValidRequest | None) -> dict[str, str]:
    """Real resources for the path's parameters where the suite has one, fresh ids elsewhere."""
    chosen = valid.path if valid else {}
    values = {}
    for name in names:
        source = chosen.get(name, name)
        values[name] = known[source] if source in known else str(uuid.uuid4())
    return values
