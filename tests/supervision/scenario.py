"""The scenario the indicator tests walk: four agencies of Wuxi and two of its districts, and what every service
announced about them in the second and third quarters of 2026, as each producer publishes it.

    A  无锡市公安局   320200 (the city)     entries eA1 (v1 10 Apr, v2 20 Jul), eA2 (5 Jul)
    B  无锡市民政局   320200                entry  eB1 (12 May)
    C  锡山区市场监管局 320205 (Xishan)      entry  eC1 (2 Jul)
    D  =惠山区水利局  320206 (Huishan)     no entry (its name starts like a formula: exports must neutralise it)

Every moment is Wuxi time. The figures each test expects are worked out by hand in test_indicators_flow.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from supervision.world import local

from factories import agency_registered, entry_published
from hub.contracts.catalog import ChangeNoticeOverdue
from hub.contracts.gateway import AuditedExchange, ExchangesAudited, LegacyChannelStated
from hub.contracts.open import (
    DatasetQualityScored,
    DemandStepped,
    FeedbackStepped,
    OpenApplicationOverdue,
    OpenApplicationStepped,
)
from hub.contracts.share import ApplicationStepped, ReviewOverdue
from hub.events import Event

CITY, XISHAN, HUISHAN = "320200", "320205", "320206"


def _id() -> uuid.UUID:
    return uuid.uuid4()


@dataclass
class Agencies:
    """The scenario's agencies and entries, fresh ids for each world."""

    a: uuid.UUID = field(default_factory=_id)
    b: uuid.UUID = field(default_factory=_id)
    c: uuid.UUID = field(default_factory=_id)
    d: uuid.UUID = field(default_factory=_id)
    ea1: uuid.UUID = field(default_factory=_id)
    ea2: uuid.UUID = field(default_factory=_id)
    eb1: uuid.UUID = field(default_factory=_id)
    ec1: uuid.UUID = field(default_factory=_id)

    @property
    def names(self) -> dict[uuid.UUID, str]:
        return {self.a: "无锡市公安局", self.b: "无锡市民政局", self.c: "锡山区市场监管局", self.d: "=惠山区水利局"}

    @property
    def regions(self) -> dict[uuid.UUID, str]:
        return {self.a: CITY, self.b: CITY, self.c: XISHAN, self.d: HUISHAN}


def catalogue(w: Agencies) -> list[Event]:
    """The registry, the published catalogue (eA1 republished in July: first published in April), overdue notices."""
    registered = [agency_registered(agency_id=agency, name=w.names[agency], region_code=w.regions[agency])
                  for agency in (w.a, w.b, w.c, w.d)]  # fmt: skip

    def published(entry: uuid.UUID, agency: uuid.UUID, at: datetime, version: int = 1) -> Event:
        return entry_published(entry_id=entry, code=f"01-02/{entry.int % 10**6:06d}", version=version,
                               provider_agency_id=agency, region_code=w.regions[agency], published_at=at)  # fmt: skip

    def overdue(agency: uuid.UUID, due_on: date) -> Event:
        return ChangeNoticeOverdue(notice_id=_id(), entry_id=w.ea1 if agency == w.a else w.ec1, agency_id=agency,
                                   region_code=w.regions[agency], due_on=due_on)  # fmt: skip

    return [
        *registered,
        published(w.ea1, w.a, local(4, 10)), published(w.eb1, w.b, local(5, 12)), published(w.ec1, w.c, local(7, 2)),
        published(w.ea2, w.a, local(7, 5)), published(w.ea1, w.a, local(7, 20), version=2),
        overdue(w.a, date(2026, 6, 29)),  # overdue from Tue 30 Jun: Q2
        overdue(w.a, date(2026, 6, 30)),  # overdue from Wed 1 Jul: Q3
        overdue(w.c, date(2026, 8, 10)),  # overdue from 11 Aug: Q3
    ]  # fmt: skip


