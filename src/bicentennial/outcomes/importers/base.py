"""What every importer returns, and the error it raises on a malformed file.

Importers are pure: they read one file and return observations; they never touch
the database. The store (``outcomes.store``) validates areas, writes an import
batch and its rows atomically, and keeps every vintage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bicentennial.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Observation:
    indicator: str  # an indicator id of the results framework, e.g. "mx_homicide_victims_sesnsp"
    area: str  # "mx", "mx:09", "mx:09015", "us", "us:06" (lower-case country, INEGI/FIPS codes zero-padded)
    period: str  # "2021" (year), "2021-01" (month), "FY2021" (US fiscal year, Oct–Sep)
    value: float | None  # None: not yet published, or suppressed at source
    line: int  # 1-based line (or record) number in the source file, for error messages
    note: str = ""


@dataclass
class Parsed:
    format: str  # the format id, e.g. "sesnsp-state-victims"
    source: str  # the publisher, e.g. "SESNSP"
    vintage: str | None  # the release, e.g. "2025-12" for a SESNSP "dic25" cut; None when the file does not say
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the importer did that a user should know


class ImportFormatError(InvalidInput):
    """A malformed file, rejected whole: names the file, line, column and what was expected."""

    def __init__(self, file: str, line: int | None, column: str | None, expected: str) -> None:
        where = file + (f", line {line}" if line else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {expected}")
        self.file, self.line, self.column, self.expected = file, line, column, expected
