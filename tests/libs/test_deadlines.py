"""Working-day deadlines as a library piece (A14.2 15 days, A20.2 5 days, A24.2 10 days): due dates that never
fail, provisional where the calendar ends, announcements made once, recomputation when the calendar grows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from harness import Infra
from hub.db import async_url, new_metadata
from hub.deadlines import (
    CalendarWatch,
    DeadlineKind,
    DueDate,
    WorkingDayDeadline,
    announce_approaching,
    announce_overdue,
    covered_days,
    due_date,
    is_overdue,
    overdue_query,
    recompute_provisional,
)
from hub.migrations import ensure_database
from hub.settings import HubSettings
from hub.workdays import CalendarOverrides, WorkingCalendar

BUNDLED = WorkingCalendar()

# TEST DATA, not the State Council's schedule: no 2027 notice was published when this was written. A plausible
# 2027 (1 January is a Friday) that balances to the 13 statutory days; only 1 January matters to the tests.
TEST_2027 = CalendarOverrides(
    holidays={
        **{date(2027, 1, d): "元旦" for d in (1, 2, 3)},
        **{date(2027, 2, d): "春节" for d in range(5, 14)},
        **{date(2027, 4, d): "清明节" for d in (3, 4, 5)},
        **{date(2027, 5, d): "劳动节" for d in range(1, 6)},
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        **{date(2027, 10, d): "国庆节" for d in range(1, 8)},
    },
    workdays={
        date(2027, 1, 31): "春节调休",
        date(2027, 2, 20): "春节调休",
        date(2027, 5, 8): "劳动节调休",
        date(2027, 9, 26): "国庆节调休",
        date(2027, 10, 9): "国庆节调休",
    },
)
WITH_2027 = WorkingCalendar(TEST_2027)


@pytest.fixture
def national_day_2026() -> None:
    """The official 2026 schedule (国办发明电〔2025〕7号), checked against chinese_calendar, not the code under test:
    1–7 October off, Sunday 20 September and Saturday 10 October worked."""
    assert all(chinese_calendar.is_holiday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert max(d.year for d in chinese_calendar.holidays) == 2026  # 2027 is unknown to the bundled data


# --- due dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("working_days", "due_on"),
    [
        # Opened Wed 30 Sep 2026 (not counted). (Thu 1 – Wed 7 Oct National Day) 1 Thu 8 | 2 Fri 9 | 3 Sat 10 (调休)
        # | (Sun 11) | 4-8 Mon 12 – Fri 16 | 9-13 Mon 19 – Fri 23 | 14 Mon 26 | 15 Tue 27.
        (15, date(2026, 10, 27)),  # A14.2
        (10, date(2026, 10, 20)),  # A24.2: ... 8 Fri 16 | 9 Mon 19 | 10 Tue 20
        (5, date(2026, 10, 13)),  # A20.2: ... 4 Mon 12 | 5 Tue 13
    ],
)
def test_a_deadline_filed_before_national_day_skips_the_holiday_and_counts_the_adjusted_saturday_A14_2_A20_2_A24_2(
    national_day_2026: None, working_days: int, due_on: date
) -> None:
    assert due_date(BUNDLED, date(2026, 9, 30), working_days) == DueDate(due_on, provisional=False)


def test_a_deadline_reaching_an_uncovered_year_is_provisional_on_weekends_alone_A14_2(national_day_2026: None) -> None:
    # Opened Sun 20 Dec 2026. 1-5 Mon 21 – Fri 25 | 6-9 Mon 28 – Thu 31 | 10 Fri 1 Jan 2027 (unknown: a weekday)
    # | 11-15 Mon 4 – Fri 8 Jan.
    assert due_date(BUNDLED, date(2026, 12, 20), 15) == DueDate(date(2027, 1, 8), provisional=True)


def test_the_same_deadline_on_a_calendar_with_2027_skips_new_years_day_and_is_final_A14_2() -> None:
    # ... 9 Thu 31 Dec | (Fri 1 Jan holiday, weekend) | 10-14 Mon 4 – Fri 8 | 15 Mon 11 Jan.
    assert due_date(WITH_2027, date(2026, 12, 20), 15) == DueDate(date(2027, 1, 11), provisional=False)


def test_a_deadline_inside_the_covered_years_is_what_the_calendar_counts() -> None:
    for start in (date(2026, 1, 20), date(2026, 2, 10), date(2026, 4, 30), date(2026, 12, 1)):
        assert due_date(BUNDLED, start, 15) == DueDate(BUNDLED.add_working_days(start, 15), provisional=False)


def test_a_start_time_counts_from_its_date_and_negative_days_are_refused() -> None:
    assert due_date(BUNDLED, datetime(2026, 9, 30, 23, 59), 5) == DueDate(date(2026, 10, 13), False)
    with pytest.raises(ValueError, match="negative"):
        due_date(BUNDLED, date(2026, 9, 30), -1)


@pytest.mark.parametrize(
    ("closed_on", "today", "overdue"),
    [
        (None, date(2026, 10, 28), True),
        (None, date(2026, 11, 30), True),
        (None, date(2026, 10, 27), False),  # the due day itself is still in time
        (None, date(2026, 10, 26), False),
        (date(2026, 10, 20), date(2026, 10, 28), False),  # met
    ],
)
def test_only_a_running_deadline_past_its_due_day_is_overdue_A14_2(
    closed_on: date | None, today: date, overdue: bool
) -> None:
    assert is_overdue(closed_on, date(2026, 10, 27), today) is overdue


def test_coverage_counts_the_days_left_in_the_covered_years() -> None:
    assert covered_days(BUNDLED, date(2026, 12, 1)) == 30
    assert covered_days(BUNDLED, date(2026, 12, 20)) == 11
    assert covered_days(BUNDLED, date(2027, 1, 2)) == 0
    assert covered_days(WITH_2027, date(2026, 12, 20)) == 11 + 365


# --- the table mixin on PostgreSQL ------------------------------------------------------------------------------


class Base(DeclarativeBase):
    metadata = new_metadata()


class OpenApplication(WorkingDayDeadline, Base):
    """What open-svc adds for A24.2: the mixin and a key."""

    __tablename__ = "open_applications"

    id: Mapped[int] = mapped_column(primary_key=True)


class Announced:
    def __init__(self) -> None:
        self.overdue: list[int] = []
        self.approaching: list[int] = []
        self.recomputed: list[tuple[int, date, date, bool]] = []

    def kind(self) -> DeadlineKind[OpenApplication]:
        return DeadlineKind(
            model=OpenApplication,
            on_overdue=self._overdue,
            on_approaching=self._approaching,
            on_recomputed=self._recomputed,
        )

    async def _overdue(self, _: AsyncSession, row: OpenApplication) -> None:
        self.overdue.append(row.id)

    async def _approaching(self, _: AsyncSession, row: OpenApplication) -> None:
        self.approaching.append(row.id)

    async def _recomputed(self, _: AsyncSession, row: OpenApplication, before: date) -> None:
        self.recomputed.append((row.id, before, row.due_on, row.due_provisional))


@pytest.fixture
async def sessions(infra: Infra) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = infra.database(f"t_deadlines_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
        await infra.drop_database(url)


def application(row_id: int, opened_on: date, working_days: int, calendar: WorkingCalendar) -> OpenApplication:
    row = OpenApplication(id=row_id)
    row.start_deadline(opened_on, working_days, calendar)
    return row


NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.mark.integration
async def test_overdue_is_announced_once_and_never_for_met_or_timely_deadlines_A24_2(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    announced = Announced()
    async with sessions() as session, session.begin():
        late = application(1, date(2026, 9, 30), 10, BUNDLED)  # due 20 Oct
        met = application(2, date(2026, 9, 30), 10, BUNDLED)
        met.close_deadline(date(2026, 10, 19))
        timely = application(3, date(2026, 10, 9), 10, BUNDLED)  # due 23 Oct
        session.add_all([late, met, timely])
    for _ in range(2):
        async with sessions() as session, session.begin():
            await announce_overdue(session, announced.kind(), date(2026, 10, 21), NOW)
    assert announced.overdue == [1]
    async with sessions() as session:
        overdue = (await session.execute(overdue_query(OpenApplication, date(2026, 10, 24)))).scalars().all()
        assert [r.id for r in overdue] == [1, 3]
        assert (await session.get(OpenApplication, 1)).overdue_notified_at == NOW  # type: ignore[union-attr]


@pytest.mark.integration
async def test_approaching_is_announced_once_within_3_working_days_counted_across_national_day_A24_2(
    sessions: async_sessionmaker[AsyncSession], national_day_2026: None
) -> None:
    # Today Wed 30 Sep 2026: the next 3 working days are Thu 8, Fri 9 and Sat 10 October (调休).
    announced = Announced()
    async with sessions() as session, session.begin():
        for row_id, due_on in enumerate([date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12), date(2026, 9, 29)]):
            row = OpenApplication(id=row_id, opened_on=date(2026, 9, 1), working_days=10, due_on=due_on)
            session.add(row)
    for _ in range(2):
        async with sessions() as session, session.begin():
            await announce_approaching(session, announced.kind(), date(2026, 9, 30), NOW, BUNDLED)
    assert sorted(announced.approaching) == [0, 1]


@pytest.mark.integration
async def test_provisional_deadlines_are_recomputed_once_the_year_is_added_and_stale_marks_are_cleared_A14_2(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    announced = Announced()
    async with sessions() as session, session.begin():
        running = application(1, date(2026, 12, 20), 15, BUNDLED)
        met = application(2, date(2026, 12, 20), 15, BUNDLED)
        met.close_deadline(date(2027, 1, 5))
        # Announced overdue on the provisional date (8 Jan); on the real calendar it is due 11 Jan.
        flagged = application(3, date(2026, 12, 20), 15, BUNDLED)
        flagged.overdue_notified_at = flagged.approaching_notified_at = NOW
        settled = application(4, date(2026, 11, 2), 15, BUNDLED)
        session.add_all([running, met, flagged, settled])
    assert (running.due_on, running.due_provisional, settled.due_provisional) == (date(2027, 1, 8), True, False)

    async with sessions() as session, session.begin():
        assert await recompute_provisional(session, announced.kind(), BUNDLED, date(2027, 1, 10)) == []
    async with sessions() as session, session.begin():
        await recompute_provisional(session, announced.kind(), WITH_2027, date(2027, 1, 10))
    async with sessions() as session, session.begin():
        await recompute_provisional(session, announced.kind(), WITH_2027, date(2027, 1, 10))

    final = (date(2027, 1, 8), date(2027, 1, 11), False)
    assert sorted(announced.recomputed) == [(1, *final), (3, *final)]
    async with sessions() as session:
        rows = {r.id: r for r in (await session.execute(overdue_query(OpenApplication, date(2099, 1, 1)))).scalars()}
    assert rows[3].overdue_notified_at is None
    assert rows[3].approaching_notified_at is None
    assert (rows[1].due_on, rows[1].due_provisional) == (date(2027, 1, 11), False)
    async with sessions() as session:
        assert (await session.get(OpenApplication, 2)).due_provisional is True  # type: ignore[union-attr]


# --- following the override file -------------------------------------------------------------------------------


def app_on(path: Path | None, today: date) -> FastAPI:
    app = FastAPI()
    app.state.settings = HubSettings(service_name="deadlines-test", HUB_CALENDAR_OVERRIDE_FILE=path)
    app.state.calendar = WorkingCalendar.from_file(path)
    app.state.clock = lambda: datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=2)
    return app


def test_the_watch_loads_a_new_override_file_and_keeps_the_calendar_when_one_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    app = app_on(path, date(2026, 12, 20))
    watch = CalendarWatch(path)
    assert watch.refresh(app) is False  # no file yet: nothing to load
    before = watch.status(app)
    assert (before["ok"], before["covered_days"], before["covered_through"]) == (True, 11, "2026-12-31")
    assert "add-year 2027" in before["warning"]
    assert REGISTRY.get_sample_value("hub_calendar_covered_days", {"service": "deadlines-test"}) == 11

    path.write_text(TEST_2027.to_json(), encoding="utf-8")
    assert watch.refresh(app) is True
    assert watch.refresh(app) is False
    after = watch.status(app)
    assert (after["ok"], after["covered_days"], "warning" in after) == (True, 376, False)
    assert REGISTRY.get_sample_value("hub_calendar_covered_days", {"service": "deadlines-test"}) == 376

    path.write_text('{"holiday": {}}', encoding="utf-8")  # a misspelt key
    assert watch.refresh(app) is False
    broken = watch.status(app)
    assert broken["ok"] is True
    assert broken["covered_days"] == 376
    assert "invalid" in broken["warning"]
