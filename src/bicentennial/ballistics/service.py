"""Scans in the database and the search that turns comparisons into leads.

A search compares one scan with every stored scan the user may see at the same resolution: a cheap
pre-filter first (areal correlation of small previews, in parallel on local processes or the Dask
cluster), then the full Congruent Matching Cells comparison on the short list. Pairs that pass the
identification rule become leads, which an examiner confirms or rejects; every step is audited.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import Agency, User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.ballistics.areal import areal_correlation
from bicentennial.ballistics.cmc import CmcParams, CmcResult, compare
from bicentennial.ballistics.models import BallisticLead, BallisticScan
from bicentennial.ballistics.preprocess import PreprocessParams, preprocess
from bicentennial.ballistics.x3p import Surface, read_x3p, sha256_of
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput
from bicentennial.core.jobs import stream_with
from bicentennial.core.tables import chunks

PREVIEW_SPACING_UM = 50.0  # pre-filter resolution: coarse enough to be cheap, fine enough to rank
SHORTLIST = 40
CHUNK = 200
SPACING_TOLERANCE = 0.01
LEAD_STATES = ("open", "confirmed", "rejected")


def pack_heights(heights: np.ndarray, spacing: float) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, heights=heights.astype(np.float32), spacing=np.float64(spacing))
    return buffer.getvalue()


def unpack_heights(data: bytes, source: str) -> Surface:
    with np.load(io.BytesIO(data)) as stored:
        spacing = float(stored["spacing"])
        return Surface(stored["heights"].astype(np.float64), spacing, spacing, {"source": source})


def _block_mean(heights: np.ndarray, factor: int) -> np.ndarray:
    if factor <= 1:
        return heights
    ny, nx = (heights.shape[0] // factor) * factor, (heights.shape[1] // factor) * factor
    blocks = heights[:ny, :nx].reshape(ny // factor, factor, nx // factor, factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing block is simply missing
        return np.nanmean(blocks, axis=(1, 3))


def preview_of(processed: Surface) -> Surface:
    """The block-mean preview the search pre-filter compares (about PREVIEW_SPACING_UM between points)."""
    factor = max(1, round(PREVIEW_SPACING_UM * 1e-6 / processed.dx))
    spacing = processed.dx * factor
    return Surface(_block_mean(processed.heights, factor), spacing, spacing, dict(processed.meta))


def store_scan(
    *,
    session: Session,
    actor: User,
    data: bytes,
    file_name: str,
    case_number: str,
    exhibit: str = "",
    scanned_by: str = "",
    instrument: str = "",
    scanned_on: date | None = None,
    preprocessed: bool = False,
    synthetic: bool = False,
) -> BallisticScan:
    """Read, check and preprocess an x3p file, then store it whole (nothing partial on an error)."""
    policy.require(actor, "records.write")
    case_number = case_number.strip()
    if not case_number or len(case_number) > 64:
        raise InvalidInput("case_number: required, at most 64 characters")
    surface, deviations = read_x3p(data, name=file_name)
    if abs(surface.dx - surface.dy) > SPACING_TOLERANCE * surface.dx:
        raise InvalidInput(f"{file_name}: the x and y spacings differ ({surface.dx:.3g} m, {surface.dy:.3g} m)")
    processed, record = preprocess(surface, params=PreprocessParams(preprocessed=preprocessed))
    spacing = processed.dx
    preview = preview_of(processed)
    scan = BallisticScan(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        case_number=case_number,
        exhibit=exhibit.strip()[:120],
        file_name=file_name[:255],
        sha256=sha256_of(data),
        scanned_by=(scanned_by or surface.meta.get("creator", ""))[:120],
        instrument=(
            instrument
            or " ".join(surface.meta.get(k, "") for k in ("instrument_manufacturer", "instrument_model")).strip()
        )[:200],
        scanned_on=scanned_on,
        spacing_um=spacing * 1e6,
        rows=processed.heights.shape[0],
        columns=processed.heights.shape[1],
        deviations=deviations,
        preprocessing=record,
        original=data,
        heights=pack_heights(processed.heights, spacing),
        preview=pack_heights(preview.heights, preview.dx),
        synthetic=synthetic,
    )
    session.add(scan)
    session.flush()
    fields = {
        "case": case_number,
        "file": scan.file_name,
        "sha256": scan.sha256,
        "scanned_by": scan.scanned_by,
        "instrument": scan.instrument,
    }
    audit.record(
        session, events.RecordCreated(**events.by(actor), target=scan.ref, owner=actor.agency.code, fields=fields)
    )
    return scan


def surface_of(scan: BallisticScan) -> Surface:
    return unpack_heights(scan.heights, scan.file_name)


def get_scan(*, session: Session, actor: User, scan_id: int) -> BallisticScan:
    return records.read(session, actor, BallisticScan, scan_id)


def list_scans(
    *, session: Session, actor: User, case_number: str | None = None, limit: int = 500
) -> list[BallisticScan]:
    query = select(BallisticScan).where(records.visible_clause(actor, BallisticScan))
    if case_number:
        query = query.where(BallisticScan.case_number == case_number)
    found = list(session.scalars(query.order_by(BallisticScan.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(s, records.via_for_visible(actor, s)) for s in found])
    return found


@dataclass(frozen=True)
class Candidate:
    scan_id: int
    case_number: str
    exhibit: str
    areal: float
    result: CmcResult | None  # None: not on the short list (pre-filter only)

    @property
    def count(self) -> float:
        return self.result.count if self.result else 0.0


def _prefilter(query: Surface, chunk: list[tuple[int, bytes]]) -> list[tuple[int, float]]:
    out = []
    for scan_id, preview in chunk:
        r, _, _, _ = areal_correlation(query, unpack_heights(preview, str(scan_id)), factor=1, workers=1)
        out.append((scan_id, r))
    return out


def search(
    *,
    session: Session,
    actor: User,
    scan_id: int,
    top: int = 20,
    shortlist: int = SHORTLIST,
    workers: int = 0,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Candidate]:
    """Rank the stored scans the actor may see against one stored scan; identifications become leads."""
    scan = get_scan(session=session, actor=actor, scan_id=scan_id)
    query = Query(surface_of(scan), unpack_heights(scan.preview, scan.file_name), scan.spacing_um, scan.id)
    candidates = rank(
        session=session,
        actor=actor,
        query=query,
        top=top,
        shortlist=shortlist,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    _leads(session, actor, scan, [c for c in candidates if c.result and c.result.decision == "identification"])
    return candidates


@dataclass(frozen=True)
class Query:
    """What a search compares: the full surface, its preview, its resolution, and its own id if stored."""

    surface: Surface
    preview: Surface
    spacing_um: float
    scan_id: int | None = None

    @classmethod
    def from_file(cls, data: bytes, file_name: str, *, preprocessed: bool) -> Query:
        """An x3p file searched without being stored (no lead can point to it)."""
        surface, _ = read_x3p(data, name=file_name)
        processed, _ = preprocess(surface, params=PreprocessParams(preprocessed=preprocessed))
        return cls(processed, preview_of(processed), processed.dx * 1e6)


def rank(
    *,
    session: Session,
    actor: User,
    query: Query,
    top: int = 20,
    shortlist: int = SHORTLIST,
    workers: int = 0,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Candidate]:
    """Stored scans the actor may see at the query's resolution, best first: pre-filter by areal correlation of
    previews on every one, the full CMC comparison on the short list."""
    if not 1 <= top <= 200:
        raise InvalidInput("top: between 1 and 200")
    low, high = query.spacing_um * (1 - SPACING_TOLERANCE), query.spacing_um * (1 + SPACING_TOLERANCE)
    others = select(BallisticScan.id, BallisticScan.preview).where(
        records.visible_clause(actor, BallisticScan),
        BallisticScan.id != (query.scan_id or -1),
        BallisticScan.spacing_um.between(low, high),
    )
    total = session.scalar(select(func.count()).select_from(others.subquery())) or 0
    scores: list[tuple[int, float]] = []
    rows = chunks(((i, p) for i, p in session.execute(others)), CHUNK)
    for part in stream_with(_prefilter, query.preview, rows, workers=workers, scheduler=scheduler):
        scores.extend(part)
        if progress:
            progress(len(scores), total)
    scores.sort(key=lambda item: -item[1])
    kept = scores[: max(top, shortlist)]
    listed = {s.id: s for s in session.scalars(select(BallisticScan).where(BallisticScan.id.in_([i for i, _ in kept])))}
    candidates = []
    for position, (other_id, r) in enumerate(kept):
        other = listed[other_id]
        result = compare(query.surface, surface_of(other)) if position < shortlist else None
        candidates.append(Candidate(other_id, other.case_number, other.exhibit, r, result))
    candidates.sort(key=lambda c: (-c.count, -c.areal))
    _note_analysed(session, actor, others)
    return candidates[:top]


def _note_analysed(session: Session, actor: User, compared: Any) -> None:
    """Other agencies' scans searched: one audit entry per owning agency, as other aggregates do."""
    ids = compared.with_only_columns(BallisticScan.id).subquery()
    owners = session.execute(
        select(Agency, func.count(BallisticScan.id))
        .join(BallisticScan, BallisticScan.owner_agency_id == Agency.id)
        .where(BallisticScan.id.in_(select(ids.c.id)), Agency.id != actor.agency_id)
        .group_by(Agency.id)
    )
    for agency, count in owners:
        audit.record(
            session,
            events.RecordsAnalysed(
                **events.by(actor),
                owner=agency.code,
                record_type=BallisticScan.RECORD_TYPE,
                count=count,
                purpose="ballistic search",
                cross_border=agency.country != actor.agency.country,
            ),
        )


