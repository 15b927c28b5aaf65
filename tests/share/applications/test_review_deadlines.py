"""Review deadlines on the real mesh with share-svc's clock set (A20.2: granted promptly): each review of a
conditional application is due 5 working days after it is made, counted on the Chinese calendar across National
Day 2025; a pending review due soon is announced (share.review.approaching) and, once past due, announced overdue
(share.review.overdue), each once; a decided review never is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from share.applications.world import SharingWorld, sharing_world

from harness import Infra, Keys, eventually

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Swept often, so a moved clock is acted on at once (production sweeps every 10 minutes).
SETTINGS = {"share": {"share_review_sweep_seconds": 0.2}}


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[SharingWorld]:
    async with sharing_world(infra, keys, SETTINGS) as built:
        yield built


def set_today(world: SharingWorld, day: date) -> None:
    """Put share-svc's clock on `day`, 10:00 in Wuxi."""
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    world.regional.mesh.services["share"].app.state.clock = lambda: moment


def working_days_after(start: date) -> Iterator[date]:
    """Counted straight from chinese_calendar, independently of hub.workdays."""
    day = start
    while True:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            yield day


async def announced(world: SharingWorld, ce_type: str, application_id: str) -> list[tuple[str, str]]:
    return sorted((e["party"], e["due_on"]) for e in await world.events(ce_type)
                  if e["application_id"] == application_id)  # fmt: skip


async def test_reviews_are_due_in_5_working_days_announced_when_approaching_and_when_overdue_A20_2(
    world: SharingWorld,
) -> None:
    # The official 2025 schedule: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
    assert all(chinese_calendar.is_holiday(date(2025, 10, d)) for d in range(1, 9))
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    applied_on = date(2025, 9, 26)  # a Friday
    # 1 Sun 28 Sep (调休) | 2 Mon 29 | 3 Tue 30 | (1–8 Oct off) | 4 Thu 9 Oct | 5 Fri 10 Oct.
    due_on = date(2025, 10, 10)
    fifth = [d for _, d in zip(range(5), working_days_after(applied_on), strict=False)][-1]
    assert fifth == due_on
    assert due_on != applied_on + timedelta(days=7)  # five weekdays would end on Fri 3 Oct, a holiday

    set_today(world, applied_on)
    made = await world.applied(await world.publish("conditional"))
    reviews: dict[str, dict[str, Any]] = {r["party"]: r for r in made["reviews"]}
    assert {p: (r["opened_on"], r["working_days"], r["due_on"], r["provisional"]) for p, r in reviews.items()} == {
        party: ("2025-09-26", 5, "2025-10-10", False) for party in ("provider", "bureau")
    }

    # Thursday 9 October: due within 3 working days (Fri 10, Sat 11, Mon 13): both announced as approaching.
    set_today(world, date(2025, 10, 9))
    expected = [("bureau", "2025-10-10"), ("provider", "2025-10-10")]
    assert await eventually(lambda: announced(world, "share.review.approaching", made["id"])) == expected
    decided = await world.review(made["id"], "provider", "approve", world.provider.officer)
    assert decided.status_code == 200, decided.text

    # Friday 10 October, the due day itself, is still in time; Monday 13 October is past it: only the bureau's
    # pending review is overdue (the provider decided in time), and it is announced once.
    set_today(world, date(2025, 10, 10))
    await asyncio.sleep(1.0)  # five sweeps
    on_due_day = {r["party"]: r for r in (await world.application(made["id"]))["reviews"]}
    assert on_due_day["bureau"]["overdue_notified_at"] is None
    set_today(world, date(2025, 10, 13))
    assert await eventually(lambda: announced(world, "share.review.overdue", made["id"])) == [("bureau", "2025-10-10")]
    after = {r["party"]: r for r in (await world.application(made["id"]))["reviews"]}
    assert after["bureau"]["overdue_notified_at"] is not None
    assert (after["provider"]["closed_on"], after["provider"]["overdue_notified_at"]) == ("2025-10-09", None)
    assert (await world.review(made["id"], "bureau", "approve", world.reviewer)).status_code == 200
    assert await announced(world, "share.review.overdue", made["id"]) == [("bureau", "2025-10-10")]
    assert len(await announced(world, "share.review.approaching", made["id"])) == 2
