"""Hotspot runs: a method on a dataset, queued, computed (here or on a thread) and stored with its provenance."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bicentennial.access import policy, records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core.db import Database, utcnow
from bicentennial.core.errors import BicentennialError, InvalidInput
from bicentennial.hotspots import analyses
from bicentennial.hotspots.models import HotspotDataset, HotspotRun
from bicentennial.hotspots.panel import Panel
from bicentennial.hotspots.service import ENGINE_VERSION, get_dataset, panel_of

Progress = Callable[[int, int], None]


def create_run(
    *, session: Session, actor: User, dataset_id: int, method: str, parameters: dict[str, Any] | None = None
) -> HotspotRun:
    """Validate the request and queue a run (nothing computed yet; see ``execute_run``)."""
    policy.require(actor, "jobs.run")
    dataset = get_dataset(session=session, actor=actor, dataset_id=dataset_id)
    params = analyses.normalise(method, parameters or {}, panel_of(dataset))
    run = HotspotRun(
        owner_agency_id=actor.agency_id,
        created_by_id=actor.id,
        dataset_id=dataset.id,
        method=method,
        parameters=params,
        seed=int(params.get("seed", 0)),
        engine_version=ENGINE_VERSION,
        input_sha256=dataset.sha256,
        status="queued",
        handling_code=dataset.handling_code,
        sensitivity=dataset.sensitivity,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=run.ref,
            owner=actor.agency.code,
            fields={"method": method, "dataset": dataset.ref, "parameters": params},
        ),
    )
    return run


def execute_run(
    *,
    session: Session,
    run: HotspotRun,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> HotspotRun:
    """Compute a queued run in this transaction and store its result."""
    run.status, run.started_at = "running", utcnow()
    result = analyses.analyse(
        _checked_panel(session, run),
        run.method,
        run.parameters,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
    )
    _store_result(run, result)
    return run


def _checked_panel(session: Session, run: HotspotRun) -> Panel:
    dataset = session.get(HotspotDataset, run.dataset_id)
    assert dataset is not None  # the foreign key guarantees it
    panel = panel_of(dataset)
    if panel.sha256 != run.input_sha256:
        raise InvalidInput(f"{dataset.ref}: its data no longer match the hash recorded with {run.ref}")
    return panel


def _store_result(run: HotspotRun, result: dict[str, Any]) -> None:
    run.seconds = float(result.pop("seconds", 0.0))
    run.result = result
    run.result_sha256 = result_digest(result)
    run.status, run.progress, run.finished_at = "done", 1.0, utcnow()


def result_digest(result: dict[str, Any]) -> str:
    """SHA-256 of a result's canonical JSON: two runs agree exactly when their digests do."""
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def run_now(
    *,
    session: Session,
    actor: User,
    dataset_id: int,
    method: str,
    parameters: dict[str, Any] | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> HotspotRun:
    run = create_run(session=session, actor=actor, dataset_id=dataset_id, method=method, parameters=parameters)
    return execute_run(session=session, run=run, scheduler=scheduler, workers=workers, progress=progress)


def start_in_background(database: Database, run_id: int, *, scheduler: str | None = None, workers: int = 0) -> None:
    """Compute a committed, queued run on a thread; its row carries status and progress for the page to poll.

    Three short transactions (mark running, progress ticks, store the result) rather than one long one, so
    the page's polling and the progress writes never wait on a transaction held for the whole computation.
    """
    threading.Thread(
        target=_work, args=(database, run_id, scheduler, workers), name=f"hotspot-run-{run_id}", daemon=True
    ).start()


def _work(database: Database, run_id: int, scheduler: str | None, workers: int) -> None:
    # Every write here is a single UPDATE with nothing read before it in its transaction: on SQLite a
    # transaction that reads first and writes later fails if another connection (the page polling this
    # run, its audit entries) committed in between; one that starts by writing just waits its turn.
    last = [0.0]

    def progress(done: int, total: int) -> None:
        # At most one write a second: every commit here can make a page that is reading this run retry.
        if time.monotonic() - last[0] < 1.0 and done < total:
            return
        last[0] = time.monotonic()
        with contextlib.suppress(BicentennialError):  # a missed progress tick is harmless
            _update(database, run_id, progress=done / max(total, 1))

    try:
        if not _update(database, run_id, status="running", started_at=utcnow(), only_if_queued=True):
            return
        with database.session() as session:
            run = session.get(HotspotRun, run_id)
            assert run is not None
            panel, method, parameters = _checked_panel(session, run), run.method, dict(run.parameters)
        result = analyses.analyse(panel, method, parameters, scheduler=scheduler, workers=workers, progress=progress)
        seconds = float(result.pop("seconds", 0.0))
        _update(
            database,
            run_id,
            result=result,
            result_sha256=result_digest(result),
            seconds=seconds,
            status="done",
            progress=1.0,
            finished_at=utcnow(),
        )
    except BicentennialError as exc:
        _mark_failed(database, run_id, exc.message)
    except Exception as exc:  # a bug: keep the reason on the run rather than losing it with the thread
        _mark_failed(database, run_id, f"internal error: {type(exc).__name__}")
        raise


def _update(database: Database, run_id: int, *, only_if_queued: bool = False, **values: Any) -> bool:
    query = update(HotspotRun).where(HotspotRun.id == run_id)
    if only_if_queued:
        query = query.where(HotspotRun.status == "queued")
    with database.session() as session:
        return bool(session.execute(query.values(**values, updated_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def _mark_failed(database: Database, run_id: int, message: str) -> None:
    _update(database, run_id, status="failed", error=message[:2000], finished_at=utcnow())


def fail_interrupted(database: Database) -> int:
    """Runs a stopped server left queued or running can never finish: say so on them (at start-up)."""
    query = (
        update(HotspotRun)
        .where(HotspotRun.status.in_(("queued", "running")))
        .values(
            status="failed",
            error="interrupted: the server stopped while the run was computing; start it again",
            finished_at=utcnow(),
        )
    )
    with database.session() as session:
        return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def list_runs(*, session: Session, actor: User, dataset_id: int | None = None, limit: int = 50) -> list[HotspotRun]:
    query = select(HotspotRun).where(records.visible_clause(actor, HotspotRun))
    if dataset_id is not None:
        query = query.where(HotspotRun.dataset_id == dataset_id)
    found = list(session.scalars(query.order_by(HotspotRun.id.desc()).limit(limit)))
    records.note_reads(session, actor, [(r, records.via_for_visible(actor, r)) for r in found])
    return found


def get_run(*, session: Session, actor: User, run_id: int) -> HotspotRun:
    return records.read(session, actor, HotspotRun, run_id)


def latest_run(*, session: Session, actor: User, dataset_id: int, method: str) -> HotspotRun | None:
    query = (
        select(HotspotRun)
        .where(
            records.visible_clause(actor, HotspotRun),
            HotspotRun.dataset_id == dataset_id,
            HotspotRun.method == method,
            HotspotRun.status == "done",
        )
        .order_by(HotspotRun.id.desc())
        .limit(1)
    )
    return session.scalar(query)
