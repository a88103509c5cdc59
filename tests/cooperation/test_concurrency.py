"""Two users move the same request at the same instant: one wins, the history stays consistent."""

from __future__ import annotations

import secrets
import threading

from sqlalchemy import select

from bicentennial.access import service as access
from bicentennial.cooperation import service as coop
from bicentennial.cooperation.models import Request
from bicentennial.core.errors import Conflict
from tests.conftest import PASSWORD


def test_concurrent_transitions_leave_one_history(migrated) -> None:
    db = migrated  # real, separately committed transactions on one database
    tag = secrets.token_hex(3)
    requester, receiver = f"req-{tag}", f"rec-{tag}"
    with db.session() as s:
        for name, agency in ((requester, "DEA"), (receiver, "FGR")):
            access.create_user(session=s, spec=access.NewUser(name, agency, "analyst"), password=PASSWORD, actor=None)
    with db.session() as s:
        actor = access.get_user(session=s, username=requester)
        rid = coop.create_request(
            session=s, actor=actor, draft=coop.RequestDraft("extradition", "FGR", f"race {tag}")
        ).id
        coop.transition(session=s, actor=actor, request_id=rid, to="sent")

    barrier, outcomes = threading.Barrier(2), {}

    def move(username: str, to: str) -> None:
        try:
            with db.session() as s:
                actor = access.get_user(session=s, username=username)
                coop.get_request(session=s, actor=actor, request_id=rid)
                barrier.wait(timeout=10)
                coop.transition(session=s, actor=actor, request_id=rid, to=to)
            outcomes[username] = "ok"
        except Conflict:
            outcomes[username] = "conflict"

    threads = [
        threading.Thread(target=move, args=(receiver, "acknowledged")),
        threading.Thread(target=move, args=(requester, "withdrawn")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes.values()) == ["conflict", "ok"], outcomes
    with db.session() as s:
        request = s.scalar(select(Request).where(Request.id == rid))
        history = [h.to_status for h in request.history]
        assert history[:2] == ["draft", "sent"] and len(history) == 3
        assert request.status == history[-1] and request.version == 3
