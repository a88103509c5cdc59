"""Inference for the synthetic control: in-space and in-time placebos, leave-one-out robustness.

Every refit goes through :func:`bicentennial.core.jobs.run_tasks`, so a configured Dask scheduler
takes the 2,400 fits of a municipal donor pool. Refits are batched into at most
:data:`MAX_CHUNKS` tasks: each task carries the panel once, not once per fit. The batches depend
only on the data, and each fit is a deterministic function of its input, so the results are the
same in this process, on local processes or on any cluster.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bicentennial.core.errors import InvalidInput
from bicentennial.core.jobs import run_tasks
from bicentennial.evaluation.synth import MIN_PRE_PERIODS, Method, SynthInput, SynthResult, synthetic_control

MAX_CHUNKS = 64  # enough to balance a cluster of dozens of workers; few enough to ship the panel cheaply
WEIGHT_FLOOR = 1e-6  # leave-one-out drops donors above this: the active-set solver's zeros are exact


@dataclass(frozen=True)
class PlaceboResult:
    """Gap series and post/pre RMSPE ratios with every unit in turn treated.

    ``p_value`` is the share of kept units (the treated one included) whose ratio is at least the
    treated unit's. Placebos whose fit failed (e.g. a predictor without variation once the unit
    leaves the donor pool) are in ``excluded`` with NaN ratios, like those dropped by the rule.
    """

    gaps: dict[str, np.ndarray]
    rmspe_ratio: dict[str, float]
    p_value: float
    excluded: tuple[str, ...]
    rule: str
    pre_rmspe: dict[str, float]
    post_rmspe: dict[str, float]


@dataclass(frozen=True)
class _Batch:
    """Picklable unit of work: one panel and the (treated, donors) designs to fit on it."""

    data: SynthInput
    designs: tuple[tuple[int, tuple[int, ...]], ...]
    method: Method
    starts: int
    seed: int
    tolerate: bool  # a placebo that cannot be fitted is excluded, not fatal


_Fit = tuple[np.ndarray, float, float] | None


def fit_batch(batch: _Batch) -> list[_Fit]:
    """Gaps, pre- and post-RMSPE of each design (module level: Dask and process pools pickle it)."""
    out: list[_Fit] = []
    for treated, donors in batch.designs:
        try:
            r = synthetic_control(
                replace(batch.data, treated=treated, donors=donors),
                method=batch.method,
                starts=batch.starts,
                seed=batch.seed,
            )
        except InvalidInput:
            if not batch.tolerate:
                raise
            out.append(None)
            continue
        out.append((r.gaps, r.pre_rmspe, r.post_rmspe))
    return out


def _fit_all(
    data: SynthInput,
    designs: list[tuple[int, tuple[int, ...]]],
    *,
    method: Method,
    starts: int,
    seed: int,
    tolerate: bool,
    scheduler: str | None,
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> list[_Fit]:
    if not designs:
        return []
    parts = np.array_split(np.arange(len(designs)), min(len(designs), MAX_CHUNKS))
    batches = [_Batch(data, tuple(designs[i] for i in part), method, starts, seed, tolerate) for part in parts]

    def report(done: int, _total: int) -> None:
        # Batches finish in any order; their sizes differ by at most one, so this is exact at the end.
        if progress:
            progress(min(len(designs), round(done * len(designs) / len(batches))), len(designs))

    with warnings.catch_warnings():
        # Dask warns that the graph carries data: each batch holds the panel by design (at most
        # MAX_CHUNKS copies, a few MB each at municipal scale); run_tasks has no scatter step.
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        results = run_tasks(fit_batch, batches, scheduler=scheduler, workers=workers, progress=report)
    return [fit for batch in results for fit in batch]


def in_space_placebos(
    data: SynthInput,
    *,
    method: Method = "synth",
    exclude_above: float | None = 5.0,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
    starts: int = 5,
    seed: int = 0,
) -> PlaceboResult:
    """Reassign the treatment to every donor in turn and rank the treated unit's RMSPE ratio.

    Parameters
    ----------
    data : SynthInput
        The actual design; each placebo treats one donor, with the other donors as its pool (the
        actually treated unit never serves as a donor).
    method : {"synth", "penalized", "augmented"}
        Estimator used for every fit.
    exclude_above : float, optional
        Drop placebos whose pre-treatment RMSPE exceeds this multiple of the treated unit's:
        their post-period gaps say nothing about an effect. None keeps all.
    scheduler, workers, progress
        Passed to :func:`bicentennial.core.jobs.run_tasks`; ``progress(done, total)`` counts fits.
    starts, seed
        Passed to :func:`~bicentennial.evaluation.synth.synthetic_control` for every fit.

    Returns
    -------
    PlaceboResult

    Notes
    -----
    Abadie, Diamond & Hainmueller (2010, JASA 105(490)) drop placebos
    whose pre-period MSPE exceeds 20, 5 or 2 times the treated unit's; the rule here is stated on
    the RMSPE (5 x RMSPE = 25 x MSPE). The p-value is the rank of the treated unit's post/pre RMSPE
    ratio among the kept units divided by their number (Abadie, Diamond & Hainmueller 2015,
    AJPS 59(2)), which needs no exclusion rule at all.
    """
    first = synthetic_control(data, method=method, starts=starts, seed=seed)  # bad input fails before the fan-out
    total = 1 + len(data.donors)

    def report(done: int, _n: int) -> None:
        if progress:
            progress(1 + done, total)

    report(0, total)
    designs = [(u, tuple(d for d in data.donors if d != u)) for u in data.donors]
    fits = _fit_all(
        data,
        designs,
        method=method,
        starts=starts,
        seed=seed,
        tolerate=True,
        scheduler=scheduler,
        workers=workers,
        progress=report,
    )
    names = [data.units[data.treated], *(data.units[u] for u in data.donors)]
    all_fits = [(first.gaps, first.pre_rmspe, first.post_rmspe), *fits]
    return _rank(names, all_fits, len(data.periods), exclude_above)


def _rank(names: list[str], fits: list[_Fit], n_periods: int, exclude_above: float | None) -> PlaceboResult:
    gaps, pre, post, ratio = {}, {}, {}, {}
    for name, fit in zip(names, fits, strict=True):
        g, a, b = fit if fit is not None else (np.full(n_periods, math.nan), math.nan, math.nan)
        gaps[name], pre[name], post[name] = g, a, b
        ratio[name] = b / a if a > 0 else (math.inf if b > 0 else math.nan)
    treated = names[0]
    limit = math.inf if exclude_above is None else exclude_above * pre[treated]
    excluded = tuple(n for n in names[1:] if not (pre[n] <= limit and not math.isnan(ratio[n])))
    kept = [n for n in names if n not in set(excluded)]
    rank = sum(1 for n in kept if ratio[n] >= ratio[treated])
    rule = "none" if exclude_above is None else f"pre-RMSPE > {exclude_above:g} × treated's"
    return PlaceboResult(gaps, ratio, rank / len(kept), excluded, rule, pre, post)


def in_time_placebo(
    data: SynthInput, *, fake_start: int, method: Method = "synth", starts: int = 5, seed: int = 0
) -> SynthResult:
    """Backdate the treatment to ``fake_start``, using only periods before the real start.

    The fit uses the fit periods before ``fake_start``; the result covers the periods before the
    real treatment (``SynthResult.periods``), so its post-period is the placebo window, where a
    credible design shows no gap (Abadie, Diamond & Hainmueller 2015, AJPS 59(2);
    Abadie 2021, JEL 59(2)). The predictors are the caller's: for a clean placebo they
    should be measured before ``fake_start`` too.
    """
    if not MIN_PRE_PERIODS <= fake_start < data.treatment_start:
        raise InvalidInput(
            f"in-time placebo: fake start index {fake_start} must fall between period index {MIN_PRE_PERIODS} and "
            f"the real treatment start {data.treatment_start} ('{data.periods[data.treatment_start]}')"
        )
    fit = tuple(p for p in data.fit_periods if p < fake_start)
    if not fit:
        raise InvalidInput(f"in-time placebo: no fit period falls before the fake start '{data.periods[fake_start]}'")
    backdated = replace(
        data,
        outcome=np.asarray(data.outcome)[:, : data.treatment_start],
        periods=tuple(data.periods[: data.treatment_start]),
        treatment_start=fake_start,
        fit_periods=fit,
    )
    return synthetic_control(backdated, method=method, starts=starts, seed=seed)


def leave_one_out(
    data: SynthInput,
    *,
    method: Method = "synth",
    starts: int = 5,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int = 0,
) -> dict[str, np.ndarray]:
    """Gap series refitted without each donor that has positive weight (above ``WEIGHT_FLOOR``).

    Abadie, Diamond & Hainmueller (2015, AJPS 59(2)): if the estimated effect
    survives dropping any one donor of the synthetic control, it does not rest on one comparison.
    For the augmented estimator "positive weight" means above the floor after augmentation. A
    donor pool of one gives an empty result.
    """
    base = synthetic_control(data, method=method, starts=starts, seed=seed)
    index = {data.units[d]: d for d in data.donors}
    drop = [index[name] for name, w in base.weights.items() if w > WEIGHT_FLOOR] if len(data.donors) > 1 else []
    designs = [(data.treated, tuple(d for d in data.donors if d != u)) for u in drop]
    fits = _fit_all(
        data,
        designs,
        method=method,
        starts=starts,
        seed=seed,
        tolerate=False,
        scheduler=scheduler,
        workers=workers,
        progress=None,
    )
    return {data.units[u]: fit[0] for u, fit in zip(drop, fits, strict=True) if fit is not None}
