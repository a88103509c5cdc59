"""A plain-language reading of a result, in the reader's language, with its caveats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Gettext = Callable[[str], str]


def _n(value: Any) -> str:
    """Readable numbers: thousands with separators, small ones with three significant digits."""
    if value is None:
        return "—"
    v = float(value)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def summarise(method: str, result: dict[str, Any], _: Gettext) -> list[str]:
    if method == "synth":
        return _synth(result, _)
    if method == "its":
        return _its(result, _)
    return _did(result, _)


def _synth(r: dict[str, Any], _: Gettext) -> list[str]:
    start = r["periods"].index(r["treatment_start"])
    post = [g["gap"] for g in r["gaps"][start:] if g["gap"] is not None]
    synth_post = [s for s in r["synthetic"][start:] if s is not None]
    mean_gap = float(np.mean(post)) if post else 0.0
    base = float(np.mean(synth_post)) if synth_post else 0.0
    share = mean_gap / base * 100 if base else 0.0
    donors = [f"{u} ({w:.0%})" for u, w in r["weights"].items() if w and w >= 0.05][:5]
    lines = [
        (
            _("After %(start)s, %(unit)s was on average %(gap).3g (%(pct).1f%%) %(dir)s its synthetic counterpart.")
            % {
                "start": r["treatment_start"],
                "unit": r["treated"],
                "gap": abs(mean_gap),
                "pct": abs(share),
                "dir": _("below") if mean_gap < 0 else _("above"),
            }
        ),
        _("The counterpart is built from: %(donors)s.") % {"donors": ", ".join(donors) or "—"},
        _("Pre-treatment fit: RMSPE %(pre).3g; after: %(post).3g.")
        % {"pre": r["pre_rmspe"] or 0, "post": r["post_rmspe"] or 0},
    ]
    if r.get("placebo_p_value") is not None:
        lines.append(
            _("In-space placebos: p = %(p).3f — the share of units whose post/pre RMSPE ratio is at least as large.")
            % {"p": r["placebo_p_value"]}
        )
    else:
        lines.append(_("No placebo inference was run: the gap alone does not say whether it could arise by chance."))
    robust = r.get("robustness") or {}
    if robust.get("in_time"):
        fake = robust["in_time"]
        k = r["periods"].index(fake["fake_start"])
        pre_gaps = [g for g in fake["gaps"][k:] if g is not None]
        lines.append(
            _(
                "Backdating the treatment to %(fake)s gives an average gap of %(gap)s before the real start "
                "(near zero is reassuring: the method does not find effects where there were none)."
            )
            % {"fake": fake["fake_start"], "gap": _n(float(np.mean(pre_gaps)) if pre_gaps else None)}
        )
    if robust.get("leave_one_out"):
        means = [float(np.mean([v for v in g[start:] if v is not None])) for g in robust["leave_one_out"].values()]
        lines.append(
            _("Leaving out each weighted donor in turn, the average gap after treatment ranges from %(lo)s to %(hi)s.")
            % {"lo": _n(min(means)), "hi": _n(max(means))}
        )
    if r.get("displacement"):
        d = r["displacement"]
        lines.append(
            _("Neighbouring ring: %(before)s before, %(after)s during (WDQ %(wdq)s).")
            % {"before": d["before_ring"], "after": d["after_ring"], "wdq": d["wdq"] if d["wdq"] is not None else "—"}
        )
    return lines


def _its(r: dict[str, Any], _: Gettext) -> list[str]:
    lines = [
        _("At %(start)s the level changed by %(level)s (95%% CI %(lo)s to %(hi)s, p = %(p).3f).")
        % {
            "start": r["treatment_start"],
            "level": _n(r["level_change"]),
            "lo": _n(r["level_ci"][0]),
            "hi": _n(r["level_ci"][1]),
            "p": r["level_p"],
        },
        _("The trend changed by %(slope)s per period (95%% CI %(lo)s to %(hi)s, p = %(p).3f).")
        % {"slope": _n(r["slope_change"]), "lo": _n(r["slope_ci"][0]), "hi": _n(r["slope_ci"][1]), "p": r["slope_p"]},
        _("Compared with the projected pre-trend, the post period totals %(total)s.")
        % {"total": _n(r["cumulative_effect"])},
        _(
            "An interrupted time series assumes nothing else changed at the same time; "
            "it cannot separate the accord from other national events."
        ),
    ]
    return lines


def _did(r: dict[str, Any], _: Gettext) -> list[str]:
    o, pre = r["overall"], r["pretrend"]
    lines = [
        _("Average effect on the treated: %(att).3g (SE %(se).3g, 95%% CI %(lo).3g to %(hi).3g).")
        % {"att": o["att"], "se": o["se"], "lo": o["ci_low"], "hi": o["ci_high"]},
        _(
            "Pre-trend test: p = %(p).3f (a small p-value means treated and control units "
            "already diverged before treatment)."
        )
        % {"p": pre["p"]},
        _("%(n)s treated units, compared with %(control)s units.")
        % {
            "n": r.get("treated_units", "—"),
            "control": _("never-treated") if r["control"] == "never" else _("not-yet-treated"),
        },
    ]
    return lines
