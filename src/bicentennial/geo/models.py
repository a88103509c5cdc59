"""Areas keyed as ``mx:09015`` (INEGI CVEGEO) or ``us:06037`` (FIPS)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bicentennial.core.db import Base


class Area(Base):
    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    country: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)  # country | state | municipality | county
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), nullable=True, index=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)


class AreaPopulation(Base):
    __tablename__ = "area_populations"

    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    population: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
