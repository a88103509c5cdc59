"""A case panel: counts per area and month, with populations and coordinates, as numpy arrays.

The panel is what every hotspot method reads. It is frozen into a dataset when created, and its
SHA-256 (over the canonical bytes of ids, periods and arrays) identifies a run's inputs.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np

from bicentennial.core.errors import InvalidInput


@dataclass(frozen=True)
class Panel:
    ids: tuple[str, ...]  # area codes, e.g. "mx:09015", or the location IDs of a SaTScan file
    names: tuple[str, ...]
    periods: tuple[str, ...]  # "YYYY-MM", consecutive months
    cases: np.ndarray  # int64 (n_areas, n_periods)
    population: np.ndarray  # float64 (n_areas, n_periods)
    coords: np.ndarray  # float64 (n_areas, 2): latitude, longitude

    def __post_init__(self) -> None:
        n, t = len(self.ids), len(self.periods)
        if self.cases.shape != (n, t) or self.population.shape != (n, t) or self.coords.shape != (n, 2):
            raise InvalidInput(f"panel: arrays do not match {n} areas × {t} periods")
        if len(set(self.ids)) != n:
            raise InvalidInput("panel: area ids repeat")
        if n == 0 or t == 0:
            raise InvalidInput("panel: no areas or no periods")

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for text in ("\x1f".join(self.ids), "\x1f".join(self.periods)):
            digest.update(text.encode("utf-8") + b"\x1e")
        for array, dtype in ((self.cases, "<i8"), (self.population, "<f8"), (self.coords, "<f8")):
            digest.update(np.ascontiguousarray(array, dtype=dtype).tobytes())
        return digest.hexdigest()

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            ids=np.array(self.ids),
            names=np.array(self.names),
            periods=np.array(self.periods),
            cases=self.cases.astype("<i8"),
            population=self.population.astype("<f8"),
            coords=self.coords.astype("<f8"),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, payload: bytes) -> Panel:
        with np.load(io.BytesIO(payload), allow_pickle=False) as z:
            return cls(
                tuple(str(x) for x in z["ids"]),
                tuple(str(x) for x in z["names"]),
                tuple(str(x) for x in z["periods"]),
                z["cases"].astype(np.int64),
                z["population"].astype(np.float64),
                z["coords"].astype(np.float64),
            )

    def index(self, period: str) -> int:
        try:
            return self.periods.index(period)
        except ValueError:
            raise InvalidInput(
                f"period {period!r} is outside this dataset ({self.periods[0]} to {self.periods[-1]})"
            ) from None

    def window(self, start: str | None, end: str | None) -> Panel:
        """The same areas over [start, end] (inclusive, YYYY-MM)."""
        i = self.index(start) if start else 0
        j = self.index(end) if end else len(self.periods) - 1
        if i > j:
            raise InvalidInput(f"start {start} is after end {end}")
        sl = slice(i, j + 1)
        return Panel(self.ids, self.names, self.periods[sl], self.cases[:, sl], self.population[:, sl], self.coords)


def months(first: str, last: str) -> tuple[str, ...]:
    """Every month from ``first`` to ``last`` inclusive (YYYY-MM)."""
    y, m = _ym(first)
    y2, m2 = _ym(last)
    if (y, m) > (y2, m2):
        raise InvalidInput(f"start {first} is after end {last}")
    out = []
    while (y, m) <= (y2, m2):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def _ym(text: str) -> tuple[int, int]:
    try:
        y, m = text.split("-")
        year, month = int(y), int(m)
    except ValueError:
        raise InvalidInput(f"period {text!r}: expected YYYY-MM") from None
    if not 1 <= month <= 12 or len(y) != 4:
        raise InvalidInput(f"period {text!r}: expected YYYY-MM")
    return year, month
