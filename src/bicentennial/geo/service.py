"""Areas in the database: load the bundled reference, look up, list."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bicentennial.core.errors import NotFound
from bicentennial.geo import reference
from bicentennial.geo.models import Area, AreaPopulation

Progress = Callable[[int, int], None]


def load_reference_areas(*, session: Session, progress: Progress | None = None) -> int:
    """Insert bundled areas missing from the database; return how many were added.

    Idempotent: existing areas are left as they are (an analyst may have
    corrected a name), so running ``seed`` twice changes nothing.
    """
    rows = reference.all_areas()
    existing = set(session.scalars(select(Area.code)))
    new = [r for r in rows if r.code not in existing]
    for done, row in enumerate(new, start=1):
        session.add(
            Area(
                code=row.code,
                country=row.country,
                level=row.level,
                name=row.name,
                parent_code=row.parent_code,
                lon=row.lon,
                lat=row.lat,
            )
        )
        if row.population_2020 is not None:
            session.add(
                AreaPopulation(
                    area_code=row.code, year=2020, population=row.population_2020, source=reference.CENSUS_2020
                )
            )
        if done % 500 == 0:
            session.flush()  # parents are listed before children, so FKs hold per batch
            if progress:
                progress(done, len(new))
    session.flush()
    if progress:
        progress(len(new), len(new))
    return len(new)


def get_area(*, session: Session, code: str) -> Area:
    area = session.get(Area, code)
    if area is None:
        raise NotFound(f"No area with code {code!r}")
    return area


def areas_by_code(*, session: Session, codes: list[str]) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.code.in_(codes)))) if codes else []


def list_areas(
    *,
    session: Session,
    parent: str | None = None,
    level: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Area]]:
    query = select(Area)
    if parent:
        query = query.where(Area.parent_code == parent)
    if level:
        query = query.where(Area.level == level)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Area.name).like(pattern), Area.code.like(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return total, list(session.scalars(query.order_by(Area.code).limit(limit).offset(offset)))


def population(*, session: Session, code: str, year: int) -> int | None:
    row = session.get(AreaPopulation, (code, year))
    return row.population if row else None