def sharing(w: Agencies) -> list[Event]:
    """Share applications and their provider's decisions (A20.2), and overdue reviews."""

    def steps(
        provider: uuid.UUID, entry: uuid.UUID, *moves: tuple[str, str | None, str, datetime]
    ) -> list[ApplicationStepped]:
        application = _id()
        return [ApplicationStepped(application_id=application, entry_id=entry, consumer_agency_id=w.d,
                                   provider_agency_id=provider, region_code=w.regions[provider], action=action,
                                   state_before=before, state=after, actor="officer", at=at)
                for action, before, after, at in moves]  # fmt: skip

    def overdue(party: str, agency: uuid.UUID, due_on: date, application: uuid.UUID | None = None) -> Event:
        return ReviewOverdue(application_id=application or _id(), party=party, agency_id=agency,
                             region_code=w.regions[agency], due_on=due_on)  # fmt: skip

    apply, approve, refuse = "apply_conditional", "provider_approve", "provider_refuse"
    s6 = steps(w.b, w.eb1, (apply, None, "requested", local(8, 3)))
    undecided = s6[0].application_id
    return [
        # s1: Mon 6 Jul → Thu 9 Jul (the bureau's approval on the 8th is not the provider's): 3 working days.
        *steps(w.a, w.ea1, (apply, None, "requested", local(7, 6, 9)),
               ("bureau_approve", "requested", "bureau_approved", local(7, 8)),
               (approve, "bureau_approved", "granted", local(7, 9, 15))),
        # s2: Fri 10 Jul → Tue 14 Jul: 2.
        *steps(w.a, w.ea1, (apply, None, "requested", local(7, 10, 16)),
               (refuse, "requested", "refused", local(7, 14))),
        # s3: decided the day it was made: 0.
        *steps(w.c, w.ec1, (apply, None, "requested", local(8, 3, 9)), (approve, "requested", "provider_approved",
                                                                         local(8, 3, 17))),
        # s4: Tue 16 Jun → Mon 22 Jun, the Dragon Boat Festival (19–21 Jun) off: 17, 18, 22 Jun = 3. Q2.
        *steps(w.a, w.ea1, (apply, None, "requested", local(6, 16)), (approve, "requested", "provider_approved",
                                                                      local(6, 22))),
        # s5: made Mon 29 Jun (Q2), decided Thu 2 Jul (Q3): 3.
        *steps(w.b, w.eb1, (apply, None, "requested", local(6, 29)), (refuse, "requested", "refused", local(7, 2))),
        # s6: undecided; s7: unconditional, granted as made (A20.1): neither is a provider's answer.
        *s6,
        *steps(w.a, w.ea2, ("apply_unconditional", None, "granted", local(7, 1))),
        overdue("provider", w.b, date(2026, 8, 14), undecided), overdue("bureau", w.b, date(2026, 8, 14), undecided),
        overdue("provider", w.c, date(2026, 6, 30)),  # overdue from 1 Jul: Q3
        overdue("provider", w.a, date(2026, 5, 20)),  # Q2
    ]  # fmt: skip


