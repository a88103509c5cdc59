"""Each hotspot method as one call: validate parameters, run the kernel on a panel, return plain JSON.

Parameters are normalised (defaults filled in, types fixed) before a run is stored, so what is
recorded with a run is exactly what produced its result.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.panel import Panel
from bicentennial.hotspots.weights import Weights

Progress = Callable[[int, int], None]
METHODS = ("scan", "gistar", "local_moran", "emerging")
DEFAULT_SEED = 20211008  # the accord's date: any fixed seed will do, this one is easy to recognise
WEIGHTS_HELP = "queen, rook, knn:K or distance:KM"

_DEFAULTS: dict[str, dict[str, Any]] = {
    "scan": {
        "model": "poisson",
        "max_population": 0.10,
        "max_time": 0.50,
        "replicas": 999,
        "seed": DEFAULT_SEED,
        "prospective": False,
        "start": None,
        "end": None,
    },
    "gistar": {
        "weights": "queen",
        "value": "rate",
        "months": 12,
        "permutations": 9999,  # p-values down to 1e-4, so FDR control can still flag areas on a national map
        "seed": DEFAULT_SEED,
        "alpha": 0.05,
        "correction": "fdr",
    },
    "emerging": {"weights": "queen", "time_step": 1, "alpha": 0.05},
}
_DEFAULTS["local_moran"] = dict(_DEFAULTS["gistar"])


def normalise(method: str, given: dict[str, Any], panel: Panel) -> dict[str, Any]:
    """Defaults filled in, unknown names refused, values checked against the panel."""
    if method not in METHODS:
        raise InvalidInput(f"method: {method!r} is not one of {', '.join(METHODS)}")
    defaults = _DEFAULTS[method]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a parameter of {method} (known: {', '.join(defaults)})")
    params = {k: (given[k] if given.get(k) not in (None, "") else v) for k, v in defaults.items()}
    for key, default in defaults.items():
        params[key] = _coerce(key, params[key], default)
    if method == "scan":
        _scan_parameters(params).validate()
        panel.window(params["start"], params["end"])  # raises on periods outside the data
        if params["model"] == "poisson":
            _check_population(panel)
    else:
        _parse_weights(params["weights"])
        if method != "emerging":
            if params["value"] not in {"count", "rate", "eb_rate"}:
                raise InvalidInput("value: expected count, rate or eb_rate")
            if not 1 <= params["months"] <= len(panel.periods):
                raise InvalidInput(f"months: between 1 and {len(panel.periods)}")
            if params["correction"] not in {"none", "fdr", "by"}:
                raise InvalidInput("correction: expected none, fdr or by")
            if not 0 <= params["permutations"] <= 99_999:
                raise InvalidInput("permutations: between 0 and 99999")
        elif not 0 <= params["time_step"] <= 12:
            raise InvalidInput("time_step: between 0 and 12")
        if not 0 < params["alpha"] < 1:
            raise InvalidInput("alpha: between 0 and 1")
    return params


def _coerce(key: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return None if value is None else str(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{key}: {value!r} is not a valid value") from None


def _check_population(panel: Panel) -> None:
    bad = np.flatnonzero((panel.population <= 0).any(axis=1) & (panel.cases > 0).any(axis=1))
    if bad.size:
        raise InvalidInput(
            f"area {panel.ids[bad[0]]}: cases but zero population ({bad.size} such area(s)); the Poisson model "
            "needs a population for every area with cases — fix the population or use space-time-permutation"
        )


def _scan_parameters(params: dict[str, Any]) -> Any:
    from bicentennial.hotspots.scan import ScanParameters

    return ScanParameters(
        model=params["model"],
        max_population=params["max_population"],
        max_time=params["max_time"],
        replicas=params["replicas"],
        seed=params["seed"],
        prospective=params["prospective"],
    )


def analyse(
    panel: Panel,
    method: str,
    params: dict[str, Any],
    *,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
    weights: Weights | None = None,
) -> dict[str, Any]:
    """Run ``method`` on ``panel``; the result is JSON-ready (``seconds`` is the compute time).

    ``weights`` replaces the neighbours named in ``params`` (a user's own boundaries, say).
    """
    started = time.perf_counter()
    if method == "scan":
        result = _scan(panel, params, scheduler=scheduler, workers=workers, progress=progress)
    elif method == "emerging":
        result = _emerging(panel, params, weights)
    else:
        result = _local(panel, method, params, weights)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _scan(panel: Panel, params: dict[str, Any], **jobs: Any) -> dict[str, Any]:
    from bicentennial.hotspots.scan import scan_space_time

    data = panel.window(params["start"], params["end"])
    population = data.population if params["model"] == "poisson" else None
    found = scan_space_time(data.cases, data.coords, population, _scan_parameters(params), **jobs)
    clusters = [
        {
            "rank": c.rank,
            "centre": data.ids[c.centre],
            "locations": [data.ids[i] for i in c.locations],
            "radius_km": round(float(c.radius_km), 3),
            "start": data.periods[c.start],
            "end": data.periods[c.end],
            "observed": int(c.observed),
            "expected": round(float(c.expected), 6),
            "relative_risk": _round(c.relative_risk),
            "llr": round(float(c.llr), 6),
            "p_value": _round(c.p_value),
            "gumbel_p_value": _round(c.gumbel_p_value),
            "recurrence_interval": _round(c.recurrence_interval),
        }
        for c in found.clusters
    ]
    return {
        "clusters": clusters,
        "periods": [data.periods[0], data.periods[-1]],
        "total_cases": int(data.cases.sum()),
        "cylinders": int(found.cylinders),
        "replicas": len(found.replica_llrs),
    }


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _values(panel: Panel, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts over the last ``months`` months, the matching mean population, and the analysed value."""
    from bicentennial.hotspots.local import empirical_bayes_rates

    last = slice(len(panel.periods) - params["months"], None)
    counts = panel.cases[:, last].sum(axis=1).astype(np.float64)
    people = panel.population[:, last].mean(axis=1)
    if params["value"] == "count":
        return counts, people, counts
    if (people <= 0).any():
        raise InvalidInput(f"area {panel.ids[int(np.argmin(people))]}: zero population; rates need one")
    if params["value"] == "eb_rate":
        return counts, people, empirical_bayes_rates(counts, people) * 100_000
    return counts, people, counts / people * 100_000


def _local(panel: Panel, method: str, params: dict[str, Any], given: Weights | None) -> dict[str, Any]:
    from bicentennial.hotspots.local import gistar, local_moran

    w = subset(given, panel.ids) if given else weights_for(panel, params["weights"])
    counts, _people, values = _values(panel, params)
    fn = gistar if method == "gistar" else local_moran
    stat = fn(
        values,
        w,
        permutations=params["permutations"],
        seed=params["seed"],
        alpha=params["alpha"],
        correction=params["correction"],
    )
    quadrants = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    areas = []
    for i, code in enumerate(panel.ids):
        label = "hot" if stat.hot[i] else "cold" if stat.cold[i] else "none"
        if method == "local_moran" and stat.quadrant is not None and label != "none":
            label = quadrants.get(int(stat.quadrant[i]), label)
        areas.append(
            {
                "code": code,
                "name": panel.names[i],
                "count": int(counts[i]),
                "value": _round(values[i]),
                "statistic": _round(stat.statistic[i], 9),
                "z": _round(stat.z[i], 9),
                "p_sim": None if stat.p_sim is None else _round(stat.p_sim[i]),
                "p_norm": _round(stat.p_norm[i]),
                "class": label,
            }
        )
    return {
        "areas": areas,
        "weights": w.kind,
        "islands": list(w.islands),
        "periods": [panel.periods[-params["months"]], panel.periods[-1]],
    }


def _emerging(panel: Panel, params: dict[str, Any], given: Weights | None) -> dict[str, Any]:
    from bicentennial.hotspots.emerging import emerging_hotspots

    w = subset(given, panel.ids) if given else weights_for(panel, params["weights"])
    found = emerging_hotspots(panel.cases.astype(np.float64), w, time_step=params["time_step"], alpha=params["alpha"])
    areas = [
        {
            "code": code,
            "name": panel.names[i],
            "class": found.classes[i],
            "trend_tau": _round(found.trend_tau[i]),
            "trend_p": _round(found.trend_p[i]),
            "last_z": _round(found.z[i, -1]),
        }
        for i, code in enumerate(panel.ids)
    ]
    counts: dict[str, int] = {}
    for cls in found.classes:
        counts[cls] = counts.get(cls, 0) + 1
    return {
        "areas": areas,
        "classes": counts,
        "weights": w.kind,
        "islands": list(w.islands),
        "periods": [panel.periods[0], panel.periods[-1]],
    }


def _parse_weights(spec: str) -> tuple[str, float]:
    kind, _, arg = spec.partition(":")
    with contextlib.suppress(ValueError):  # a non-number after the colon is reported below, like any bad spec
        if kind in {"queen", "rook"} and not arg:
            return kind, 0.0
        if kind == "knn" and int(arg) >= 1:
            return kind, float(int(arg))
        if kind == "distance" and float(arg) > 0:
            return kind, float(arg)
    raise InvalidInput(f"weights: {spec!r} is not one of {WEIGHTS_HELP}")


def weights_for(panel: Panel, spec: str) -> Weights:
    """Weights over the panel's areas: contiguity from the bundled boundaries, or from coordinates."""
    from bicentennial.hotspots import weights as wt

    kind, arg = _parse_weights(spec)
    if kind == "knn":
        return wt.knn(panel.ids, panel.coords, int(arg))
    if kind == "distance":
        return wt.distance_band(panel.ids, panel.coords, arg)
    if all(i.startswith("mx:") and len(i) == 8 for i in panel.ids):
        return subset(wt.mexico_municipalities(kind), panel.ids)
    if all(i.startswith("mx:") and len(i) == 5 for i in panel.ids):
        return subset(wt.mexico_states(kind), panel.ids)
    raise InvalidInput(
        f"weights: {kind} contiguity needs Mexican state or municipality codes (mx:NN / mx:NNNNN); "
        "these areas have only coordinates: use knn:8 or distance:KM"
    )


def subset(w: Weights, ids: tuple[str, ...]) -> Weights:
    """The weights restricted to ``ids``, in that order (neighbours outside are dropped)."""
    where = {code: i for i, code in enumerate(ids)}
    known = set(w.ids)
    missing = [code for code in ids if code not in known]
    if missing:
        raise InvalidInput(f"area {missing[0]}: not in the bundled boundaries ({len(missing)} missing)")
    position = {code: i for i, code in enumerate(w.ids)}
    lists, values = [], []
    for code in ids:
        i = position[code]
        nb = w.indices[w.indptr[i] : w.indptr[i + 1]]
        vals = w.values[w.indptr[i] : w.indptr[i + 1]]
        keep = [(where[w.ids[j]], v) for j, v in zip(nb, vals, strict=True) if w.ids[j] in where]
        lists.append([j for j, _ in keep])
        values.append([v for _, v in keep])
    return Weights.from_lists(ids, lists, kind=w.kind, weights=values)
