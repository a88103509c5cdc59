"""The shape of one trace as importers produce it and analytics consume it (no database here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class TraceRow:
    """One firearm trace: the request (ATF Form 3312.1 / eTrace) and, when traced, its result."""

    line: int  # 1-based line in the source file (0 for generated rows)
    serial: str  # as written on the request
    serial_normalized: str  # upper case, no spaces or dashes; O/0 and I/1 left as written
    serial_obliterated: bool
    firearm_type: str  # pistol | revolver | rifle | shotgun | machine_gun | other
    manufacturer: str  # canonical name from the reference table, or as given
    model: str
    caliber: str  # canonical, e.g. "9mm", "7.62x39mm", ".50 BMG"
    recovery_date: date
    recovery_state: str  # "mx:09"
    recovery_area: str  # "mx:09015", or the state code when the municipality is unknown
    country_of_origin: str = ""  # ISO alpha-2 of manufacture
    importer: str = ""
    crime_code: str = ""
    case_number: str = ""
    possessor_id: str = ""
    trace_status: str = "completed"  # completed | not_traced
    not_traced_reason: str = ""  # e.g. obliterated_serial, too_old, foreign_no_import_record, insufficient_data
    dealer_ffl: str = ""  # 15 characters, e.g. 5-74-123-01-2A-12345 without dashes
    dealer_name: str = ""
    dealer_state: str = ""  # US state abbreviation, e.g. "TX"
    purchaser_id: str = ""
    purchase_date: date | None = None
    multiple_sale: bool = False
    warnings: list[str] = field(default_factory=list)  # e.g. "serial has O/0 or I/1 look-alikes"

    @property
    def us_sourced(self) -> bool:
        return self.trace_status == "completed" and bool(self.dealer_state)

    @property
    def time_to_crime_days(self) -> int | None:
        if self.purchase_date is None:
            return None
        return (self.recovery_date - self.purchase_date).days
