"""Attachments with SHA-256, and the chain of custody of evidence items."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access.models import User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.cooperation.models import Attachment, CustodyEntry
from bicentennial.cooperation.service import get_request, side_of
from bicentennial.core.errors import InvalidInput, NotFound, PermissionDenied
from bicentennial.core.i18n import N_

MAX_BYTES = 25 * 1024 * 1024
CUSTODY_ACTIONS = ("received", "transferred", "examined", "sealed", "released")


def attach(
    *,
    session: Session,
    actor: User,
    request_id: int,
    filename: str,
    content: bytes,
    content_type: str = "",
    is_evidence: bool = False,
) -> Attachment:
    """Either side of a request may attach files (the receiving side answers with evidence)."""
    request = get_request(session=session, actor=actor, request_id=request_id)
    if side_of(actor, request) is None or not records.policy.can(actor, "records.write"):
        raise PermissionDenied(N_("Only the two sides of a request can attach files."))
    name = filename.strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not name:
        raise InvalidInput("file: a file name is required")
    if not content:
        raise InvalidInput(f"file {name}: empty")
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"file {name}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    digest = hashlib.sha256(content).hexdigest()
    item = Attachment(
        request=request,
        filename=name,
        content_type=content_type or "application/octet-stream",
        size=len(content),
        sha256=digest,
        content=content,
        is_evidence=is_evidence,
        uploaded_by_id=actor.id,
        uploaded_by_agency_id=actor.agency_id,
    )
    session.add(item)
    session.flush()
    if is_evidence:
        item.custody.append(
            CustodyEntry(
                action="received",
                by_user_id=actor.id,
                by_agency_id=actor.agency_id,
                to_party=actor.agency.code,
                note="uploaded",
            )
        )
    audit.record(
        session,
        events.RecordCreated(
            **events.by(actor),
            target=f"attachment:{item.id}",
            owner=request.owner_agency.code,
            fields={"request": request.id, "sha256": digest, "size": len(content)},
        ),
    )
    return item


def get_attachment(*, session: Session, actor: User, attachment_id: int) -> Attachment:
    item = session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound(f"No attachment {attachment_id}")
    try:
        get_request(session=session, actor=actor, request_id=item.request_id)  # visibility follows the request
    except NotFound:
        raise NotFound(f"No attachment {attachment_id}") from None  # same answer as for one that does not exist
    return item


def add_custody(
    *,
    session: Session,
    actor: User,
    attachment_id: int,
    action: str,
    to_party: str = "",
    note: str = "",
    content: bytes | None = None,
) -> CustodyEntry:
    """Record a custody event; when the item is re-presented, its SHA-256 is checked."""
    item = get_attachment(session=session, actor=actor, attachment_id=attachment_id)
    if side_of(actor, item.request) is None or not records.policy.can(actor, "records.write"):
        raise PermissionDenied(N_("Only the two sides of a request can attach files."))
    if not item.is_evidence:
        raise InvalidInput(f"attachment {attachment_id} is not an evidence item")
    if action not in CUSTODY_ACTIONS:
        raise InvalidInput(f"action: {action!r} is not one of {', '.join(CUSTODY_ACTIONS)}")
    verified = True if content is None else hashlib.sha256(content).hexdigest() == item.sha256
    last = item.custody[-1].to_party if item.custody else ""
    entry = CustodyEntry(
        action=action,
        by_user_id=actor.id,
        by_agency_id=actor.agency_id,
        from_party=last,
        to_party=to_party.strip()[:200] or last,
        note=note.strip()[:1000],
        sha256_verified=verified,
    )
    item.custody.append(entry)
    session.flush()
    audit.record(
        session,
        events.RecordUpdated(
            **events.by(actor),
            target=f"attachment:{item.id}",
            owner=item.request.owner_agency.code,
            changes={"custody": action, "sha256_verified": verified},
        ),
    )
    return entry
