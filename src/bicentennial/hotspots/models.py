"""Hotspot datasets (a case panel), analysis runs (reproducible to the seed) and task-force deployments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime


@register
class HotspotDataset(OwnedRecord, Base):
    """Monthly counts per area (a panel), with populations and coordinates, frozen when created.

    The arrays live in one compressed ``.npz`` payload whose SHA-256 identifies the inputs of every
    run made on it, so a run can always be repeated on exactly the same numbers.
    """

    __tablename__ = "hotspot_datasets"
    RECORD_TYPE = "hotspot_dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # outcomes | satscan | synthetic
    indicator: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str] = mapped_column(String(16), default="municipality")  # municipality | state | custom
    first_period: Mapped[str] = mapped_column(String(7))
    last_period: Mapped[str] = mapped_column(String(7))
    areas: Mapped[int] = mapped_column(Integer)
    total_cases: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # file names and hashes, as-of date
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


@register
class HotspotRun(OwnedRecord, Base):
    """One analysis of a dataset: method, parameters, seed and engine version, and what it found."""

    __tablename__ = "hotspot_runs"
    RECORD_TYPE = "hotspot_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("hotspot_datasets.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))  # scan | gistar | local_moran | emerging
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    engine_version: Mapped[str] = mapped_column(String(32))
    input_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result_sha256: Mapped[str] = mapped_column(String(64), default="")


@register
class Deployment(OwnedRecord, Base):
    """A homicide task force sent to some areas for a time, recorded so its effect can be evaluated."""

    __tablename__ = "hotspot_deployments"
    RECORD_TYPE = "deployment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    teams: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("hotspot_runs.id"), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
