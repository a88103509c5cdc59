"""Dates of birth as lists write them: often only a year, a month, "circa", or a range.

OFAC writes "DOB 15 Dec 1967", "DOB Dec 1967", "DOB 1967", "DOB circa 1951", "DOB 1960 to 1962" and
"DOB circa 1955-1957"; OpenSanctions writes ISO prefixes ("1967-12-15", "1967-12", "1967"); Mexican
national lists write "15/12/1967". A screener may only compare what the list knows, so a date keeps
its precision and the text it came from, and answers with the earliest and latest day it allows.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

# OFAC gives no rule for "circa"; one year either side is the reading we document and apply.
CIRCA_YEARS = 1
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
MIN_YEAR, MAX_YEAR = 1800, 2100

_ONE = r"(?:(?P<{p}d>\d{{1,2}})\s+)?(?:(?P<{p}m>[A-Za-z]{{3}})[a-z]*\.?\s+)?(?P<{p}y>\d{{4}})"
_OFAC = re.compile(
    r"^(?P<circa>(?:circa|approximately|approx\.|ca\.)\s+)?" + _ONE.format(p="a")
    + r"(?:\s*(?:to|-|–)\s*" + _ONE.format(p="b") + r")?$",
    re.IGNORECASE,
)  # fmt: skip
_ISO = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?(?:T.*)?$")
_DMY = re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day; a range when ``end_year`` is set."""

    text: str
    year: int
    month: int | None = None
    day: int | None = None
    circa: bool = False
    end_year: int | None = None
    end_month: int | None = None
    end_day: int | None = None

    @property
    def is_exact(self) -> bool:
        """A single known day, not approximate: the only kind that can disagree by a day."""
        return self.day is not None and not self.circa and self.end_year is None

    @property
    def earliest(self) -> date:
        """First day the text allows ("circa" widens by :data:`CIRCA_YEARS`)."""
        year = self.year - (CIRCA_YEARS if self.circa else 0)
        return _clamped(year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """Last day the text allows ("circa" widens by :data:`CIRCA_YEARS`)."""
        year = self.end_year if self.end_year is not None else self.year
        month = self.end_month if self.end_year is not None else self.month
        day = self.end_day if self.end_year is not None else self.day
        year += CIRCA_YEARS if self.circa else 0
        month = month or 12
        return _clamped(year, month, day or 31)

    def contains(self, when: date) -> bool:
        """Whether a full date falls within what this date allows."""
        return self.earliest <= when <= self.latest

    def overlaps(self, other: PartialDate) -> bool:
        """Whether two partial dates can name the same day: the evidence a DOB gives a screener."""
        return self.earliest <= other.latest and other.earliest <= self.latest


def _clamped(year: int, month: int, day: int) -> date:
    # "circa 29 Feb 1960" widened by a year has no 29 February.
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _checked(year: int, month: int | None, day: int | None) -> bool:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return False
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= calendar.monthrange(year, month)[1]


def _parts(match: re.Match[str], prefix: str) -> tuple[int, int | None, int | None] | None:
    year = int(match[f"{prefix}y"])
    month_text, day_text = match[f"{prefix}m"], match[f"{prefix}d"]
    month = MONTHS.get(month_text.lower()) if month_text else None
    if month_text and month is None:
        return None
    if day_text and month is None:
        return None
    day = int(day_text) if day_text else None
    return (year, month, day) if _checked(year, month, day) else None


def _ofac(text: str) -> PartialDate | None:
    match = _OFAC.match(text)
    if match is None:
        return None
    start = _parts(match, "a")
    if start is None:
        return None
    end = _parts(match, "b") if match["by"] else None
    if match["by"] and end is None:
        return None
    end_year, end_month, end_day = end or (None, None, None)
    found = PartialDate(
        text, *start, circa=bool(match["circa"]), end_year=end_year, end_month=end_month, end_day=end_day
    )
    return found if found.earliest <= found.latest else None


def _numeric(text: str) -> PartialDate | None:
    match = _ISO.match(text) or _DMY.match(text)
    if match is None:
        return None
    year, month, day = int(match["y"]), match["m"], match["d"]
    parts = (year, int(month) if month else None, int(day) if day else None)
    return PartialDate(text, *parts) if _checked(*parts) else None


def parse_partial_date(text: str) -> PartialDate | None:
    """Read a date of birth in any of the forms above; None when the text is not one of them."""
    cleaned = " ".join(text.strip().rstrip(".").split())
    if not cleaned:
        return None
    return _numeric(cleaned) or _ofac(cleaned)