def opening(w: Agencies) -> list[Event]:
    """Open applications and answers (A24.2), overdue replies, error reports (A26.1), demands (A27.1), quality
    scores (A25.1)."""

    def steps(provider: uuid.UUID, entry: uuid.UUID, *moves: tuple[str, str | None, str, datetime]) -> list[Event]:
        application = _id()
        return [OpenApplicationStepped(application_id=application, entry_id=entry, provider_agency_id=provider,
                                       region_code=w.regions[provider], action=action, state_before=before,
                                       state=after, actor="citizen", at=at)
                for action, before, after, at in moves]  # fmt: skip

    def overdue(provider: uuid.UUID, entry: uuid.UUID, due_on: date) -> Event:
        return OpenApplicationOverdue(application_id=_id(), entry_id=entry, provider_agency_id=provider,
                                      region_code=w.regions[provider], due_on=due_on)  # fmt: skip

    def report(agency: uuid.UUID, *moves: tuple[str, str, datetime]) -> list[Event]:
        report_id = _id()
        return [FeedbackStepped(report_id=report_id, entry_id=w.ea1, agency_id=agency,
                                region_code=w.regions[agency], kind="error", action=action, state=state, at=at)
                for action, state, at in moves]  # fmt: skip

    def demand(*moves: tuple[str, str, datetime, str | None, uuid.UUID | None]) -> list[Event]:
        """A demand's steps, each naming the agency whose data it asks for (and its region), or none."""
        demand_id = _id()
        return [DemandStepped(demand_id=demand_id, action=action, state=state, votes=3, at=at, outcome=outcome,
                              agency_id=agency, region_code=w.regions[agency] if agency else None)
                for action, state, at, outcome, agency in moves]  # fmt: skip

    def score(entry: uuid.UUID, agency: uuid.UUID, met: int, at: datetime) -> Event:
        return DatasetQualityScored(entry_id=entry, provider_agency_id=agency, region_code=w.regions[agency],
                                    score=round(100 * met / 9), met=met, criteria=9, scored_at=at)  # fmt: skip

    return [
        # o1: Mon 13 Jul → Fri 24 Jul: 9 working days (its acceptance of the agreement is no answer).
        *steps(w.c, w.ec1, ("apply", None, "pending", local(7, 13)), ("approve", "pending", "approved", local(7, 24)),
               ("accept_agreement", "approved", "agreed", local(7, 25))),
        # o2: Tue 4 Aug → Thu 6 Aug: 2.
        *steps(w.c, w.ec1, ("apply", None, "pending", local(8, 4)), ("refuse", "pending", "refused", local(8, 6))),
        # o3: Tue 28 Apr → Fri 8 May, Labour Day (1–5 May) off: 29, 30 Apr, 6, 7, 8 May = 5 (10 calendar days). Q2.
        *steps(w.a, w.ea1, ("apply", None, "pending", local(4, 28)), ("approve", "pending", "approved", local(5, 8))),
        overdue(w.c, w.ec1, date(2026, 7, 27)), overdue(w.a, w.ea1, date(2026, 6, 15)),
        *report(w.a, ("report", "received", local(7, 2)), ("take_up", "handling", local(7, 3)),
                ("correct", "corrected", local(7, 6))),
        *report(w.a, ("report", "received", local(7, 20))),
        *report(w.c, ("report", "received", local(6, 25)), ("reject", "rejected", local(7, 8))),
        *report(w.d, ("report", "received", local(8, 16, 15)), ("reject", "rejected", local(8, 17, 9))),
        # Demands naming no agency (the city's): d1 made 1 Jul 00:30, answered 15 Jul; d2 made 1 Aug; d3 made 20 Jun
        # (Q2), answered 3 Jul.
        *demand(("request", "open", local(7, 1, 0, 30), None, None),
                ("answer", "answered", local(7, 15), "planned", None)),
        *demand(("request", "open", local(8, 1), None, None)),
        *demand(("request", "open", local(6, 20), None, None), ("answer", "answered", local(7, 3), "declined", None)),
        # d4 asks for C's data (Xishan): made 10 Jul, answered 5 Aug.
        *demand(("request", "open", local(7, 10), None, w.c), ("answer", "answered", local(8, 5), "planned", w.c)),
        # d5 asks for A's data (the city's agency): made 22 Jun (Q2) by an open-svc whose events named no agency yet,
        # answered 20 Jul naming A: it is A's from its request on.
        *demand(("request", "open", local(6, 22), None, None), ("answer", "answered", local(7, 20), "declined", w.a)),
        # eA1: 7 of 9 criteria (78) from April, 8 (89) from 10 Jul; eA2 6 (67); eC1 5 (56), then 9 (100) on 20 Aug.
        score(w.ea1, w.a, 7, local(4, 15)), score(w.ea1, w.a, 8, local(7, 10)), score(w.ea2, w.a, 6, local(7, 6)),
        score(w.ec1, w.c, 5, local(8, 5)), score(w.ec1, w.c, 9, local(8, 20)),
    ]  # fmt: skip


