"""Which closed periods the keeping job keeps, as a pure function (A32.1)."""

from __future__ import annotations

from supervision_svc.indicators.figures import periods_to_keep
from supervision_svc.indicators.periods import Period

Q4_2025, Q1, Q2, Q3 = Period(2025, 4), Period(2026, 1), Period(2026, 2), Period(2026, 3)


def test_every_closed_period_after_the_latest_kept_is_kept_up_to_the_last_closed_A32_1() -> None:
    # The service was down across the end of 2026Q2: on its return both Q2 and Q3 are kept.
    assert periods_to_keep([Q1, Q4_2025], Q4_2025, Q3) == [Q2, Q3]
    assert periods_to_keep([Q3], Q4_2025, Q3) == []


def test_periods_closed_before_keeping_began_are_never_kept_A32_1() -> None:
    # Keeping began during Q2 (a fresh service reading the topics' history): Q1 and older stay unkept.
    assert periods_to_keep([], Q2, Q1) == []
    assert periods_to_keep([], Q2, Q3) == [Q2, Q3]
