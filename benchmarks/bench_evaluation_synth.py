"""Synthetic control at municipal scale: 2,400 donors, 120 months, in-space placebos on Dask.

A factor-model panel (Abadie, Diamond & Hainmueller 2010, eq. 5: Y_it = d_t + theta_t Z_i + lambda_t mu_i
+ e_it) of 2,400 donor "municipalities" and one treated unit whose loadings lie inside the donors'
cloud, 120 monthly periods, treatment at month 84 with a 10 % drop; six predictors (three windows of
the pre-period outcome, three covariates correlated with the loadings). Prints:

* one fit (``synthetic_control``, default five random starts): bar < 10 s on this machine (2 cores);
* the full in-space placebos (2,401 fits) over a Dask LocalCluster with 2 workers (one thread each);
* the Dask speed-up from 1 to 2 workers on a subset of the donor pool;
* pysyncon's ``Synth`` (Nelder-Mead, equal start, its default) against ours on the Basque data of
  Abadie & Gardeazabal (2003), in the same run, with both fits' outcome MSPE and weights.

    python benchmarks/bench_evaluation_synth.py [--donors 2400] [--subset 200] [--placebo-starts 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bicentennial.core.jobs import run_tasks
from bicentennial.evaluation.placebos import in_space_placebos
from bicentennial.evaluation.synth import SynthInput, synthetic_control

BASQUE = Path(__file__).resolve().parents[2] / "shared" / "data" / "evaluation" / "basque.csv"
MONTHS, START = 120, 84


def make_panel(n_donors: int, seed: int, quantile: float = 0.6) -> SynthInput:
    """Factor-model outcomes with a planted 10 % drop in the treated unit after month 84.

    The treated unit's loadings sit at ``quantile`` of the donors' on every factor: 0.6 is inside
    the cloud (its predictors can be matched exactly), 0.995 at its edge (V must be searched).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS)
    factors = np.column_stack(
        [
            np.cumsum(rng.normal(0, 0.3, MONTHS)),  # a stochastic trend
            np.sin(2 * np.pi * t / 12),  # seasonality, loaded differently by each municipality
            t / MONTHS + np.cumsum(rng.normal(0, 0.1, MONTHS)),
        ]
    )
    loadings = rng.normal(0, 1, (n_donors + 1, 3))
    loadings[0] = np.quantile(loadings[1:], quantile, axis=0)
    covariates = loadings @ rng.normal(0, 1, (3, 3)) + rng.normal(0, 0.3, (n_donors + 1, 3))
    outcome = 20 + 0.02 * t + loadings @ factors.T + covariates @ np.array([0.3, -0.2, 0.1])[:, None]
    outcome += rng.normal(0, 0.5, outcome.shape)
    outcome[0, START:] *= 0.9
    windows = [(0, 12), (36, 48), (72, 84)]
    predictors = np.vstack([*(outcome[:, a:b].mean(axis=1) for a, b in windows), covariates.T])
    names = (*(f"outcome months {a}-{b - 1}" for a, b in windows), "covariate 1", "covariate 2", "covariate 3")
    return SynthInput(
        units=("treated", *(f"municipality {i:04d}" for i in range(1, n_donors + 1))),
        periods=tuple(f"{2015 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)),
        outcome=outcome,
        predictors=predictors,
        predictor_names=names,
        treated=0,
        donors=tuple(range(1, n_donors + 1)),
        treatment_start=START,
        fit_periods=tuple(range(START)),
    )


def subset(data: SynthInput, n_donors: int) -> SynthInput:
    keep = [0, *range(1, n_donors + 1)]
    return SynthInput(
        units=tuple(data.units[i] for i in keep),
        periods=data.periods,
        outcome=data.outcome[keep],
        predictors=data.predictors[:, keep],
        predictor_names=data.predictor_names,
        treated=0,
        donors=tuple(range(1, n_donors + 1)),
        treatment_start=data.treatment_start,
        fit_periods=data.fit_periods,
    )


def warm(_: int) -> int:
    """Runs once in every worker so that numba loads its cache before the clock starts."""
    synthetic_control(make_panel(20, 0), starts=0)
    return 0


def placebos_on_dask(data: SynthInput, workers: int, starts: int) -> tuple[float, dict[str, float]]:
    from distributed import Client, LocalCluster

    # One thread per worker; Dask's nanny already starts workers with one BLAS thread
    # (distributed.nanny.pre-spawn-environ), so numba and numpy stay on their own core.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.run(warm, 0)
        t = time.perf_counter()
        result = in_space_placebos(data, scheduler=cluster.scheduler_address, starts=starts)
        seconds = time.perf_counter() - t
    print(
        f"  {workers} worker(s), {len(data.donors) + 1:,} fits: {seconds:.1f} s "
        f"({seconds / (len(data.donors) + 1) * workers:.3f} s per fit per worker); treated ratio "
        f"{result.rmspe_ratio['treated']:.1f}, p = {result.p_value:.4f}, "
        f"excluded {len(result.excluded)} ({result.rule})"
    )
    return seconds, result.rmspe_ratio


def basque_input() -> SynthInput:
    """Abadie & Gardeazabal's predictors, built as the data's SOURCES.md states."""
    df = pd.read_csv(BASQUE)
    df = df[df.regionname != "Spain (Espana)"]
    units = tuple(dict.fromkeys(df.regionname))
    years = sorted(int(y) for y in df.year.unique())

    def mean(col: str, span: range | list[int]) -> np.ndarray:
        wide = df.pivot(index="regionname", columns="year", values=col).loc[list(units)]
        return wide[list(span)].mean(axis=1).to_numpy()

    school = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
    sectors = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction"]
    sectors += ["sec.services.venta", "sec.services.nonventa"]
    rows = [("gdpcap", mean("gdpcap", range(1960, 1970))), ("invest", mean("invest", range(1964, 1970)))]
    rows += [(c, mean(c, range(1964, 1970))) for c in school] + [(c, mean(c, range(1961, 1970, 2))) for c in sectors]
    rows += [("popdens", mean("popdens", [1969]))]
    treated = units.index("Basque Country (Pais Vasco)")
    return SynthInput(
        units=units,
        periods=tuple(str(y) for y in years),
        outcome=df.pivot(index="regionname", columns="year", values="gdpcap").loc[list(units)].to_numpy(float),
        predictors=np.array([r[1] for r in rows]),
        predictor_names=tuple(r[0] for r in rows),
        treated=treated,
        donors=tuple(i for i in range(len(units)) if i != treated),
        treatment_start=years.index(1970),
        fit_periods=tuple(range(years.index(1960), years.index(1970))),
    )


def pysyncon_basque() -> tuple[float, float, dict[str, float]]:
    from pysyncon import Dataprep, Synth

    df = pd.read_csv(BASQUE)
    controls = [r for r in df.regionname.unique() if r not in ("Spain (Espana)", "Basque Country (Pais Vasco)")]
    sectors = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction"]
    sectors += ["sec.services.venta", "sec.services.nonventa"]
    dataprep = Dataprep(
        foo=df,
        predictors=["school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"],
        predictors_op="mean",
        time_predictors_prior=range(1964, 1970),
        special_predictors=[("gdpcap", range(1960, 1970), "mean")]
        + [(s, range(1961, 1970, 2), "mean") for s in sectors]
        + [("popdens", [1969], "mean")],
        dependent="gdpcap",
        unit_variable="regionname",
        time_variable="year",
        treatment_identifier="Basque Country (Pais Vasco)",
        controls_identifier=controls,
        time_optimize_ssr=range(1960, 1970),
    )
    t = time.perf_counter()
    synth = Synth()
    synth.fit(dataprep=dataprep, optim_method="Nelder-Mead", optim_initial="equal")
    seconds = time.perf_counter() - t
    weights = dict(zip(controls, np.asarray(synth.W, dtype=float), strict=True))
    return seconds, float(synth.loss_V or np.nan), weights


def top(weights: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in sorted(weights.items(), key=lambda kv: -kv[1]) if v > 1e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donors", type=int, default=2400)
    parser.add_argument("--subset", type=int, default=200, help="donor pool of the 1 -> 2 worker comparison")
    parser.add_argument("--placebo-starts", type=int, default=5, help="random V starts of every placebo fit")
    parser.add_argument("--skip-full", action="store_true", help="skip the full placebo run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    data = make_panel(args.donors, args.seed)
    t = time.perf_counter()
    synthetic_control(make_panel(20, 0), starts=0)
    print(f"numba compile or cache load: {time.perf_counter() - t:.1f} s")
    for label, panel, method in [
        ("synth, treated inside the donors' cloud", data, "synth"),
        ("synth, treated at the cloud's edge (V searched)", make_panel(args.donors, args.seed, 0.995), "synth"),
        ("penalized, lambda 0.1 (V searched)", data, "penalized"),
    ]:
        t = time.perf_counter()
        fit = synthetic_control(panel, method=method, penalty=0.1 if method == "penalized" else None)
        seconds = time.perf_counter() - t
        post = fit.gaps[START:].mean() / panel.outcome[0, START:].mean()
        print(
            f"single fit ({label}), {args.donors:,} donors x {MONTHS} months, {len(panel.predictor_names)} "
            f"predictors: {seconds:.2f} s (bar 10 s); {sum(w > 0 for w in fit.weights.values())} donors weighted, "
            f"pre-RMSPE {fit.pre_rmspe:.3f}, mean post gap {post:+.1%} of the outcome (planted -10 %)"
        )

    print(f"Dask speed-up on {args.subset} donors ({args.subset + 1} fits):")
    one, ratios_one = placebos_on_dask(subset(data, args.subset), 1, args.placebo_starts)
    two, ratios_two = placebos_on_dask(subset(data, args.subset), 2, args.placebo_starts)
    same = all(np.isclose(ratios_one[k], ratios_two[k], rtol=0, atol=0) for k in ratios_one)
    print(f"  speed-up 1 -> 2 workers: {one / two:.2f}x (identical results: {same})")
    if not args.skip_full:
        print("Full in-space placebos:")
        placebos_on_dask(data, 2, args.placebo_starts)

    basque = basque_input()
    run_tasks(warm, [0])
    t = time.perf_counter()
    ours = synthetic_control(basque)
    mine = time.perf_counter() - t
    theirs, loss, weights = pysyncon_basque()
    print(
        f"Basque, 16 donors, 14 predictors: ours {mine:.2f} s (MSPE {ours.mspe_fit:.5f}; {top(ours.weights)}), "
        f"pysyncon Synth {theirs:.2f} s (MSPE {loss:.5f}; {top(weights)}); pysyncon / ours = {theirs / mine:.1f}x"
    )


if __name__ == "__main__":
    main()
