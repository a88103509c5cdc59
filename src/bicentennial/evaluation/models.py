"""Evaluation plans (lockable before the results are seen) and evaluation runs with their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime


@register
class EvaluationPlan(OwnedRecord, Base):
    """What will be estimated, fixed in advance: method, spec and data source. Locked plans never change."""

    __tablename__ = "evaluation_plans"
    RECORD_TYPE = "evaluation_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(16))  # synth | its | did
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # where the data come from
    notes: Mapped[str] = mapped_column(Text, default="")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")  # of the canonical plan, set when locked


@register
class EvaluationRun(OwnedRecord, Base):
    """One estimate: the spec and data it used (hashed), and the result, from a locked plan or exploratory."""

    __tablename__ = "evaluation_runs"
    RECORD_TYPE = "evaluation_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_sha256: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_plans.id"), nullable=True, index=True)
    exploratory: Mapped[bool] = mapped_column(Boolean, default=True)
    engine_version: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(default=0.0)
