"""Requests: lifecycle rules, visibility, holds, optimistic locking."""

from __future__ import annotations

import pytest

from bicentennial.cooperation import service as coop
from bicentennial.cooperation import vocabulary
from bicentennial.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.cooperation.helpers import cast, new_request, user


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    cast(db)
    return db


def test_full_lifecycle_with_hold(people) -> None:
    rid = new_request(people)
    moves = [
        ("fgr.analyst", "acknowledged"),
        ("fgr.analyst", "in_progress"),
        ("fgr.analyst", "on_hold"),
        ("fgr.analyst", "in_progress"),
        ("fgr.analyst", "fulfilled"),
    ]
    for who, to in moves:
        with people.session() as s:
            coop.transition(session=s, actor=user(s, who), request_id=rid, to=to, note=f"{who} {to}")
    with people.session() as s:
        r = coop.get_request(session=s, actor=user(s, "dea.analyst"), request_id=rid)
        assert [h.to_status for h in r.history] == ["draft", "sent", *[m[1] for m in moves]]
        assert [h.from_status for h in r.history][1:] == ["draft", "sent", *[m[1] for m in moves[:-1]]]
        assert r.closed_at is not None and r.hold_started_at is None and r.hold_days >= 0
        assert all(h.by_agency.code for h in r.history)


def test_every_illegal_move_is_refused(people) -> None:
    legal = vocabulary.transitions()
    rid = new_request(people)  # status: sent
    with people.session() as s:
        for to in vocabulary.states():
            if ("sent", to) in legal:
                continue
            for who in ("dea.analyst", "fgr.analyst"):
                with pytest.raises((InvalidInput, PermissionDenied)):
                    coop.transition(session=s, actor=user(s, who), request_id=rid, to=to)


def test_only_the_right_side_moves(people) -> None:
    rid = new_request(people)
    with people.session() as s:
        with pytest.raises(PermissionDenied):  # the requester cannot acknowledge its own request
            coop.transition(session=s, actor=user(s, "dea.analyst"), request_id=rid, to="acknowledged")
        with pytest.raises(PermissionDenied):  # the receiver cannot withdraw it
            coop.transition(session=s, actor=user(s, "fgr.analyst"), request_id=rid, to="withdrawn")
        with pytest.raises(PermissionDenied):  # viewers read only
            coop.transition(session=s, actor=user(s, "dea.viewer"), request_id=rid, to="withdrawn")


def test_draft_is_invisible_to_the_receiver_until_sent(people) -> None:
    rid = new_request(people, send=False)
    with people.session() as s:
        with pytest.raises(NotFound):
            coop.get_request(session=s, actor=user(s, "fgr.analyst"), request_id=rid)
        coop.transition(session=s, actor=user(s, "dea.analyst"), request_id=rid, to="sent")
    with people.session() as s:
        assert coop.get_request(session=s, actor=user(s, "fgr.analyst"), request_id=rid).status == "sent"
        with pytest.raises(NotFound):
            coop.get_request(session=s, actor=user(s, "sspc.analyst"), request_id=rid)
        with pytest.raises(NotFound):
            coop.get_request(session=s, actor=user(s, "atf.analyst"), request_id=rid)


def test_stale_version_is_a_conflict(people) -> None:
    rid = new_request(people)
    with people.session() as s:
        version = coop.get_request(session=s, actor=user(s, "fgr.analyst"), request_id=rid).version
    with people.session() as s:
        coop.transition(
            session=s, actor=user(s, "fgr.analyst"), request_id=rid, to="acknowledged", expected_version=version
        )
    with people.session() as s, pytest.raises(Conflict):
        coop.transition(
            session=s, actor=user(s, "dea.analyst"), request_id=rid, to="withdrawn", expected_version=version
        )


def test_bad_drafts_are_refused(people) -> None:
    with people.session() as s:
        actor = user(s, "dea.analyst")
        for draft, field in [
            (coop.RequestDraft("piracy", "FGR", "x"), "type"),
            (coop.RequestDraft("extradition", "DEA", "x"), "receiving_agency"),
            (coop.RequestDraft("extradition", "FGR", "  "), "subject"),
            (coop.RequestDraft("extradition", "FGR", "x", handling_code="H9"), "handling_code"),
            (coop.RequestDraft("extradition", "FGR", "x", sensitivity="top"), "sensitivity"),
        ]:
            with pytest.raises(InvalidInput, match=field):
                coop.create_request(session=s, actor=actor, draft=draft)


def test_clearance_limits_reads_even_inside_the_owning_agency(people) -> None:
    from bicentennial.access import service as access
    from tests.conftest import PASSWORD

    with people.session() as s:
        access.create_user(
            session=s,
            spec=access.NewUser("dea.basic", "DEA", "analyst", clearance="basic"),
            password=PASSWORD,
            actor=None,
        )
        secret = coop.create_request(
            session=s,
            actor=user(s, "dea.analyst"),
            draft=coop.RequestDraft("joint_operation", "CBP", "Controlled delivery", sensitivity="confidential"),
        )
        with pytest.raises(NotFound):  # the author's own clearance (restricted) is below the record's
            coop.get_request(session=s, actor=user(s, "dea.analyst"), request_id=secret.id)
        routine = coop.create_request(
            session=s,
            actor=user(s, "dea.analyst"),
            draft=coop.RequestDraft("joint_operation", "CBP", "Liaison meeting", sensitivity="restricted"),
        )
        with pytest.raises(NotFound):
            coop.get_request(session=s, actor=user(s, "dea.basic"), request_id=routine.id)
        total, _ = coop.list_requests(session=s, actor=user(s, "dea.basic"))
        assert total == 0
