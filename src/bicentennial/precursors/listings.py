"""The lists a substance can be on, and when each listing took effect.

The reference file records listings as prose ("Table II 1988; moved to Table I 2001",
"List I ... eff. 2023-05-12 (FR Doc 2023-07538)", "CSG Acuerdo DOF 18-07-2017"). This
module turns that prose into dated listings so a screening can be run as of a date. A bare
year is read as 1 January of that year and marked ``year`` precision; a listing whose date the
sources do not give has no start and counts as in force on any date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bicentennial.core.i18n import N_

# code -> (jurisdiction, English label, binding). "Reported" lists are not law we could verify:
# a substance only on such a list is sent to review, never called controlled.
LISTS: dict[str, tuple[str, str, bool]] = {
    "UN-I": ("UN", N_("UN 1988 Convention, Table I"), True),
    "UN-II": ("UN", N_("UN 1988 Convention, Table II"), True),
    "US-ListI": ("US", N_("US List I chemical (21 CFR 1310.02)"), True),
    "US-ListII": ("US", N_("US List II chemical (21 CFR 1310.02)"), True),
    "US-CSA-II": ("US", N_("US Controlled Substances Act, Schedule II"), True),
    "US-CSA-III": ("US", N_("US Controlled Substances Act, Schedule III"), True),
    "US-CSA-IV": ("US", N_("US Controlled Substances Act, Schedule IV"), True),
    "MX-precursor": ("MX", N_("Mexico LFCPQ art. 4 fr. I, precursor químico"), True),
    "MX-essential": ("MX", N_("Mexico LFCPQ art. 4 fr. II, producto químico esencial"), True),
    "MX-dualuse-reported": ("MX", N_("Mexico dual-use chemical (reported, instrument not verified)"), False),
}
JURISDICTION_LABELS = {"UN": N_("United Nations"), "US": N_("United States"), "MX": N_("Mexico")}

_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_DMY = re.compile(r"\b(\d\d)-(\d\d)-((?:19|20)\d\d)\b")
_FR_DOC = re.compile(r"FR Doc\.? ?\d{4}-\d+")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_MOVED = re.compile(r"Table (I{1,2}) ((?:19|20)\d\d); moved to Table (I{1,2}) ((?:19|20)\d\d)")


@dataclass(frozen=True)
class Listing:
    code: str  # "UN-I", "US-ListI", ...
    since: date | None  # None: start not given by the sources (in force on any date)
    until: date | None = None  # the day it stopped (moved to another table)
    precision: str = "day"  # "day" | "year" | "unknown"

    @property
    def jurisdiction(self) -> str:
        return list_jurisdiction(self.code)

    @property
    def binding(self) -> bool:
        return LISTS.get(self.code, ("", "", True))[2]

    def in_force(self, on: date | None) -> bool:
        if on is None:
            return self.until is None
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


def list_jurisdiction(code: str) -> str:
    known = LISTS.get(code)
    return known[0] if known else code.split("-", 1)[0].upper()


def _dates(text: str) -> list[tuple[date, str]]:
    found = [(date(int(y), int(m), int(d)), "day") for y, m, d in _ISO.findall(text)]
    found += [(date(int(y), int(m), int(d)), "day") for d, m, y in _DMY.findall(text)]
    # Federal Register document numbers ("FR Doc 2023-07538") carry a year that is not a date; a bare
    # year is only the coarse form of a day given elsewhere in the same text.
    bare = _DMY.sub(" ", _ISO.sub(" ", _FR_DOC.sub(" ", text)))
    days = {d.year for d, _ in found}
    return found + [(date(int(y), 1, 1), "year") for y in _YEAR.findall(bare) if int(y) not in days]


def _earliest(text: str) -> tuple[date | None, str]:
    found = sorted(_dates(text))
    return found[0] if found else (None, "unknown")


def un_listings(codes: list[str], status: str) -> list[Listing]:
    """UN listings; a move between tables ends one listing the day the other starts."""
    moved = _MOVED.search(status)
    if moved:
        old, old_year, new, new_year = moved.groups()
        switch = date(int(new_year), 1, 1)
        return [
            Listing(f"UN-{old}", date(int(old_year), 1, 1), switch, "year"),
            Listing(f"UN-{new}", switch, None, "year"),
        ]
    iso = _ISO.findall(status)
    since, precision = (date(*map(int, iso[-1])), "day") if iso else _earliest(status)
    return [Listing(code, since, None, precision) for code in codes]


def national_listings(codes: list[str], status: str) -> list[Listing]:
    """US or Mexican listings: the earliest date the status gives applies to each list of that country."""
    since, precision = _earliest(status)
    return [
        Listing(code, since, None, precision)
        if LISTS.get(code, ("", "", True))[2]
        else Listing(code, None, None, "unknown")
        for code in codes
    ]


def listings_of(lists: str, un_status: str, us_status: str, mx_status: str) -> tuple[Listing, ...]:
    codes = [c.strip() for c in lists.split(";") if c.strip()]
    by_country: dict[str, list[str]] = {}
    for code in codes:
        by_country.setdefault(list_jurisdiction(code), []).append(code)
    out: list[Listing] = []
    for country, members in by_country.items():
        if country == "UN":
            out += un_listings(members, un_status)
        else:
            out += national_listings(members, {"US": us_status, "MX": mx_status}.get(country, ""))
    return tuple(out)