def channels(w: Agencies) -> list[Event]:
    """Legacy channels as the register stated them (A12.1)."""

    def channel(agency: uuid.UUID, *moves: tuple[str, datetime]) -> list[Event]:
        channel_id = str(_id())
        return [LegacyChannelStated(channel_id=channel_id, agency_id=str(agency), region_code=w.regions[agency],
                                    name="前置机文件交换", status=status, stated_at=at)
                for status, at in moves]  # fmt: skip

    return [
        *channel(w.a, ("registered", local(4, 1)), ("integrating", local(6, 1)), ("integrated", local(7, 20))),
        *channel(w.b, ("registered", local(5, 1))),
        *channel(w.c, ("registered", local(7, 15)), ("retired", local(8, 1))),
        *channel(w.d, ("registered", local(8, 10))),
    ]


def _record(seq: int, agency: uuid.UUID | None, at: datetime, **fields: Any) -> AuditedExchange:
    base: dict[str, Any] = {
        "seq": seq, "kind": "exchange", "event": "exchange", "caller": "system", "caller_kind": "agency_system",
        "agency_id": str(agency) if agency else None, "method": "GET", "route": "/entries/{entry_id}/records",
        "service": "aggregation", "entry": None, "items": None, "row_count": None, "purpose": None, "grant_id": None,
        "status": 200, "request_in": at, "response_out": at, "trace_id": None, "hash": f"{seq:064x}",
    }  # fmt: skip
    return AuditedExchange.model_validate(base | fields)


def audit(w: Agencies) -> list[Event]:
    """Two batches of the audit chain: security events (A28.1) and exchanges of data (A12.1)."""

    def security(seq: int, agency: uuid.UUID | None, at: datetime, event: str) -> AuditedExchange:
        return _record(seq, agency, at, kind="security", event=event, status=403, route="/admin/clients")

    def read(seq: int, consumer: uuid.UUID, entry: uuid.UUID, at: datetime, rows: int | None,
             status: int = 200) -> AuditedExchange:  # fmt: skip
        return _record(seq, consumer, at, entry=str(entry), row_count=rows, status=status, grant_id=str(_id()))

    first = [
        security(1, w.a, local(7, 3), "auth.failed"), security(2, w.a, local(7, 3), "access.denied"),
        security(3, w.c, local(8, 1), "rate.limited"), security(4, None, local(7, 3), "auth.failed"),
        security(5, w.a, local(6, 10), "access.denied"),
        read(6, w.b, w.ea1, local(7, 7), 100), read(7, w.b, w.ea1, local(7, 8), 40, status=403),
        read(8, w.c, w.ea1, local(8, 12), 10), read(9, w.a, w.ec1, local(8, 14), 5),
        read(10, w.a, w.ec1, local(8, 14), None),
        read(11, w.a, w.ea2, local(7, 10), 3),  # A's own entry: no exchange between agencies
        read(12, w.b, w.ea1, local(6, 5), 7),  # Q2
        _record(13, w.a, local(7, 10), route="/indicators", service="supervision"),  # no entry's data
    ]  # fmt: skip
    second = [read(14, w.b, w.ea1, local(7, 7, 15), 50)]  # the same day as seq 6: the day's counts add up
    return [ExchangesAudited(first_seq=b[0].seq, last_seq=b[-1].seq, records=b) for b in (first, second)]


def events(w: Agencies) -> list[Event]:
    """Everything, in an order each aggregate's producer could publish it in."""
    return [*catalogue(w), *sharing(w), *opening(w), *channels(w), *audit(w)]


def late_report(w: Agencies) -> Event:
    """An error report on B dated 28 Jun (Q2), arriving after Q2 was kept."""
    return FeedbackStepped(report_id=_id(), entry_id=w.eb1, agency_id=w.b, region_code=CITY, kind="objection",
                           action="report", state="received", at=local(6, 28))  # fmt: skip
