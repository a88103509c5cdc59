"""Bilateral requests, their history, attachments with chain of custody, and the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, Float, ForeignKey, Integer, LargeBinary, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bicentennial.access.models import Agency, User
from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime, utcnow


@register
class Request(OwnedRecord, Base):
    """A request from the owning (requesting) agency to a receiving agency."""

    __tablename__ = "requests"
    RECORD_TYPE = "request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hold_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hold_days: Mapped[float] = mapped_column(Float, default=0.0)  # completed holds; the open one is added live
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  optimistic locking: concurrent moves conflict

    owner_agency: Mapped[Agency] = relationship(foreign_keys="Request.owner_agency_id", lazy="joined")
    receiving_agency: Mapped[Agency] = relationship(foreign_keys=[receiving_agency_id], lazy="joined")
    history: Mapped[list[RequestTransition]] = relationship(
        back_populates="request", order_by="RequestTransition.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="request", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @classmethod
    def party_clause(cls, agency_id: int) -> ColumnElement[bool]:
        return and_(cls.receiving_agency_id == agency_id, cls.status != "draft")

    def is_party(self, agency_id: int) -> bool:
        return self.receiving_agency_id == agency_id and self.status != "draft"


class RequestTransition(Base):
    __tablename__ = "request_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    note: Mapped[str] = mapped_column(String(1000), default="")

    request: Mapped[Request] = relationship(back_populates="history")
    by_user: Mapped[User | None] = relationship(lazy="joined")
    by_agency: Mapped[Agency] = relationship(lazy="joined")


class Attachment(Base):
    """A file attached to a request; content kept in the database, identified by SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    is_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship(lazy="joined")
    custody: Mapped[list[CustodyEntry]] = relationship(
        back_populates="attachment", order_by="CustodyEntry.id", cascade="all, delete-orphan"
    )


class CustodyEntry(Base):
    """Chain of custody for an evidence item: who held it, handed it over, examined it."""

    __tablename__ = "custody_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # received | transferred | examined | sealed | released
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    from_party: Mapped[str] = mapped_column(String(200), default="")
    to_party: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    sha256_verified: Mapped[bool] = mapped_column(Boolean, default=True)

    attachment: Mapped[Attachment] = relationship(back_populates="custody")
    by_user: Mapped[User] = relationship(lazy="joined")
    by_agency: Mapped[Agency] = relationship(lazy="joined")


class OutboxMessage(Base):
    """Messages for users (daily digests); a mailer delivers them, or they wait here."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")
