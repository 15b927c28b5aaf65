"""Resources of share-svc and open-svc in the state a route acts on, made through the gateway as their users make
them: an application under review, a refused one and its dispute, a grant, an approved or agreed open application,
a data key, an error report, a demand.

The seed makes one of each for the path parameters the suite names; a route that moves its resource on (a review,
a decision, a revocation) gets a fresh one for each request, so every hostile value that passes validation meets a
resource in the state the route acts on and travels to the code (and the database) behind it, rather than stopping
at the 409 of a resource the request before it moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fuzz.bodies import created, open_application, share_application

REFUSAL = {"decision": "refuse", "reasons": ["申请用途超出《社会救助暂行办法》规定的核对范围"], "risk_level": "medium"}
STATEMENT = {"statement": "本局依据《社会救助暂行办法》第十一条负有核对职责，拒绝理由不成立。"}
ESCALATION = {"authority": "无锡市人民政府", "reasons": ["双方对核对范围存在分歧，需政府协调"]}
REPORT = {"kind": "error", "description": "成立日期与营业执照不一致。", "items": ["registered_on"],
          "record_key": "91320200MA0000001X"}  # fmt: skip
DEMAND = {"title": "公交车辆实时位置", "description": "用于出行应用，按分钟更新。"}
AGREEMENT = {"title": "无锡市公共数据开放利用协议", "text": "第一条 申请人仅将数据用于申请所述用途。"}


@dataclass(frozen=True)
class Maker:
    """Makes resources through the gateway, as the seeded callers."""

    client: httpx.AsyncClient
    gateway_url: str  # "" for a client whose base URL is the gateway's
    callers: dict[str, dict[str, str]]  # identity → authorization headers
    known: dict[str, str]  # what the seed made: the entries, the provider agency

    async def call(self, caller: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """The answer's body; anything but a 200 or 201 fails the test, with the answer."""
        url = self.gateway_url + path
        return created(await self.client.request(method, url, json=body, headers=self.callers[caller]))

    async def post(self, caller: str, path: str, body: Any = None) -> dict[str, Any]:
        return await self.call(caller, "POST", path, body)


# share-svc: the consumer agency applies for the provider agency's entries; the provider's officer refuses.


async def share_applied(maker: Maker) -> str:
    """An application for the conditionally shared entry, awaiting both reviews (A20.2)."""
    body = share_application(maker.known["conditional_entry_id"], ["credit_code", "company_name"])
    return str((await maker.post("consumer", "/api/share/applications", body))["id"])


async def share_refused(maker: Maker) -> str:
    """An application its provider's officer refused, with reasons (A20.2)."""
    application_id = await share_applied(maker)
    await maker.post("officer", f"/api/share/applications/{application_id}/reviews/provider", REFUSAL)
    return application_id


async def share_disputed(maker: Maker) -> str:
    """The open dispute over a refusal (A20.3)."""
    application_id = await share_refused(maker)
    return str((await maker.post("consumer", f"/api/share/applications/{application_id}/disputes", STATEMENT))["id"])


async def share_escalated(maker: Maker) -> str:
    """A dispute the bureau referred to the city's government (A20.3)."""
    dispute_id = await share_disputed(maker)
    await maker.post("operator", f"/api/share/disputes/{dispute_id}/escalation", ESCALATION)
    return dispute_id


async def share_granted(maker: Maker) -> str:
    """The grant of an application for the unconditionally shared entry, issued at once (A20.1)."""
    body = share_application(maker.known["entry_id"], ["full_name", "age"])
    return str((await maker.post("consumer", "/api/share/applications", body))["grant"]["id"])


# open-svc: the citizen applies for the conditional open dataset; the collecting agency's officer answers.


async def agreement_version(maker: Maker) -> str:
    """The open-use agreement's version in force (A24.3)."""
    return str((await maker.call("anonymous", "GET", "/api/open/agreements/current"))["version"])


async def open_applied(maker: Maker) -> str:
    """An open application awaiting the collecting agency's answer (A24.2)."""
    body = open_application(maker.known["conditional_entry_id"])
    return str((await maker.post("portal", "/api/open/applications", body))["id"])


async def open_approved(maker: Maker) -> str:
    """An open application the collecting agency's officer approved (A24.2)."""
    application_id = await open_applied(maker)
    await maker.post("officer", f"/api/open/applications/{application_id}/decision", {"decision": "approve"})
    return application_id


async def open_agreed(maker: Maker) -> str:
    """An approved application whose applicant accepted the agreement in force (A24.3)."""
    application_id = await open_approved(maker)
    version = int(await agreement_version(maker))
    await maker.post("portal", f"/api/open/applications/{application_id}/agreement", {"version": version})
    return application_id


async def data_key(maker: Maker) -> dict[str, Any]:
    """A data key issued to the applicant of an agreed application (A24.3), with its `application_id`."""
    application_id = await open_agreed(maker)
    return {**await maker.post("portal", f"/api/open/applications/{application_id}/keys"),
            "application_id": application_id}  # fmt: skip


async def data_key_id(maker: Maker) -> str:
    return str((await data_key(maker))["id"])


async def reported(maker: Maker) -> str:
    """A citizen's error report on the unconditionally open dataset, received by its agency (A26.1)."""
    report = {"entry_id": maker.known["open_entry_id"], **REPORT}
    return str((await maker.post("portal", "/api/open/feedback", report))["id"])


async def demanded(maker: Maker) -> str:
    """Another citizen's demand for data of the provider agency (A27.1), which the seeded citizen has not voted for."""
    demand = {**DEMAND, "agency_id": maker.known["agency_id"]}
    return str((await maker.post("neighbour", "/api/open/demands", demand))["id"])
