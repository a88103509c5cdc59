"""Stored screenings of manifests, pre-export notifications with their events, and imported national lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Date, Float, ForeignKey, Integer, LargeBinary, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bicentennial.access.models import Agency
from bicentennial.access.records import OwnedRecord, register
from bicentennial.core.db import Base, UTCDateTime, utcnow


@register
class ManifestScreening(OwnedRecord, Base):
    """One screened manifest: the file's identity, the list version and date it was screened against,
    the summary, and every row's verdict (compressed JSON lines, the same objects the CLI prints)."""

    __tablename__ = "precursor_screenings"
    RECORD_TYPE = "precursor_screening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    registry_version: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # recognised field -> header
    payload: Mapped[bytes] = mapped_column(LargeBinary)


@register
class PreExportNotification(OwnedRecord, Base):
    """A pre-export notification (as in INCB PEN Online), filed by the exporting country's authority.

    The importing country's authority is a party: it sees the notification once submitted and
    confirms or objects to it before the deadline.
    """

    __tablename__ = "precursor_notifications"
    RECORD_TYPE = "pen_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    importing_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    exporter: Mapped[str] = mapped_column(String(300))
    exporter_country: Mapped[str] = mapped_column(String(2))
    importer: Mapped[str] = mapped_column(String(300), index=True)
    importer_country: Mapped[str] = mapped_column(String(2))
    substance_id: Mapped[str] = mapped_column(String(32), index=True)
    declared_name: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    amount: Mapped[float] = mapped_column(Float)  # normalised (kg, L or units)
    family: Mapped[str] = mapped_column(String(8))  # mass | volume | count
    concentration: Mapped[float | None] = mapped_column(Float, nullable=True)  # percent
    transit: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO alpha-2 codes, in route order
    transport: Mapped[str] = mapped_column(String(16), default="")
    shipment_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    invoice: Mapped[str] = mapped_column(String(120), default="")  # pro-forma invoice number
    invoice_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # suspicious-order flags at submission
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the substance's verdict at filing
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  concurrent responses conflict

    owner_agency: Mapped[Agency] = relationship(foreign_keys="PreExportNotification.owner_agency_id", lazy="joined")
    importing_agency: Mapped[Agency] = relationship(foreign_keys=[importing_agency_id], lazy="joined")
    events: Mapped[list[NotificationEvent]] = relationship(
        back_populates="notification", order_by="NotificationEvent.id", cascade="all, delete-orphan"
    )

    @classmethod
    def party_clause(cls, agency_id: int) -> ColumnElement[bool]:
        return and_(cls.importing_agency_id == agency_id, cls.status != "draft")

    def is_party(self, agency_id: int) -> bool:
        return self.importing_agency_id == agency_id and self.status != "draft"


class NotificationEvent(Base):
    """A step of a notification: submitted, confirmed, objected, cancelled, or a PICS-style incident
    (shipment stopped or seized, with place and quantity)."""

    __tablename__ = "precursor_notification_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("precursor_notifications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    notification: Mapped[PreExportNotification] = relationship(back_populates="events")
    by_agency: Mapped[Agency] = relationship(lazy="joined")


class ControlledList(Base):
    """A national list imported in the reference CSV layout; from ``effective`` on it replaces the
    bundled memberships of the list codes it uses."""

    __tablename__ = "precursor_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    effective: Mapped[date] = mapped_column(Date)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    substances: Mapped[int] = mapped_column(Integer)
    list_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    content: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
