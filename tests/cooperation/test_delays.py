"""Delay analytics: quantiles pinned to numpy, the hold clock, overdue stages, cohorts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bicentennial.cooperation import delays

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def times(
    rid: int,
    *,
    sent: float | None = 0,
    ack: float | None = None,
    closed: float | None = None,
    hold: float = 0.0,
    hold_since: float | None = None,
    status: str = "sent",
    type_: str = "extradition",
) -> delays.RequestTimes:
    at = lambda d: None if d is None else T0 + timedelta(days=d)  # noqa: E731
    return delays.RequestTimes(rid, type_, "FGR", "DEA", status, at(sent), at(ack), at(closed), hold, at(hold_since))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60), st.sampled_from([0.1, 0.5, 0.9]))
def test_quantile_matches_numpy(values: list[float], q: float) -> None:
    assert delays.quantile(values, q) == pytest.approx(float(np.percentile(values, q * 100)), rel=1e-12, abs=1e-9)


def test_hold_days_are_not_counted_as_delay() -> None:
    r = times(1, ack=2, closed=40, hold=10, status="fulfilled")
    assert r.days_to_acknowledge == 2
    assert r.days_to_close() == pytest.approx(30)
    assert r.days_in_complete_stage(T0 + timedelta(days=100)) == pytest.approx(28)


def test_open_hold_pauses_the_overdue_clock() -> None:
    # extradition: acknowledge within 15 days, complete within 180 days of acknowledgement
    now = T0 + timedelta(days=200)
    running = times(1, ack=5, status="in_progress")
    paused = times(2, ack=5, hold_since=100, status="on_hold")
    assert delays.overdue_days(running, now) == pytest.approx(15)
    assert delays.overdue_days(paused, now) is None  # 195 - 100 on hold = 95 days < 180
    late_ack = times(3, status="sent")
    assert delays.overdue_days(late_ack, T0 + timedelta(days=20)) == pytest.approx(5)
    assert delays.overdue_days(times(4, ack=1, closed=500, status="fulfilled"), now) is None


def test_summaries_trend_and_cohorts() -> None:
    rows = [times(i, ack=i, closed=10 * i, status="fulfilled") for i in range(1, 6)]
    rows.append(times(6, status="sent", sent=31))
    now = T0 + timedelta(days=60)
    by_type = {(s.group, s.measure): s for s in delays.summarise(rows, lambda r: r.type, now)}
    close = by_type[("extradition", "close")]
    assert close.n == 5 and close.median == pytest.approx(30) and close.p90 == pytest.approx(46)
    assert close.open == 1 and close.overdue == 1  # request 6: sent day 31, not acknowledged after 29 days
    cohorts = {c.month: c for c in delays.cohorts(rows)}
    january = cohorts["2026-01"]
    assert january.sent == 5 and january.closed_30 == pytest.approx(0.6) and january.still_open == 0
    assert cohorts["2026-02"].still_open == 1
    trend = {t.month: t for t in delays.trend(rows)}
    assert trend["2026-01"].closed == 3 and trend["2026-02"].closed == 2
    stages = {s.group: s for s in delays.by_stage(rows, now)}
    assert stages["acknowledge"].n == 5 and stages["acknowledge"].open == 1
