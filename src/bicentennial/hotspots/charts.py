"""Charts of the hotspot pages: the run's map and a deployment's before/after series."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from bicentennial.hotspots.labels import CLASS_LABELS, METHOD_LABELS, labeller
from bicentennial.hotspots.maps import class_map
from bicentennial.hotspots.models import Deployment, HotspotRun
from bicentennial.hotspots.panel import Panel
from bicentennial.web.charts import PALETTE, layout


def run_map(run: HotspotRun, panel: Panel, _: Callable[[str], str]) -> str:
    """Areas coloured by the run's classes; for a scan, cluster areas and their circles."""
    label = labeller(CLASS_LABELS, _)
    names = dict(zip(panel.ids, panel.names, strict=True))
    classes: dict[str, str] = {}
    hover: dict[str, str] = {}
    circles = []
    word_cluster, word_run, word_seed, word_engine = _("cluster"), _("run"), _("seed"), _("engine")
    if run.method == "scan":
        position = {code: i for i, code in enumerate(panel.ids)}
        for c in run.result.get("clusters", []):
            kind = "cluster" if c["rank"] == 1 else "secondary"
            significant = c["p_value"] is None or c["p_value"] <= 0.05
            if not significant and c["rank"] > 1:
                continue
            for code in c["locations"]:
                classes.setdefault(code, kind)
                hover[code] = (
                    f"{names.get(code, code)} · {word_cluster} {c['rank']}: {c['start']}–{c['end']}, "
                    f"RR {c['relative_risk']}, p {c['p_value']}"
                )
            lat, lon = panel.coords[position[c["centre"]]]
            circles.append((float(lat), float(lon), float(c["radius_km"]), f"{word_cluster} {c['rank']}"))
        for code in panel.ids:
            classes.setdefault(code, "none")
    else:
        for a in run.result.get("areas", []):
            classes[a["code"]] = a["class"]
            z = a.get("z", a.get("last_z"))
            hover[a["code"]] = f"{a['name']} · {label(a['class'])}" + (f" · z {z:.2f}" if z is not None else "")
    title = f"{_(METHOD_LABELS[run.method])} · {word_run} {run.id}"
    periods = run.result.get("periods") or ["", ""]
    seed = f" · {word_seed} {run.seed}" if "seed" in run.parameters else ""
    source = f"{periods[0]} – {periods[-1]}{seed} · {word_engine} {run.engine_version}"
    return class_map(
        codes=panel.ids,
        names=panel.names,
        coords=panel.coords.tolist(),
        classes=classes,
        label=label,
        hover=hover,
        title=title,
        source=source,
        circles=circles,
    )


def before_after(check: dict[str, Any], deployment: Deployment, _: Callable[[str], str]) -> str:
    series = check["series"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=series["periods"], y=series["target"], name=_("Deployment areas"), line={"color": PALETTE[0]})
    )
    fig.add_trace(
        go.Scatter(
            x=series["periods"],
            y=series["ring"],
            name=_("Ring of neighbours"),
            line={"color": PALETTE[1], "dash": "dot"},
        )
    )
    fig.add_vrect(x0=check["after"][0], x1=check["after"][1], fillcolor="#fdae61", opacity=0.18, line_width=0)
    fig.add_vrect(x0=check["before"][0], x1=check["before"][1], fillcolor="#9ecae1", opacity=0.18, line_width=0)
    return layout(
        fig,
        title=deployment.name + ": " + _("before (blue) and during (orange) the deployment"),
        x="",
        y=_("cases per month"),
        source=_("dataset %(n)s") % {"n": check["dataset"]},
    )
