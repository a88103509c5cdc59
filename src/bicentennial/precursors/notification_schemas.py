"""API models for pre-export notifications."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput
from bicentennial.core.i18n import gettext_for
from bicentennial.precursors.flag_text import flag_text
from bicentennial.precursors.notification_queries import NotificationFilter, is_overdue, responded_late
from bicentennial.precursors.notifications import RESPONSE_DAYS, NotificationDraft, allowed_actions, side_of
from bicentennial.precursors.registry import bundled

NOT_A_NUMBER = "{field}: {value!r} is not a number"
NOT_A_DATE = "{field}: {value!r} is not a date (YYYY-MM-DD)"


class NotificationCreate(BaseModel):
    importing_agency: str = Field(description="Agency code of the importing country's authority, e.g. COFEPRIS")
    exporter: str
    exporter_country: str = Field(description="ISO 3166-1 alpha-2; your agency's country")
    importer: str
    importer_country: str = Field(description="ISO 3166-1 alpha-2")
    substance: str = Field(description="Registry id (C001) or a name the registry knows")
    quantity: float | str = Field(description="A number; strings like '1,500.5' are read as on manifests")
    unit: str = Field(description="kg, g, t, lb, L, mL, gal or units (English or Spanish)")
    concentration: float | None = Field(None, description="Percent")
    transit: list[str] = Field(default_factory=list, description="Transit countries in route order")
    transport: str = Field("", description="air, sea, road, rail, post or multimodal")
    shipment_date: date | None = None
    invoice: str = ""
    invoice_value: float | None = None
    handling_code: str = Field("H2", description="H0, H1 or H2")
    sensitivity: str = Field("restricted", description="basic, restricted or confidential")

    def draft(self) -> NotificationDraft:
        return NotificationDraft(**{**self.model_dump(), "transit": tuple(self.transit)})


class SubmitBody(BaseModel):
    response_days: int = Field(RESPONSE_DAYS, description="Days the importing authority has to answer")
    expected_version: int | None = Field(None, description="Refuse if the notification changed since")


class ResponseBody(BaseModel):
    decision: Literal["confirmed", "objected"]
    note: str = ""
    expected_version: int | None = None


class CancelBody(BaseModel):
    note: str = ""
    expected_version: int | None = None


class IncidentBody(BaseModel):
    kind: Literal["stopped", "seized"]
    place: str = ""
    quantity: float | None = Field(None, description="In the notification's declared unit")
    note: str = ""
    expected_version: int | None = None


class EventRead(BaseModel):
    kind: str
    from_status: str
    to_status: str
    at: datetime
    by_agency: str
    place: str
    quantity: float | None
    note: str


class FlagRead(BaseModel):
    rule: str
    message: str = Field(description="The explanation in English, as stored")
    score: float
    text: str = Field("", description="The explanation in the reader's language (English for flags stored before)")

    @classmethod
    def of(cls, flag: Mapping[str, Any], gettext: Callable[[str], str]) -> FlagRead:
        return cls(rule=flag["rule"], message=flag["message"], score=flag["score"], text=flag_text(flag, gettext))


class NotificationRead(BaseModel):
    id: int
    status: str
    exporting_agency: str
    importing_agency: str
    exporter: str
    exporter_country: str
    importer: str
    importer_country: str
    substance_id: str
    substance_name: str
    declared_name: str
    quantity: float
    unit: str
    amount: float
    family: str
    concentration: float | None
    transit: list[str]
    transport: str
    shipment_date: date | None
    invoice: str
    invoice_value: float | None
    handling_code: str
    sensitivity: str
    created_at: datetime
    submitted_at: datetime | None
    deadline: date | None
    responded_at: datetime | None
    overdue: bool
    late: bool
    flags: list[FlagRead]
    lists: list[str]
    synthetic: bool
    version: int
    events: list[EventRead] = []
    allowed_actions: list[str] = []
    side: str | None = None

    @classmethod
    def of(cls, n: Any, *, today: date, actor: Any = None, detail: bool = False, lang: str = "en") -> NotificationRead:
        substance = bundled().by_id.get(n.substance_id)
        return cls(
            **{name: getattr(n, name) for name in _PLAIN},
            exporting_agency=n.owner_agency.code,
            importing_agency=n.importing_agency.code,
            substance_name=substance.name(lang) if substance else n.substance_id,
            transit=list(n.transit or []),
            overdue=is_overdue(n, today),
            late=responded_late(n),
            flags=[FlagRead.of(f, gettext_for(lang)) for f in n.flags or []],
            lists=list((n.screening or {}).get("lists", [])),
            events=[_event(e) for e in n.events] if detail else [],
            allowed_actions=allowed_actions(actor, n) if actor is not None else [],
            side=side_of(actor, n) if actor is not None else None,
        )

    def row(self) -> dict[str, Any]:
        """One line of a CSV or JSON export: the list's columns, no history."""
        data = self.model_dump(exclude={"events", "allowed_actions", "side", "flags"})
        data["transit"] = " ".join(self.transit)
        data["lists"] = " ".join(self.lists)
        data["flags"] = " ".join(sorted({f.rule for f in self.flags}))
        return data


