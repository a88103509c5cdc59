"""Scans in the database: stored whole with their custody data, searched, leads decided — on real Fadul scans."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bicentennial.access import service as access
from bicentennial.ballistics import service
from bicentennial.ballistics.models import BallisticLead, BallisticScan
from bicentennial.core.errors import InvalidInput, NotFound
from tests.conftest import make_user

FADUL = Path(__file__).resolve().parents[1] / "data" / "ballistics" / "fadul"


def _store(session, actor, name: str, case: str):  # type: ignore[no-untyped-def]
    data = (FADUL / f"Fadul_{name}.x3p").read_bytes()
    return service.store_scan(
        session=session,
        actor=actor,
        data=data,
        file_name=f"Fadul_{name}.x3p",
        case_number=case,
        exhibit=name,
        preprocessed=True,
    )


def test_search_finds_the_same_slide_and_leads_are_decided(db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "lab", "FGR", "analyst")
    make_user(db, "atf", "ATF", "analyst")
    with db.session() as s:
        actor = access.get_user(session=s, username="lab")
        first = _store(s, actor, "1-1", "CI-2025-001")
        _store(s, actor, "1-2", "CI-2025-017")
        _store(s, actor, "2-1", "CI-2025-030")
        assert first.sha256 and first.spacing_um == pytest.approx(6.25) and first.rows > 500
        found = service.search(session=s, actor=actor, scan_id=first.id, top=5)
        assert [c.case_number for c in found] == ["CI-2025-017", "CI-2025-030"]
        assert found[0].result is not None and found[0].result.decision == "identification"
        assert found[1].result is not None and found[1].result.decision == "elimination"
        leads = service.list_leads(session=s, actor=actor)
        assert len(leads) == 1 and leads[0].status == "open" and leads[0].evidence["cells"]
        again = service.search(session=s, actor=actor, scan_id=first.id, top=5)
        assert len(again) == 2 and s.scalar(select(func.count(BallisticLead.id))) == 1  # no duplicate lead
        decided = service.decide_lead(
            session=s, actor=actor, lead_id=leads[0].id, status="confirmed", note="same slide"
        )
        assert decided.status == "confirmed" and decided.decided_by_id == actor.id
        graph = service.lead_graph(session=s, actor=actor)
        assert graph["groups"][0] == [["CI-2025-001", "CI-2025-017"], 2]
        other = access.get_user(session=s, username="atf")
        with pytest.raises(NotFound):
            service.get_scan(session=s, actor=other, scan_id=first.id)
        with pytest.raises(InvalidInput):
            service.decide_lead(session=s, actor=actor, lead_id=leads[0].id, status="maybe")


def test_a_broken_file_stores_nothing(db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "lab", "FGR", "analyst")
    data = (FADUL / "Fadul_1-1.x3p").read_bytes()
    with db.session() as s:
        actor = access.get_user(session=s, username="lab")
        before = s.scalar(select(func.count(BallisticScan.id)))
        with pytest.raises(InvalidInput, match=r"broken\.x3p"):
            service.store_scan(
                session=s, actor=actor, data=data[: len(data) // 2], file_name="broken.x3p", case_number="X"
            )
        with pytest.raises(InvalidInput, match="case_number"):
            service.store_scan(session=s, actor=actor, data=data, file_name="ok.x3p", case_number=" ")
        assert s.scalar(select(func.count(BallisticScan.id))) == before
