"""Synthetic municipal homicide counts for trying the hotspot tools — clearly labelled synthetic.

Real municipal boundaries, centroids and 2020 census populations; invented counts. Risk varies
smoothly over the country (a few regional bumps), one cluster is planted and grows over the last
months (an emerging hot spot), and another fades. Nothing here describes any real place's violence.
"""

from __future__ import annotations

import numpy as np

from bicentennial.geo import reference
from bicentennial.hotspots.panel import Panel, months

MONTHLY_NATIONAL = 2_400  # order of magnitude of intentional-homicide investigations per month


def synthetic_panel(*, first: str = "2023-01", last: str = "2025-12", seed: int = 7) -> Panel:
    """All Mexican municipalities × months, Poisson counts around a smooth, seeded risk surface."""
    rng = np.random.default_rng(seed)
    rows = [r for r in reference.mexico() if r.level == "municipality"]
    ids = tuple(r.code for r in rows)
    names = tuple(r.name for r in rows)
    coords = np.array([(r.lat, r.lon) for r in rows], dtype=np.float64)
    people = np.array([r.population_2020 or 0 for r in rows], dtype=np.float64)
    periods = months(first, last)
    t = len(periods)

    relative = np.ones(len(rows))
    for centre in rng.choice(len(rows), size=6, replace=False, p=people / people.sum()):
        relative += rng.uniform(0.8, 2.0) * _bump(coords, coords[centre], rng.uniform(60, 180))
    risk = np.repeat(relative[:, None], t, axis=1)
    emerging = _bump(coords, coords[rng.choice(len(rows), p=people / people.sum())], 70) > 0.5
    fading = _bump(coords, coords[rng.choice(len(rows), p=people / people.sum())], 70) > 0.5
    ramp = np.clip((np.arange(t) - (t - 8)) / 4, 0, 1)  # rises over the last eight months
    risk[emerging] *= 1 + 1.5 * ramp
    risk[fading] *= 1 + 1.2 * (1 - np.clip(np.arange(t) / (t / 2), 0, 1))
    expected = people[:, None] * risk
    expected *= MONTHLY_NATIONAL * t / expected.sum()
    cases = rng.poisson(expected).astype(np.int64)
    population = np.repeat(people[:, None], t, axis=1)
    return Panel(ids, names, periods, cases, population, coords)


def _bump(coords: np.ndarray, centre: np.ndarray, radius_km: float) -> np.ndarray:
    dy = (coords[:, 0] - centre[0]) * 111.0
    dx = (coords[:, 1] - centre[1]) * 111.0 * np.cos(np.radians(centre[0]))
    return np.asarray(np.exp(-(dx**2 + dy**2) / (2 * radius_km**2)))
