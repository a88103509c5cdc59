"""Import batches, observations (every vintage kept), and populations for rates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.core.db import Base, UTCDateTime, utcnow


class ImportBatch(Base):
    """One imported file: where it came from, who brought it, what it added."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the same file twice changes nothing
    vintage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    imported_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObservationRow(Base):
    """indicator × area × period × value, as published in one release (vintage)."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("batch_id", "indicator", "area", "period", "vintage", name="uq_observations_batch_cell"),
        Index("ix_observations_series", "indicator", "area", "period", "published_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(10))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    vintage: Mapped[str] = mapped_column(String(40))
    published_on: Mapped[str] = mapped_column(String(10))  # ISO date the figure became public
    note: Mapped[str] = mapped_column(String(500), default="")


class Population(Base):
    """Population by area and year (CONAPO mid-year estimates, censuses, or user-imported)."""

    __tablename__ = "populations"

    area: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    population: Mapped[float] = mapped_column(Float)