def _evidence(result: CmcResult) -> dict[str, Any]:
    agreeing = [
        {"row": c.row, "col": c.col, "theta": c.theta, "dx": c.dx, "dy": c.dy, "ccf": round(c.ccf, 3)}
        for c in result.cells
        if c.is_cmc
    ]
    return {"cells": agreeing, "summary": result.summary(), "params": result.params}


def _leads(session: Session, actor: User, scan: BallisticScan, found: list[Candidate]) -> None:
    for candidate in found:
        pair = or_(
            (BallisticLead.query_scan_id == scan.id) & (BallisticLead.candidate_scan_id == candidate.scan_id),
            (BallisticLead.query_scan_id == candidate.scan_id) & (BallisticLead.candidate_scan_id == scan.id),
        )
        if (
            session.scalar(select(BallisticLead.id).where(pair, BallisticLead.owner_agency_id == actor.agency_id))
            is not None
        ):
            continue
        assert candidate.result is not None
        lead = BallisticLead(
            owner_agency_id=actor.agency_id,
            created_by_id=actor.id,
            query_scan_id=scan.id,
            candidate_scan_id=candidate.scan_id,
            cmc_count=candidate.result.cmc_count,
            cmc_count_reverse=candidate.result.cmc_count_reverse,
            areal_correlation=candidate.areal,
            decision=candidate.result.decision,
            evidence=_evidence(candidate.result),
        )
        session.add(lead)
        session.flush()
        audit.record(
            session,
            events.RecordCreated(
                **events.by(actor),
                target=lead.ref,
                owner=actor.agency.code,
                fields={"scans": [scan.id, candidate.scan_id], "cmc": candidate.result.count},
            ),
        )


