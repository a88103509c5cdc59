"""Each method on a checked spec and panel, returning a JSON-ready result (numbers rounded, series as lists)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from bicentennial.evaluation import inputs
from bicentennial.evaluation.spec import LongPanel

Progress = Callable[[int, int], None]
MAX_SPAGHETTI = 200  # placebo gap series kept for the chart (all ratios are kept)


def _r(x: Any, digits: int = 6) -> Any:
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return [None if not np.isfinite(v) else round(float(v), digits) for v in x]
    x = float(x)
    return round(x, digits) if np.isfinite(x) else None


def estimate(
    method: str,
    spec: dict[str, Any],
    panel: LongPanel,
    *,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    if method == "synth":
        result = _synth(spec, panel, scheduler=scheduler, workers=workers, progress=progress)
    elif method == "its":
        result = _its(spec, panel)
    else:
        result = _did(spec, panel)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _synth(spec: dict[str, Any], panel: LongPanel, **jobs: Any) -> dict[str, Any]:
    from bicentennial.evaluation.placebos import in_space_placebos
    from bicentennial.evaluation.synth import synthetic_control

    data = inputs.synth_input(spec, panel)
    fit = synthetic_control(data, method=spec["method"], penalty=spec["penalty"])
    out: dict[str, Any] = {
        "treated": data.units[data.treated],
        "treatment_start": data.periods[data.treatment_start],
        "periods": list(data.periods),
        "observed": _r(data.outcome[data.treated]),
        "synthetic": _r(fit.synthetic),
        "gaps": [{"period": p, "gap": _r(g)} for p, g in zip(data.periods, fit.gaps, strict=True)],
        "weights": {u: _r(w) for u, w in sorted(fit.weights.items(), key=lambda kv: -kv[1])},
        "v": {k: _r(v) for k, v in fit.v.items()},
        "balance": [{k: (_r(v) if k != "predictor" else v) for k, v in row.items()} for row in fit.balance],
        "pre_rmspe": _r(fit.pre_rmspe),
        "post_rmspe": _r(fit.post_rmspe),
        "method": fit.method,
        "penalty": _r(fit.penalty),
        "placebo_p_value": None,
    }
    if spec.get("placebos"):
        out["robustness"] = _robustness(data, spec["method"], jobs)
        placebos = in_space_placebos(data, method=spec["method"], **jobs)
        ratios = placebos.rmspe_ratio
        kept = sorted(placebos.gaps, key=lambda u: -ratios.get(u, 0))[:MAX_SPAGHETTI]
        out["placebo_p_value"] = _r(placebos.p_value)
        out["placebos"] = {
            "rule": placebos.rule,
            "excluded": list(placebos.excluded),
            "rmspe_ratio": {u: _r(r) for u, r in ratios.items()},
            "gaps": {u: _r(placebos.gaps[u], 4) for u in kept},
        }
    return out


def _robustness(data: Any, method: Any, jobs: dict[str, Any]) -> dict[str, Any]:
    """An in-time placebo halfway through the pre-period, and the gap without each weighted donor."""
    from bicentennial.evaluation.placebos import in_time_placebo, leave_one_out

    out: dict[str, Any] = {}
    fake = data.treatment_start // 2
    if fake >= 2 and data.treatment_start - fake >= 2:
        backdated = in_time_placebo(data, fake_start=fake, method=method)
        out["in_time"] = {"fake_start": data.periods[fake], "gaps": _r(backdated.gaps[: data.treatment_start])}
    scheduler, workers = jobs.get("scheduler"), jobs.get("workers", 0)
    dropped = leave_one_out(data, method=method, scheduler=scheduler, workers=workers)
    out["leave_one_out"] = {unit: _r(g, 4) for unit, g in dropped.items()}
    return out


def _its(spec: dict[str, Any], panel: LongPanel) -> dict[str, Any]:
    from bicentennial.evaluation.its import interrupted_time_series

    y, periods, start = inputs.its_series(spec, panel)
    fit = interrupted_time_series(
        y,
        start=start,
        period=int(spec["period"]),
        seasonal=bool(spec["seasonal"]),
        errors=spec["errors"],
        alpha=float(spec["alpha"]),
    )
    return {
        "periods": list(periods),
        "treatment_start": periods[start],
        "observed": _r(y),
        "fitted": _r(fit.fitted),
        "counterfactual": _r(fit.counterfactual),
        "counterfactual_low": _r(fit.counterfactual_low),
        "counterfactual_high": _r(fit.counterfactual_high),
        "effect": _r(fit.effect),
        "cumulative_effect": _r(fit.cumulative_effect),
        "level_change": _r(fit.level_change),
        "level_ci": [_r(v) for v in fit.level_ci],
        "level_p": _r(fit.level_p),
        "slope_change": _r(fit.slope_change),
        "slope_ci": [_r(v) for v in fit.slope_ci],
        "slope_p": _r(fit.slope_p),
        "errors": fit.errors,
        "details": fit.details,
    }


def _did(spec: dict[str, Any], panel: LongPanel) -> dict[str, Any]:
    from bicentennial.evaluation.did import callaway_santanna

    y, first, periods, clusters = inputs.did_arrays(spec, panel)
    fit = callaway_santanna(
        y,
        first,
        periods=periods,
        control=spec["control"],
        clusters=clusters,
        alpha=float(spec["alpha"]),
        bootstrap=int(spec["bootstrap"]),
        seed=int(spec["seed"]),
    )
    out = asdict(fit)
    out["periods"] = list(periods)
    out["treated_units"] = int((first >= 0).sum())
    return out
