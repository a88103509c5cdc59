"""Delay analytics over requests: pure functions over plain rows, no database.

Definitions (documented on the dashboard too):
- *days to acknowledge*: sent → acknowledged.
- *days to close*: sent → fulfilled / partially fulfilled / refused / withdrawn, minus days on hold.
- *days on hold*: the clock pauses while a request is on hold; reported separately.
- *overdue*: an open request whose current stage (acknowledge, or complete counted from
  acknowledgement net of hold) has run longer than its type's deadline.
Quantiles use linear interpolation between order statistics (numpy's default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bicentennial.cooperation import vocabulary

DAY = 86400.0


@dataclass(frozen=True)
class RequestTimes:
    id: int
    type: str
    receiving_agency: str
    requesting_agency: str
    status: str
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    hold_days: float
    hold_started_at: datetime | None
    subject: str = ""
    synthetic: bool = False

    def hold_total(self, now: datetime) -> float:
        live = (now - self.hold_started_at).total_seconds() / DAY if self.hold_started_at else 0.0
        return self.hold_days + live

    @property
    def days_to_acknowledge(self) -> float | None:
        if self.sent_at is None or self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.sent_at).total_seconds() / DAY

    def days_to_close(self) -> float | None:
        if self.sent_at is None or self.closed_at is None:
            return None
        return (self.closed_at - self.sent_at).total_seconds() / DAY - self.hold_days

    def days_in_complete_stage(self, now: datetime) -> float | None:
        if self.acknowledged_at is None:
            return None
        end = self.closed_at or now
        return (end - self.acknowledged_at).total_seconds() / DAY - self.hold_total(now)

    def open_stage(self) -> str:
        return vocabulary.states()[self.status].stage


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    data = sorted(values)
    position = (len(data) - 1) * q
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    group: str
    measure: str
    n: int
    median: float | None
    p90: float | None
    open: int
    overdue: int


def overdue_days(r: RequestTimes, now: datetime) -> float | None:
    """Days past the current stage's deadline, or None when not overdue (or closed)."""
    stage = r.open_stage()
    kind = vocabulary.request_types().get(r.type)
    if kind is None or stage in ("draft", vocabulary.CLOSED_STAGE) or r.sent_at is None:
        return None
    if stage == "acknowledge":
        elapsed = (now - r.sent_at).total_seconds() / DAY
    else:
        elapsed = r.days_in_complete_stage(now) or 0.0
    limit = kind.deadline_days(stage)
    return elapsed - limit if limit is not None and elapsed > limit else None


def summarise(rows: Iterable[RequestTimes], key: Callable[[RequestTimes], str], now: datetime) -> list[Summary]:
    """Median and 90th percentile of days to acknowledge and to close, per group."""
    groups: dict[str, list[RequestTimes]] = defaultdict(list)
    for r in rows:
        if r.sent_at is not None:
            groups[key(r)].append(r)
    out = []
    for group in sorted(groups):
        members = groups[group]
        open_ = [r for r in members if r.closed_at is None]
        overdue = sum(1 for r in open_ if overdue_days(r, now) is not None)
        for measure, values in (
            ("acknowledge", [v for r in members if (v := r.days_to_acknowledge) is not None]),
            ("close", [v for r in members if (v := r.days_to_close()) is not None]),
            ("hold", [r.hold_total(now) for r in members if r.hold_total(now) > 0]),
        ):
            out.append(
                Summary(group, measure, len(values), quantile(values, 0.5), quantile(values, 0.9), len(open_), overdue)
            )
    return out


def by_stage(rows: Iterable[RequestTimes], now: datetime) -> list[Summary]:
    """Per stage: acknowledge (sent → acknowledged), complete (acknowledged → closed, net of hold), hold."""
    rows = [r for r in rows if r.sent_at is not None]
    stages = {
        "acknowledge": [v for r in rows if (v := r.days_to_acknowledge) is not None],
        "complete": [v for r in rows if r.closed_at and (v := r.days_in_complete_stage(now)) is not None],
        "hold": [r.hold_total(now) for r in rows if r.hold_total(now) > 0],
    }
    open_by_stage = defaultdict(list)
    for r in rows:
        if r.closed_at is None:
            open_by_stage["hold" if r.status == "on_hold" else r.open_stage()].append(r)
    return [
        Summary(
            stage,
            "days",
            len(v),
            quantile(v, 0.5),
            quantile(v, 0.9),
            len(open_by_stage[stage]),
            sum(1 for r in open_by_stage[stage] if overdue_days(r, now) is not None),
        )
        for stage, v in stages.items()
    ]


@dataclass(frozen=True)
class Overdue:
    id: int
    type: str
    subject: str
    requesting_agency: str
    receiving_agency: str
    status: str
    stage: str
    days_over: float


def overdue(rows: Iterable[RequestTimes], now: datetime) -> list[Overdue]:
    out = []
    for r in rows:
        over = overdue_days(r, now)
        if over is not None:
            out.append(
                Overdue(
                    r.id,
                    r.type,
                    r.subject,
                    r.requesting_agency,
                    r.receiving_agency,
                    r.status,
                    r.open_stage(),
                    round(over, 1),
                )
            )
    return sorted(out, key=lambda o: -o.days_over)


@dataclass(frozen=True)
class MonthTrend:
    month: str
    sent: int
    closed: int
    median_days_to_close: float | None
    p90_days_to_close: float | None


def trend(rows: Iterable[RequestTimes]) -> list[MonthTrend]:
    """Per calendar month: requests sent, requests closed, and delay of those closed that month."""
    sent: dict[str, int] = defaultdict(int)
    closed: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.sent_at:
            sent[r.sent_at.strftime("%Y-%m")] += 1
        if r.closed_at and (d := r.days_to_close()) is not None:
            closed[r.closed_at.strftime("%Y-%m")].append(d)
    months = sorted(set(sent) | set(closed))
    return [MonthTrend(m, sent[m], len(closed[m]), quantile(closed[m], 0.5), quantile(closed[m], 0.9)) for m in months]


@dataclass(frozen=True)
class Cohort:
    month: str
    sent: int
    closed_30: float
    closed_90: float
    closed_180: float
    still_open: int
    median_days_to_close: float | None


def cohorts(rows: Iterable[RequestTimes]) -> list[Cohort]:
    """Requests grouped by month sent: share closed within 30/90/180 days, and how many are still open."""
    groups: dict[str, list[RequestTimes]] = defaultdict(list)
    for r in rows:
        if r.sent_at:
            groups[r.sent_at.strftime("%Y-%m")].append(r)
    out = []
    for month in sorted(groups):
        members = groups[month]
        days = [d for r in members if (d := r.days_to_close()) is not None]
        n = len(members)
        out.append(
            Cohort(
                month,
                n,
                sum(d <= 30 for d in days) / n,
                sum(d <= 90 for d in days) / n,
                sum(d <= 180 for d in days) / n,
                n - len(days),
                quantile(days, 0.5),
            )
        )
    return out
