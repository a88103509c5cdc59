"""Pre-export notifications, service level: lifecycle, who sees and does what, overdue, incidents, flags, audit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bicentennial.access import service as access
from bicentennial.audit.models import AuditEntry
from bicentennial.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bicentennial.precursors import notifications as pen
from bicentennial.precursors.notification_queries import NotificationFilter
from tests.conftest import make_user

CAST = {
    "cofepris.analyst": ("COFEPRIS", "analyst"),  # exporting authority (MX)
    "dea.analyst": ("DEA", "analyst"),  # importing authority (US)
    "dea.viewer": ("DEA", "viewer"),
    "cbp.analyst": ("CBP", "analyst"),  # same country as the importer, not a party
    "fgr.analyst": ("FGR", "analyst"),  # same country as the exporter, not the owner
}
DAY0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
DRAFT = pen.NotificationDraft(
    importing_agency="DEA",
    exporter="Química del Golfo, S.A. de C.V.",
    exporter_country="MX",
    importer="Gulf Solvents LLC",
    importer_country="US",
    substance="acetic anhydride",
    quantity="1,500",
    unit="kg",
    transit=("PA",),
    transport="sea",
)


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    for name, (agency, role) in CAST.items():
        make_user(db, name, agency, role)
    return db


def who(session, name: str):  # type: ignore[no-untyped-def]
    return access.get_user(session=session, username=name)


def filed(db, draft: pen.NotificationDraft = DRAFT, *, submit: bool = True, at: datetime = DAY0) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        n = pen.file_notification(session=s, actor=who(s, "cofepris.analyst"), draft=draft, now=at)
        if submit:
            pen.submit(session=s, actor=who(s, "cofepris.analyst"), notification_id=n.id, now=at)
        return n.id


def test_filing_normalises_and_screens(people) -> None:
    with people.session() as s:
        n = pen.file_notification(session=s, actor=who(s, "cofepris.analyst"), draft=DRAFT, now=DAY0)
        assert (n.status, n.substance_id, n.declared_name) == ("draft", "C001", "acetic anhydride")
        assert (n.quantity, n.amount, n.family, n.transit) == (1500.0, 1500.0, "mass", ["PA"])
        assert "UN-I" in n.screening["lists"] and n.screening["substance"] == "C001"
        assert [e.kind for e in n.events] == ["filed"]
        pounds = pen.file_notification(
            session=s, actor=who(s, "cofepris.analyst"), draft=replace(DRAFT, quantity=100, unit="lb"), now=DAY0
        )
        assert pounds.amount == pytest.approx(45.359237)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exporter_country": "XX"}, "exporter_country"),
        ({"exporter_country": "US"}, "exporter_country"),  # COFEPRIS files Mexican exports only
        ({"importer_country": "MX"}, "importer_country"),
        ({"transit": ("P1",)}, "transit"),
        ({"substance": "water"}, "substance"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "lots"}, "quantity"),
        ({"unit": "barrels"}, "unit"),
        ({"importing_agency": "NOPE"}, "importing_agency"),
        ({"importing_agency": "COFEPRIS", "importer_country": "GT"}, "importing_agency"),  # own agency
        ({"importing_agency": "FGR"}, "importing_agency"),  # FGR is in MX, the importer in US
        ({"exporter": "  "}, "exporter"),
        ({"concentration": 120.0}, "concentration"),
        ({"transport": "teleport"}, "transport"),
        ({"handling_code": "H9"}, "handling_code"),
        ({"handling_code": "H0", "importing_agency": "FINCEN"}, "handling_code"),  # H0: law enforcement only
    ],
)
def test_bad_input_names_the_field(people, change: dict[str, object], field: str) -> None:
    with people.session() as s, pytest.raises(InvalidInput) as caught:
        pen.file_notification(session=s, actor=who(s, "cofepris.analyst"), draft=replace(DRAFT, **change))  # type: ignore[arg-type]
    assert caught.value.message.startswith(f"{field}:")


def test_lifecycle_and_who_may_do_what(people) -> None:
    nid = filed(people, submit=False)
    with people.session() as s:
        with pytest.raises(NotFound):  # a draft is the exporter's alone
            pen.get_notification(session=s, actor=who(s, "dea.analyst"), notification_id=nid)
        with pytest.raises(NotFound):  # nor act on it
            pen.submit(session=s, actor=who(s, "dea.analyst"), notification_id=nid)
        n = pen.submit(session=s, actor=who(s, "cofepris.analyst"), notification_id=nid, now=DAY0)
        assert n.status == "submitted" and n.deadline == date(2025, 3, 18) and n.submitted_at == DAY0
        with pytest.raises(PermissionDenied):  # the importing side cannot cancel or resubmit it
            pen.cancel(session=s, actor=who(s, "dea.analyst"), notification_id=nid)
        with pytest.raises(InvalidInput, match="from submitted to submitted"):
            pen.submit(session=s, actor=who(s, "cofepris.analyst"), notification_id=nid)
    with people.session() as s:
        seen = pen.get_notification(session=s, actor=who(s, "dea.analyst"), notification_id=nid)
        assert pen.allowed_actions(who(s, "dea.analyst"), seen) == ["respond", "incident"]
        assert pen.allowed_actions(who(s, "cofepris.analyst"), seen) == ["cancel", "incident"]
        for outsider in ("cbp.analyst", "fgr.analyst"):
            with pytest.raises(NotFound):
                pen.get_notification(session=s, actor=who(s, outsider), notification_id=nid)
        with pytest.raises(PermissionDenied):  # the exporter cannot answer its own notification
            pen.respond(session=s, actor=who(s, "cofepris.analyst"), notification_id=nid, decision="confirmed")
        with pytest.raises(PermissionDenied):  # read-only users of the importing agency neither
            pen.respond(session=s, actor=who(s, "dea.viewer"), notification_id=nid, decision="confirmed")
        with pytest.raises(Conflict):
            pen.respond(
                session=s, actor=who(s, "dea.analyst"), notification_id=nid, decision="objected", expected_version=1
            )
        answered = pen.respond(
            session=s,
            actor=who(s, "dea.analyst"),
            notification_id=nid,
            decision="objected",
            note="Unknown consignee",
            now=DAY0 + timedelta(days=3),
        )
        assert answered.status == "objected" and not pen.responded_late(answered)
        with pytest.raises(InvalidInput):  # one answer only
            pen.respond(session=s, actor=who(s, "dea.analyst"), notification_id=nid, decision="confirmed")
        done = pen.cancel(session=s, actor=who(s, "cofepris.analyst"), notification_id=nid, note="Order withdrawn")
        assert [e.kind for e in done.events] == ["filed", "submitted", "objected", "cancelled"]
        assert done.events[2].by_agency.code == "DEA" and done.events[2].note == "Unknown consignee"


def test_overdue_and_late_answers(people) -> None:
    nid = filed(people)
    other = filed(
        people, replace(DRAFT, substance="C026", importer="Other Importer Inc."), at=DAY0 + timedelta(days=20)
    )
    with people.session() as s:
        n = pen.get_notification(session=s, actor=who(s, "dea.analyst"), notification_id=nid)
        assert not pen.is_overdue(n, date(2025, 3, 18)) and pen.is_overdue(n, date(2025, 3, 19))
        dea, today = who(s, "dea.analyst"), date(2025, 3, 25)
        assert pen.overdue_count(session=s, actor=dea, today=today) == 1
        total, rows = pen.list_notifications(
            session=s, actor=dea, where=NotificationFilter(overdue=True, direction="received"), today=today
        )
        assert total == 1 and rows[0].id == nid
        late = pen.respond(
            session=s, actor=dea, notification_id=nid, decision="confirmed", now=datetime(2025, 3, 25, tzinfo=UTC)
        )
        assert late.status == "confirmed" and pen.responded_late(late) and not pen.is_overdue(late, today)
        assert pen.overdue_count(session=s, actor=dea, today=today) == 0
        assert (
            pen.list_notifications(session=s, actor=dea, where=NotificationFilter(substance="c026"))[1][0].id == other
        )
        assert pen.list_notifications(session=s, actor=who(s, "cbp.analyst"))[0] == 0


def test_incidents_from_either_side(people) -> None:
    nid = filed(people)
    with people.session() as s:
        with pytest.raises(NotFound):
            pen.record_incident(session=s, actor=who(s, "cbp.analyst"), notification_id=nid, kind="stopped")
        with pytest.raises(InvalidInput, match="kind"):
            pen.record_incident(session=s, actor=who(s, "dea.analyst"), notification_id=nid, kind="lost")
        pen.record_incident(
            session=s, actor=who(s, "cofepris.analyst"), notification_id=nid, kind="stopped", place="Manzanillo"
        )
        n = pen.record_incident(
            session=s,
            actor=who(s, "dea.analyst"),
            notification_id=nid,
            kind="seized",
            place="Port of Houston",
            quantity=1450.0,
            note="Mislabelled drums",
        )
        assert n.status == "seized" and n.events[-1].quantity == 1450.0 and n.events[-1].place == "Port of Houston"
        assert pen.allowed_actions(who(s, "dea.analyst"), n) == []
        with pytest.raises(InvalidInput):
            pen.cancel(session=s, actor=who(s, "cofepris.analyst"), notification_id=nid)


def test_flags_learn_from_earlier_notifications(people) -> None:
    for week in range(4):  # a steady importer of ~200 kg
        filed(people, replace(DRAFT, quantity=200 + week), at=DAY0 + timedelta(days=7 * week))
    big = filed(people, replace(DRAFT, quantity=5000), at=DAY0 + timedelta(days=40))
    newcomer = filed(
        people, replace(DRAFT, importer="Brand New Chemicals LLC", quantity=50), at=DAY0 + timedelta(days=41)
    )
    with people.session() as s:
        first = pen.list_notifications(session=s, actor=who(s, "cofepris.analyst"))[1][-1]
        assert first.flags == []  # nothing known before the first one
        flags = pen.get_notification(session=s, actor=who(s, "cofepris.analyst"), notification_id=big).flags
        assert "quantity-above-history" in {f["rule"] for f in flags}
        history = next(f for f in flags if f["rule"] == "quantity-above-history")
        assert "median of this importer's 4 earlier orders" in history["message"] and 0 < history["score"] <= 1
        new = pen.get_notification(session=s, actor=who(s, "cofepris.analyst"), notification_id=newcomer).flags
        assert [f["rule"] for f in new] == ["new-importer"] and new[0]["score"] == 0.3


def test_audit_events_are_written(people) -> None:
    nid = filed(people)
    with people.session() as s:
        pen.respond(session=s, actor=who(s, "dea.analyst"), notification_id=nid, decision="confirmed")
        pen.record_incident(session=s, actor=who(s, "dea.analyst"), notification_id=nid, kind="seized", quantity=3.5)
    with people.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.target == f"pen_notification:{nid}")).all()
    kinds = [(r.kind, r.agency) for r in rows if r.kind.startswith("pen.")]
    assert kinds == [
        ("pen.filed", "COFEPRIS"),
        ("pen.transitioned", "COFEPRIS"),
        ("pen.transitioned", "DEA"),
        ("pen.incident", "DEA"),
    ]
    answer = [json.loads(r.data) for r in rows if r.kind == "pen.transitioned"][1]
    assert answer == {"from_status": "submitted", "to_status": "confirmed", "late": True}  # answered today, due in 2025
    assert any(r.kind == "record.read" and r.agency == "DEA" for r in rows)  # cross-border reads are audited
