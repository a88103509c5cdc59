"""JSON API for the results framework, the scorecard, series, maps and imports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from bicentennial.access import policy
from bicentennial.core import exports
from bicentennial.core.errors import NotFound
from bicentennial.outcomes import maps, scorecard, store
from bicentennial.outcomes.framework import framework
from bicentennial.web.auth import ApiUser, DbSession
from bicentennial.web.context import language

router = APIRouter(prefix="/api/v1/outcomes", tags=["outcomes"])
Fmt = Literal["json", "csv"]


@router.get("/indicators")
def indicators(user: ApiUser, request: Request) -> list[dict[str, Any]]:
    policy.require(user, "outcomes.read")
    lang = language(request)
    return [
        {
            "id": i.id,
            "name": i.name(lang),
            "definition": i.definition(lang),
            "unit": i.unit(lang),
            "kind": i.kind,
            "direction": i.direction,
            "levels": list(i.levels),
            "frequency": i.frequency,
            "goal": i.goal,
            "source": i.source_name,
            "derived_from": i.rate_of,
            "baseline": i.baseline.__dict__ if i.baseline else None,
            "target": i.target.__dict__ if i.target else None,
        }
        for i in framework().indicators.values()
    ]


@router.get("/scorecard", response_class=Response)
def get_scorecard(
    user: ApiUser, session: DbSession, request: Request, as_of: date | None = None, format: Fmt = "json"
) -> Response:
    policy.require(user, "outcomes.read")
    rows = [r.as_dict() for r in scorecard.scorecard(session=session, lang=language(request), as_of=as_of)]
    if format == "csv":
        flat = [
            {
                **{k: v for k, v in r.items() if k not in ("trend", "baseline", "target")},
                "trend_slope": (r["trend"] or {}).get("slope"),
                "trend_p_value": (r["trend"] or {}).get("p_value"),
                "baseline_value": (r["baseline"] or {}).get("value"),
                "target_value": (r["target"] or {}).get("value"),
            }
            for r in rows
        ]
        return exports.download(flat, name="scorecard", fmt="csv", preamble=[_as_of_note(as_of)])
    return Response(exports.json_dumps(rows), media_type="application/json")


def _as_of_note(as_of: date | None) -> str:
    return f"As published on {as_of}" if as_of else "Latest published figures"


@router.get("/series/{indicator}", response_class=Response)
def get_series(
    indicator: str,
    user: ApiUser,
    session: DbSession,
    area: str | None = None,
    as_of: date | None = None,
    format: Fmt = "json",
) -> Response:
    policy.require(user, "outcomes.read")
    spec = framework().get(indicator)
    if spec is None:
        raise NotFound(f"No indicator {indicator!r}")
    code = area or scorecard.country_of(spec)
    points = store.series(session=session, indicator=indicator, area=code, as_of=as_of)
    obs = [
        {"period": p.period, "value": p.value, "vintage": p.vintage, "published_on": p.published_on, "note": p.note}
        for p in points
    ]
    if format == "csv":
        return exports.download(
            [{"indicator": indicator, "area": code, **o} for o in obs],
            name=f"{indicator}-{code}",
            fmt="csv",
            preamble=[f"{spec.name.en} — {spec.source_name}", _as_of_note(as_of)],
        )
    body = {"indicator": indicator, "area": code, "as_of": as_of.isoformat() if as_of else None, "observations": obs}
    return Response(exports.json_dumps(body), media_type="application/json")


@router.get("/map/{indicator}")
def get_map(
    indicator: str, user: ApiUser, session: DbSession, period: str | None = None, as_of: date | None = None
) -> dict[str, Any]:
    policy.require(user, "outcomes.read")
    spec = framework().get(indicator)
    if spec is None:
        raise NotFound(f"No indicator {indicator!r}")
    chosen, values = maps.state_values(session, spec, period=period, as_of=as_of)
    return {"indicator": indicator, "period": chosen, "values": values}


@router.post("/imports", status_code=201)
def import_file(
    user: ApiUser,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    format: Annotated[str | None, Form()] = None,
    skip_unknown_areas: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Import an official file (format detected from its header unless given)."""
    policy.require(user, "outcomes.import")
    report = store.import_upload(
        session=session,
        stream=file.file,
        file_name=file.filename or "",
        fmt=format or None,
        actor=user.username,
        skip_unknown_areas=skip_unknown_areas,
    )
    return report.__dict__


@router.get("/batches")
def list_batches(user: ApiUser, session: DbSession) -> list[dict[str, Any]]:
    policy.require(user, "outcomes.read")
    return [
        {
            "id": b.id,
            "source": b.source,
            "format": b.format,
            "file_name": b.file_name,
            "sha256": b.sha256,
            "vintage": b.vintage,
            "rows": b.rows,
            "imported_by": b.imported_by,
            "imported_at": b.imported_at,
        }
        for b in store.batches(session=session)
    ]
