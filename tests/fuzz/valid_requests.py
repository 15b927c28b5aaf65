"""A request each write route accepts, written by hand: the hostile-input test changes one field of it at a time, so
a hostile value is the only fault and travels past validation to the code (and the database) behind it.

A write route missing here still gets hostile values, into a body generated from its request schema; a valid one
reaches deeper. Bodies are fresh on each call: codes and logins that must be unique are new every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from factories import agency_body
from fuzz.world import PORTAL_PASSWORD, Hub, elements, entry_code, person
from harness import CITY


@dataclass(frozen=True)
class ValidRequest:
    """What a route accepts: its body (by media type) and the real resources its path names."""

    media_type: str | None  # None: the route takes no body
    body: Callable[[Hub], Any] = lambda hub: None
    path: dict[str, str] = field(default_factory=dict)  # path parameter → a key of Hub.known, or "new" (a fresh id)


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
    ("catalog", "POST", "/regions"): ValidRequest(JSON, lambda hub: {
        "code": f"3202{uuid.uuid4().int % 90 + 10}", "name": "梁溪区", "level": "district", "parent_code": CITY}),
    ("catalog", "PUT", "/regions/{region_code}/compilation-rules"): ValidRequest(JSON, lambda hub: {
        "required_elements": ["name", "summary", "update_cycle"], "allowed_update_cycles": ["daily", "monthly"],
        "code_pattern": r"^\d{2}-\d{2}/\d{6}$"}, {"region_code": "sandbox_region"}),
    ("catalog", "POST", "/agencies"): ValidRequest(JSON, lambda hub: agency_body(region_code=CITY)),
    ("catalog", "PATCH", "/agencies/{agency_id}"): ValidRequest(JSON, lambda hub: {
        "name": "无锡市公安局", "duties": "治安管理", "data_unit": "大数据科", "responsible_person": "张三"},
        {"agency_id": "agency_id"}),
    ("catalog", "POST", "/entries"): ValidRequest(JSON, lambda hub: {
        "code": entry_code(), "region_code": CITY, "provider_agency_id": hub.known["agency_id"], **elements()}),
    ("catalog", "PUT", "/entries/{entry_id}/draft"): ValidRequest(JSON, lambda hub: elements(),
                                                                  {"entry_id": "entry_id"}),
    # The published entry stays published for the routes after these: they act on a spare draft.
    ("catalog", "POST", "/entries/{entry_id}/submit"): ValidRequest(None, path={"entry_id": "draft_entry_id"}),
    ("catalog", "POST", "/entries/{entry_id}/retire"): ValidRequest(None, path={"entry_id": "draft_entry_id"}),
    ("catalog", "POST", "/entries/{entry_id}/return"): ValidRequest(JSON, lambda hub: {"reasons": ["缺少共享条件"]},
                                                                    {"entry_id": "entry_id"}),
    ("catalog", "POST", "/sources"): ValidRequest(JSON, lambda hub: {
        "item_label": "居民身份证号码", "entry_code": hub.entry_code}),
    ("catalog", "POST", "/entries/{entry_id}/change-notices"): ValidRequest(JSON, lambda hub: {
        "reason": "机构职能调整"}, {"entry_id": "entry_id"}),
    ("catalog", "POST", "/imports"): ValidRequest(CSV, lambda hub: {"code": entry_code(), **IMPORT_ROW}),
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): ValidRequest(
        NDJSON, lambda hub: person(7), BATCH),
    ("aggregation", "POST", "/consents"): ValidRequest(JSON, lambda hub: {
        "subject": "320200199001011234", "purpose": "办理居住证", "method": "政务服务网在线勾选同意",
        "scope": "居住地址", "entry_ids": [hub.known["entry_id"]], "query_channel": "无锡市政务服务网",
        "correction_channel": "12345 政务服务热线", "given_at": "2025-01-02T03:04:05+08:00",
        "expires_at": "2030-01-02T03:04:05+08:00"}),
    ("aggregation", "POST", "/consents/{consent_id}/revoke"): ValidRequest(JSON, lambda hub: {
        "reason": "本人撤回同意"}, {"consent_id": "consent_id"}),
    ("gateway", "POST", "/auth/token"): ValidRequest(FORM, lambda hub: {
        "grant_type": "password", "username": hub.portal_login, "password": PORTAL_PASSWORD,
        "client_id": "", "client_secret": ""}),
    ("gateway", "POST", "/admin/clients"): ValidRequest(JSON, lambda hub: {
        "kind": "operator", "login": f"inspector-{_hex()}", "display_name": "督查员", "roles": ["inspector"],
        "region_code": CITY, "password": "a long operator password", "agency_id": None}),
    ("gateway", "POST", "/admin/legacy-channels"): ValidRequest(JSON, lambda hub: {
        "agency_id": hub.known["agency_id"], "counterpart": "无锡市民政局", "name": "前置机交换",
        "description": "每日文件交换", "region_code": CITY, "deadline": "2026-12-31"}),
    ("gateway", "PATCH", "/admin/legacy-channels/{channel_id}"): ValidRequest(JSON, lambda hub: {
        "status": "integrating", "note": "已排期"}, {"channel_id": "channel_id"}),
    ("gateway", "POST", "/portal/accounts"): ValidRequest(JSON, lambda hub: {
        "login": f"citizen-{_hex()}", "display_name": "市民", "password": PORTAL_PASSWORD}),
    ("gateway", "POST", "/portal/api-keys"): ValidRequest(JSON, lambda hub: {"name": "我的应用"}),
}  # fmt: skip


# A batch is pushed as NDJSON, CSV or a JSON array (A17.1): each format gets hostile values.
OTHER_FORMATS = {
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): (
        ValidRequest(CSV, lambda hub: person(8), BATCH),
        ValidRequest(JSON, lambda hub: [person(9)], BATCH),
    ),
}
# Each route's valid requests, one per body format the suite sends.
VALID: dict[tuple[str, str, str], tuple[ValidRequest, ...]] = {
    route: (request, *OTHER_FORMATS.get(route, ())) for route, request in REQUESTS.items()
}


def path_parameters(hub: Hub, names: list[str], valid: ValidRequest | None) -> dict[str, str]:
    """Real resources for the path's parameters where the suite has one, fresh ids elsewhere."""
    chosen = valid.path if valid else {}
    values = {}
    for name in names:
        source = chosen.get(name, name)
        values[name] = hub.known[source] if source in hub.known else str(uuid.uuid4())
    return values