def list_leads(*, session: Session, actor: User, status: str | None = None) -> list[BallisticLead]:
    query = select(BallisticLead).where(records.visible_clause(actor, BallisticLead))
    if status:
        query = query.where(BallisticLead.status == status)
    found = list(session.scalars(query.order_by(BallisticLead.id.desc())))
    records.note_reads(session, actor, [(lead, records.via_for_visible(actor, lead)) for lead in found])
    return found


def get_lead(*, session: Session, actor: User, lead_id: int) -> BallisticLead:
    return records.read(session, actor, BallisticLead, lead_id)


def decide_lead(*, session: Session, actor: User, lead_id: int, status: str, note: str = "") -> BallisticLead:
    """An examiner's decision on a lead: confirmed or rejected, with a note; recorded and audited."""
    if status not in ("confirmed", "rejected"):
        raise InvalidInput("status: 'confirmed' or 'rejected'")
    lead = get_lead(session=session, actor=actor, lead_id=lead_id)
    records.require_owner(actor, lead)
    previous = lead.status
    lead.status, lead.note, lead.decided_by_id, lead.decided_at = status, note.strip()[:2000], actor.id, utcnow()
    session.flush()
    audit.record(
        session,
        events.RecordUpdated(
            **events.by(actor),
            target=lead.ref,
            owner=actor.agency.code,
            changes={"status": [previous, status], "note": lead.note},
        ),
    )
    return lead


def compare_scans(
    *, session: Session, actor: User, reference_id: int, target_id: int, params: CmcParams = CmcParams()
) -> tuple[BallisticScan, BallisticScan, CmcResult, float]:
    a = get_scan(session=session, actor=actor, scan_id=reference_id)
    b = get_scan(session=session, actor=actor, scan_id=target_id)
    sa, sb = surface_of(a), surface_of(b)
    r = areal_correlation(sa, sb)[0]
    return a, b, compare(sa, sb, params=params), r


def lead_graph(*, session: Session, actor: User) -> dict[str, Any]:
    """Scans as nodes (grouped by case), leads as edges; connected groups are crime scenes linked by one gun."""
    leads = [lead for lead in list_leads(session=session, actor=actor) if lead.status != "rejected"]
    ids = {i for lead in leads for i in (lead.query_scan_id, lead.candidate_scan_id)}
    scans = {s.id: s for s in session.scalars(select(BallisticScan).where(BallisticScan.id.in_(ids)))} if ids else {}
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for lead in leads:
        parent[root(lead.query_scan_id)] = root(lead.candidate_scan_id)
    groups: dict[int, list[int]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    return {
        "nodes": [
            {"id": i, "case": scans[i].case_number, "exhibit": scans[i].exhibit, "group": root(i)}
            for i in sorted(ids)
            if i in scans
        ],
        "edges": [
            {
                "id": lead.id,
                "a": lead.query_scan_id,
                "b": lead.candidate_scan_id,
                "status": lead.status,
                "cmc": lead.cmc_count,
            }
            for lead in leads
        ],
        "groups": sorted(
            (
                [sorted({scans[i].case_number for i in members if i in scans}), len(members)]
                for members in groups.values()
            ),
            key=lambda g: -g[1],
        ),
    }
