"""Breech-face scans with their chain of custody, and the leads that link two of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime


@register
class BallisticScan(OwnedRecord, Base):
    """A cartridge-case scan as uploaded (the x3p file, its SHA-256, who scanned it on which instrument)
    and as compared (the preprocessed heights, float32, compressed)."""

    __tablename__ = "ballistic_scans"
    RECORD_TYPE = "ballistic_scan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(64), index=True)
    exhibit: Mapped[str] = mapped_column(String(120), default="")
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    scanned_by: Mapped[str] = mapped_column(String(120), default="")
    instrument: Mapped[str] = mapped_column(String(200), default="")
    scanned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    spacing_um: Mapped[float] = mapped_column(Float)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)
    deviations: Mapped[list[str]] = mapped_column(JSON, default=list)  # departures from ISO 5436-2 found on reading
    preprocessing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    original: Mapped[bytes] = mapped_column(LargeBinary)  # the file as received
    heights: Mapped[bytes] = mapped_column(LargeBinary)  # preprocessed, npz
    preview: Mapped[bytes] = mapped_column(LargeBinary)  # block-mean down-sampled heights for the search pre-filter
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


@register
class BallisticLead(OwnedRecord, Base):
    """Two scans whose comparison passed the identification rule: a lead for an examiner to confirm or reject."""

    __tablename__ = "ballistic_leads"
    RECORD_TYPE = "ballistic_lead"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_scan_id: Mapped[int] = mapped_column(ForeignKey("ballistic_scans.id"), index=True)
    candidate_scan_id: Mapped[int] = mapped_column(ForeignKey("ballistic_scans.id"), index=True)
    cmc_count: Mapped[int] = mapped_column(Integer)
    cmc_count_reverse: Mapped[int] = mapped_column(Integer)
    areal_correlation: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))  # the method's decision
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # agreeing cells, parameters
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | confirmed | rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