_PLAIN = (
    "id",
    "status",
    "exporter",
    "exporter_country",
    "importer",
    "importer_country",
    "substance_id",
    "declared_name",
    "quantity",
    "unit",
    "amount",
    "family",
    "concentration",
    "transport",
    "shipment_date",
    "invoice",
    "invoice_value",
    "handling_code",
    "sensitivity",
    "created_at",
    "submitted_at",
    "deadline",
    "responded_at",
    "synthetic",
    "version",
)


def _event(e: Any) -> EventRead:
    return EventRead(
        kind=e.kind,
        from_status=e.from_status,
        to_status=e.to_status,
        at=e.at,
        by_agency=e.by_agency.code,
        place=e.place,
        quantity=e.quantity,
        note=e.note,
    )


class NotificationPage(BaseModel):
    total: int
    limit: int
    offset: int
    overdue: int = Field(description="Visible notifications past their deadline without an answer")
    items: list[NotificationRead]


def view_of(n: Any, actor: Any, *, detail: bool = True, lang: str = "en") -> NotificationRead:
    """What the actor sees of a notification today (overdue is judged on today's UTC date)."""
    return NotificationRead.of(n, today=utcnow().date(), actor=actor, detail=detail, lang=lang)


def filter_of(
    direction: str | None, status: str | None, substance: str | None, overdue: bool, q: str | None = None
) -> NotificationFilter:
    """Query-string filters (empty strings mean "any") as the service's filter."""
    return NotificationFilter(
        direction=direction or None, status=status or None, substance=substance or None, overdue=overdue, q=q or None
    )


def form_number(raw: str, field: str) -> float | None:
    """A form's optional number; thousands commas are dropped as the form's placeholder shows them."""
    if not raw.strip():
        return None
    try:
        return float(raw.strip().replace(",", ""))
    except ValueError:
        raise InvalidInput(NOT_A_NUMBER.format(field=field, value=raw)) from None


def form_day(raw: str, field: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise InvalidInput(NOT_A_DATE.format(field=field, value=raw)) from None


def draft_from_form(form: Mapping[str, str]) -> NotificationDraft:
    return NotificationDraft(
        importing_agency=form["importing_agency"],
        exporter=form["exporter"],
        exporter_country=form["exporter_country"],
        importer=form["importer"],
        importer_country=form["importer_country"],
        substance=form["substance"],
        quantity=form["quantity"],
        unit=form["unit"],
        concentration=form_number(form["concentration"], "concentration"),
        transit=tuple(form["transit"].replace(",", " ").split()),
        transport=form["transport"],
        shipment_date=form_day(form["shipment_date"], "shipment_date"),
        invoice=form["invoice"],
        invoice_value=form_number(form["invoice_value"], "invoice_value"),
        handling_code=form["handling_code"] or "H2",
        sensitivity=form["sensitivity"] or "restricted",
    )
