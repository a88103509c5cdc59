"""Trace records: each belongs to the agency that entered it and follows the platform's access rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base


@register
class Trace(OwnedRecord, Base):
    """A firearm trace request (ATF Form 3312.1 / eTrace) and its result."""

    __tablename__ = "traces"
    __table_args__ = (
        Index("ix_traces_serial", "serial_normalized", "manufacturer"),
        Index("ix_traces_owner_recovery", "owner_agency_id", "recovery_date"),
    )
    RECORD_TYPE = "trace"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(64), default="", index=True)  # import file SHA-256, or "synthetic"
    case_number: Mapped[str] = mapped_column(String(64), default="")
    crime_code: Mapped[str] = mapped_column(String(64), default="")
    serial: Mapped[str] = mapped_column(String(64), default="")
    serial_normalized: Mapped[str] = mapped_column(String(64), default="")
    serial_obliterated: Mapped[bool] = mapped_column(Boolean, default=False)
    firearm_type: Mapped[str] = mapped_column(String(32), default="")
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    caliber: Mapped[str] = mapped_column(String(40), default="")
    country_of_origin: Mapped[str] = mapped_column(String(2), default="")
    importer: Mapped[str] = mapped_column(String(100), default="")
    recovery_date: Mapped[date] = mapped_column(Date)
    recovery_state: Mapped[str] = mapped_column(String(8), index=True)
    recovery_area: Mapped[str] = mapped_column(String(16))
    possessor_id: Mapped[str] = mapped_column(String(64), default="")
    trace_status: Mapped[str] = mapped_column(String(16), default="completed")
    not_traced_reason: Mapped[str] = mapped_column(String(64), default="")
    dealer_ffl: Mapped[str] = mapped_column(String(15), default="", index=True)
    dealer_name: Mapped[str] = mapped_column(String(200), default="")
    dealer_state: Mapped[str] = mapped_column(String(2), default="")
    purchaser_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    purchase_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    multiple_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
