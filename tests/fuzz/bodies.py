"""Valid bodies the seed and the hand-written valid requests share: catalogue entries, records, open applicants.

Each is what a real caller of the hub sends, complete enough to pass every rule, so that the fuzzing's one hostile
value is the only fault in a request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PORTAL_PASSWORD = "a long portal password"

PERSON_ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 50, "required": True},
    {"name": "age", "label": "年龄", "data_type": "integer", "length": 3},
    {"name": "registered_on", "label": "登记日期", "data_type": "date"},
]  # fmt: skip
# A company register: what an open dataset of legal persons typically holds (A22.1).
COMPANY_ITEMS: list[dict[str, Any]] = [
    {"name": "credit_code", "label": "统一社会信用代码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "public"},
    {"name": "company_name", "label": "企业名称", "data_type": "string", "length": 100, "required": True},
    {"name": "registered_capital", "label": "注册资本（万元）", "data_type": "decimal", "length": 20},
    {"name": "registered_on", "label": "成立日期", "data_type": "date"},
]  # fmt: skip
# GB 11643-1999's own example of a citizen identity number: a check character the standard's authors computed.
CITIZEN = {"kind": "citizen", "name": "张三", "identifier": "11010519491231002X", "contact": "13912345678"}
SHARE_PURPOSE = "最低生活保障资格审核"


def elements(**overrides: Any) -> dict[str, Any]:
    """The elements of an entry complete enough to be submitted (A13.1, A19.2, A22.1): shared unconditionally,
    not open."""
    return {
        "name": "居住登记信息", "summary": "居住登记的基本信息。", "classification": "01-02", "category": "theme",
        "source_system": "居住登记系统", "format": "database", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "tags": ["人口", "居住"], "items": PERSON_ITEMS, **overrides,
    }  # fmt: skip


def company_elements(open_type: str, **overrides: Any) -> dict[str, Any]:
    """A company register opened `open_type` (unconditional or conditional, with its conditions, A22.1)."""
    return elements(
        name="企业登记信息", summary="全市企业的登记信息，包括名称、注册资本和成立日期。", classification="02-01",
        source_system="市场主体登记系统", open_type=open_type, open_legal_basis=None,
        open_conditions="申请人签订开放利用协议，数据仅用于申请所述用途。" if open_type == "conditional" else None,
        tags=["企业", "登记"], items=COMPANY_ITEMS, **overrides,
    )  # fmt: skip


# Shared on conditions (A19.2, A20.2) and opened on conditions (A24.2): one entry serves both platforms' reviews.
CONDITIONAL_SHARING = {"share_type": "conditional", "share_conditions": "仅用于社会救助资格审核",
                       "share_legal_basis": "《社会救助暂行办法》"}  # fmt: skip


def entry_code() -> str:
    """A fresh resource code in the city's default format."""
    return f"01-02/{uuid.uuid4().int % 10**6:06d}"


def person(n: int) -> dict[str, Any]:
    """One record of the seeded entry's items."""
    return {"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "age": 30, "registered_on": "2024-05-01"}


def company(n: int) -> dict[str, Any]:
    """One record of a company register's items."""
    return {"credit_code": f"91320200MA{n:07d}X", "company_name": f"无锡{n}号科技有限公司",
            "registered_capital": 500, "registered_on": "2020-05-01"}  # fmt: skip


def share_application(entry_id: str, items: list[str]) -> dict[str, Any]:
    """An agency's application for items of another agency's entry, for a year (A21.1)."""
    until = datetime.now(UTC) + timedelta(days=365)
    return {"entry_id": entry_id, "items": items, "purpose": SHARE_PURPOSE,
            "legal_basis": "《社会救助暂行办法》第十一条", "valid_until": until.isoformat()}  # fmt: skip


def open_application(entry_id: str) -> dict[str, Any]:
    """A citizen's application for items of a conditional open dataset (A24.2)."""
    return {"entry_id": entry_id, "purpose": "研究全市企业分布，编制营商环境报告", "data_format": "api",
            "items": ["credit_code", "company_name"], "applicant": CITIZEN}  # fmt: skip


def created(response: httpx.Response) -> dict[str, Any]:
    """The body of a 200 or 201 answer (anything else fails the seed, with the answer)."""
    assert response.status_code in (200, 201), f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body
