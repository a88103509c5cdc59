"""A run's result as rows (CSV/JSON) or GeoJSON, with the owner's handling rules applied and audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.errors import PermissionDenied
from bicentennial.core.i18n import N_
from bicentennial.hotspots import runs, service
from bicentennial.hotspots.models import HotspotRun


def run_rows(run: HotspotRun) -> list[dict[str, Any]]:
    """One row per cluster location (scan, as SaTScan's GIS file) or per area (Gi*, Moran, emerging)."""
    if run.method != "scan":
        return [dict(a) for a in run.result.get("areas", [])]
    rows = []
    for c in run.result.get("clusters", []):
        for order, code in enumerate(c["locations"], start=1):
            rows.append(
                {
                    "cluster": c["rank"],
                    "loc_id": code,
                    "order_in_cluster": order,
                    "centre": c["centre"],
                    "radius_km": c["radius_km"],
                    "start": c["start"],
                    "end": c["end"],
                    "observed": c["observed"],
                    "expected": c["expected"],
                    "relative_risk": c["relative_risk"],
                    "llr": c["llr"],
                    "p_value": c["p_value"],
                    "recurrence_interval": c["recurrence_interval"],
                }
            )
    return rows


def notes(run: HotspotRun, user: User) -> list[str]:
    return [
        f"Bicentennial hotspot run {run.id} ({run.method}) exported by {user.username} ({user.agency.code})",
        f"engine {run.engine_version}; seed {run.seed}; input SHA-256 {run.input_sha256}",
        f"parameters {run.parameters}",
        f"handling code {run.handling_code}",
    ]


def export_run(*, session: Session, actor: User, run_id: int, fmt: str) -> tuple[HotspotRun, list[dict[str, Any]]]:
    run = runs.get_run(session=session, actor=actor, run_id=run_id)
    if not records.may_share_onward(session, actor, run):
        raise PermissionDenied(N_("The owning agency has not allowed this record to be shared onward."))
    rows = run_rows(run)
    audit.record(
        session, events.RecordsExported(**events.by(actor), record_type="hotspot_run", count=len(rows), format=fmt)
    )
    return run, rows


def run_geojson(*, session: Session, actor: User, run_id: int) -> dict[str, Any]:
    """Areas of the run as GeoJSON points (centroids) carrying the run's per-area fields."""
    run, rows = export_run(session=session, actor=actor, run_id=run_id, fmt="geojson")
    dataset = service.get_dataset(session=session, actor=actor, dataset_id=run.dataset_id)
    panel = service.panel_of(dataset)
    position = {code: i for i, code in enumerate(panel.ids)}
    key = "loc_id" if run.method == "scan" else "code"
    features = []
    for row in rows:
        i = position[row[key]]
        lat, lon = panel.coords[i]
        features.append(
            {
                "type": "Feature",
                "id": row[key],
                "geometry": {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]},
                "properties": {"name": panel.names[i], **row},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "bicentennial": {
            "run": run.id,
            "method": run.method,
            "engine_version": run.engine_version,
            "seed": run.seed,
            "input_sha256": run.input_sha256,
            "parameters": run.parameters,
            "handling_code": run.handling_code,
        },
    }


def dataset_satscan_files(*, session: Session, actor: User, dataset_id: int) -> dict[str, str]:
    """The dataset as SaTScan case, population and coordinates files, to cross-check a run in SaTScan."""
    from bicentennial.hotspots.satscan_files import write_case_file, write_coordinates_file, write_population_file

    dataset = service.get_dataset(session=session, actor=actor, dataset_id=dataset_id)
    if not records.may_share_onward(session, actor, dataset):
        raise PermissionDenied(N_("The owning agency has not allowed this record to be shared onward."))
    panel = service.panel_of(dataset)
    years = sorted({p[:4] for p in panel.periods})
    first_month = [panel.periods.index(next(p for p in panel.periods if p.startswith(y))) for y in years]
    audit.record(
        session,
        events.RecordsExported(
            **events.by(actor), record_type="hotspot_dataset", count=len(panel.ids), format="satscan"
        ),
    )
    return {
        "cases": write_case_file(panel.ids, panel.periods, panel.cases),
        "population": write_population_file(panel.ids, years, panel.population[:, first_month]),
        "coordinates": write_coordinates_file(panel.ids, panel.coords),
    }
