"""What awaits each user's action, and the daily digest (delivered through a Mailer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import grants, policy, records
from bicentennial.access.models import AccessRequest, User
from bicentennial.cooperation import delays, vocabulary
from bicentennial.cooperation.analytics import times_of
from bicentennial.cooperation.models import OutboxMessage, Request
from bicentennial.core.db import utcnow

SOON_DAYS = 3


@dataclass(frozen=True)
class Item:
    kind: str  # acknowledge | deadline | overdue | access_request
    request_id: int | None  # the request concerned, or the access request's id
    type: str  # request type, or the record type asked for
    agency: str  # the other agency
    subject: str  # request subject, or the reason access is asked
    due: datetime | None = None
    days_over: float | None = None

    @property
    def text(self) -> str:
        """Plain-language line for digests (pages compose their own, translated)."""
        if self.kind == "access_request":
            return f"{self.agency} asks to see {self.type} {self.request_id}: {self.subject}"
        tail = {
            "overdue": f"overdue by {self.days_over or 0:.0f} days",
            "acknowledge": "to acknowledge",
            "deadline": f"due {self.due:%Y-%m-%d}" if self.due else "due soon",
        }[self.kind]
        return f"#{self.request_id} {self.type} from {self.agency}: {self.subject} — {tail}"


@dataclass
class Awaiting:
    items: list[Item] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


def awaiting_action(*, session: Session, actor: User, now: datetime | None = None) -> Awaiting:
    """Requests to acknowledge, deadlines near or passed, access asked of the actor's agency."""
    now = now or utcnow()
    out = Awaiting()
    if not policy.can(actor, "records.write"):
        return out
    mine = select(Request).where(
        records.visible_clause(actor, Request),  # the receiving side, within the actor's clearance
        Request.receiving_agency_id == actor.agency_id,
        Request.status.in_(("sent", "acknowledged", "in_progress")),
    )
    shown = list(session.scalars(mine.order_by(Request.sent_at)).unique())
    records.note_reads(session, actor, [(r, "party") for r in shown])
    for request in shown:
        out.items.extend(_request_items(request, now))
    rank = {"overdue": 0, "acknowledge": 1, "deadline": 2}
    out.items.sort(key=lambda i: (rank.get(i.kind, 3), i.due or now))
    for asked in grants.pending_access_requests(session=session, actor=actor):
        out.items.append(
            Item(
                "access_request", asked.record_id, asked.record_type, asked.agency.code, asked.reason, asked.created_at
            )
        )
    return out


def _request_items(request: Request, now: datetime) -> list[Item]:
    kind = vocabulary.request_types()[request.type]
    times = times_of(request)
    stage = times.open_stage()
    start = request.sent_at if stage == "acknowledge" else request.acknowledged_at
    limit = kind.deadline_days(stage)
    pause = times.hold_total(now) if stage == "complete" else 0
    due = start + timedelta(days=limit + pause) if start and limit else None
    over = delays.overdue_days(times, now)
    fields = (request.id, request.type, request.owner_agency.code, request.subject, due)
    if over is not None:
        return [Item("overdue", *fields, days_over=over)]
    if request.status == "sent":
        return [Item("acknowledge", *fields)]
    if due is not None and due - now <= timedelta(days=SOON_DAYS):
        return [Item("deadline", *fields)]
    return []


class Mailer(Protocol):
    def deliver(self, *, session: Session, user: User, subject: str, body: str) -> None: ...


class OutboxMailer:
    """Default delivery: the message waits in the outbox table (an SMTP relay can drain it)."""

    def deliver(self, *, session: Session, user: User, subject: str, body: str) -> None:
        session.add(OutboxMessage(user_id=user.id, kind="digest", subject=subject, body=body))


def send_digests(
    *, session: Session, mailer: Mailer | None = None, now: datetime | None = None, folder: Path | None = None
) -> int:
    """One digest per active user with something awaiting; optionally also written to ``folder``."""
    mailer = mailer or OutboxMailer()
    now = now or utcnow()
    sent = 0
    for user in session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.username)):
        waiting = awaiting_action(session=session, actor=user, now=now)
        if not waiting.items:
            continue
        subject = f"Bicentennial: {len(waiting)} item(s) await you / {len(waiting)} pendiente(s) — {now:%Y-%m-%d}"
        body = "\n".join(f"- [{i.kind}] {i.text}" for i in waiting.items) + "\n"
        mailer.deliver(session=session, user=user, subject=subject, body=body)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"digest-{now:%Y-%m-%d}-{user.username}.txt").write_text(f"{subject}\n\n{body}", encoding="utf-8")
        sent += 1
    return sent


def outbox(*, session: Session, actor: User, limit: int = 20) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.user_id == actor.id)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


__all__ = ["AccessRequest", "Awaiting", "Item", "Mailer", "OutboxMailer", "awaiting_action", "send_digests"]
