"""Imported sanctions lists, stored name screenings and transaction analyses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime, utcnow


class SanctionsList(Base):
    """One imported version of a designation list (OFAC SDN, an OpenSanctions file, a national list).

    Lists are public law: every signed-in user screens against them; importing one takes the
    ``finance.lists.import`` permission and is audited. The parsed entities are kept compressed.
    """

    __tablename__ = "sanctions_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    format: Mapped[str] = mapped_column(String(16))  # ofac-sdn | ftm | csv
    version: Mapped[str] = mapped_column(String(32))
    published: Mapped[date | None] = mapped_column(Date, nullable=True)
    file_name: Mapped[str] = mapped_column(String(255))
    entities: Mapped[int] = mapped_column(Integer)
    names: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))


@register
class NameScreening(OwnedRecord, Base):
    """A customer or counterpart file screened against the lists: every row's decision and evidence."""

    __tablename__ = "finance_screenings"
    RECORD_TYPE = "name_screening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    lists: Mapped[list[str]] = mapped_column(JSON, default=list)  # "name version" of each list used
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


@register
class TransactionAnalysis(OwnedRecord, Base):
    """A transaction file run through the typology detectors, with its alerts and network."""

    __tablename__ = "finance_analyses"
    RECORD_TYPE = "transaction_analysis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    transactions: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # alerts and network, compressed JSON
