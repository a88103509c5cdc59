"""Whether violence fell where task forces went, and whether it moved to the neighbouring areas.

Pure function over monthly counts per area (rows: areas, columns: months, oldest first): the target
areas, the ring of their neighbours and the rest of the country before and during a deployment, with the
weighted displacement quotient (Bowers & Johnson 2003).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from numpy.typing import ArrayLike

from bicentennial.core.errors import InvalidInput
from bicentennial.hotspots.targeting import NAN, _check_counts, _whole
from bicentennial.hotspots.weights import Weights


@dataclass(frozen=True)
class DisplacementCheck:
    """Counts before and after a deployment in the targets, their ring of neighbours and the rest."""

    before_target: int
    after_target: int
    before_ring: int
    after_ring: int
    before_control: int  # all areas that are neither targets nor ring
    after_control: int
    target_change: float  # relative change, (after - before) / before; NaN when before is 0
    ring_change: float
    wdq: float | None  # weighted displacement quotient; None when undefined (see displacement_check)
    ring: tuple[int, ...]  # first-order neighbours of the target areas that are not targets themselves


def displacement_check(
    cases: ArrayLike,
    *,
    areas: Sequence[int],
    weights: Weights,
    start: int,
    end: int,
    window: int | None = None,
) -> DisplacementCheck:
    """Did homicides fall in the targets, and did they move to the neighbouring ring?

    Parameters
    ----------
    cases : array_like, shape (n_areas, n_periods)
        Monthly counts, oldest first.
    areas : sequence of int
        Target area positions.
    weights : Weights
        Neighbours; the ring is the targets' first-order neighbours that are not targets.
    start, end : int
        First and last period of the deployment; "after" is ``[start, end]``, both included.
    window : int, optional
        Periods in "before", the ``window`` periods just before ``start`` (default: as many as the
        deployment lasted, ``end - start + 1``, so both counts cover equal time).

    Returns
    -------
    DisplacementCheck
        ``wdq`` is None when the control area has no homicide in either period, when the ring is empty,
        or when the success measure is not negative (the targets did not improve on the control:
        there is no benefit whose displacement could be measured).

    Raises
    ------
    InvalidInput
        When fewer than ``window`` periods precede ``start`` (in particular, none).

    Notes
    -----
    Bowers & Johnson (2003), "Measuring the geographical displacement and diffusion of benefit effects of
    crime prevention activity", J. Quant. Criminol. 19, 275–301, with R target, D buffer (ring), C control,
    b before, a after: ``WDQ = (Da/Ca - Db/Cb) / (Ra/Ca - Rb/Cb)``. WDQ > 0: diffusion of benefits;
    between -1 and 0: some displacement, net benefit; below -1: displacement exceeds the benefit.
    Counts are not tested for significance here; small counts make every ratio fragile.
    """
    counts = _check_counts(cases)
    n, periods = counts.shape
    if weights.n != n:
        raise InvalidInput(f"weights cover {weights.n} areas but cases has {n} rows")
    targets = sorted({int(a) for a in areas})
    if not targets or targets[0] < 0 or targets[-1] >= n:
        raise InvalidInput(f"areas must name at least one area among positions 0..{n - 1}, got {list(areas)!r}")
    _whole("start", start, 0, periods - 1)
    _whole("end", end, start, periods - 1)
    before_len = end - start + 1 if window is None else _whole("window", window, 1)
    if start - before_len < 0:
        raise InvalidInput(
            f"the deployment starts at period {start}: {start} periods precede it, the comparison needs {before_len}"
        )
    ring = sorted({int(j) for i in targets for j in weights.neighbours(i)} - set(targets))
    control = sorted(set(range(n)) - set(targets) - set(ring))
    before = counts[:, start - before_len : start].sum(axis=1)
    after = counts[:, start : end + 1].sum(axis=1)
    rb, ra = int(before[targets].sum()), int(after[targets].sum())
    db, da = int(before[ring].sum()), int(after[ring].sum())
    cb, ca = int(before[control].sum()), int(after[control].sum())
    wdq = _wdq(rb, ra, db, da, cb, ca) if ring else None
    return DisplacementCheck(rb, ra, db, da, cb, ca, _change(rb, ra), _change(db, da), wdq, tuple(ring))


def _wdq(rb: int, ra: int, db: int, da: int, cb: int, ca: int) -> float | None:
    if cb == 0 or ca == 0:
        return None
    success = ra / ca - rb / cb
    # Bowers & Johnson: the quotient weighs displacement against a benefit; without one it is meaningless.
    if success >= 0:
        return None
    return (da / ca - db / cb) / success


def _change(before: int, after: int) -> float:
    return (after - before) / before if before else NAN
