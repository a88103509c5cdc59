"""Checks on what an exporting authority declares in a pre-export notification.

Every refusal names the field, so a form can show it next to the input and a script can fix its
payload. Country codes are ISO 3166-1 alpha-2, as PEN Online and customs documents use them; the
substance must be one the registry knows (by id or by a name it identifies without doubt), because a
notification about an unknown chemical could be neither screened nor compared with earlier ones.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from babel import Locale
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from bicentennial.access import records
from bicentennial.access.models import Agency, User
from bicentennial.access.service import get_agency
from bicentennial.core.errors import InvalidInput, NotFound
from bicentennial.precursors.identify import NameIndex
from bicentennial.precursors.quantities import normalise_quantity
from bicentennial.precursors.registry import bundled

if TYPE_CHECKING:
    from bicentennial.precursors.notifications import NotificationDraft

TRANSPORTS = ("air", "sea", "road", "rail", "post", "multimodal")
MAX_TRANSITS = 10

BAD_COUNTRY = "{field}: {value!r} is not an ISO 3166-1 two-letter country code"
SAME_COUNTRY = "importer_country: a pre-export notification is for a shipment to another country"
NOT_EXPORTER_COUNTRY = (
    "exporter_country: the exporting country's authority files the notification; your agency is in {country}"
)
UNKNOWN_AGENCY = "importing_agency: {value!r} is not a known agency code"
OWN_AGENCY = "importing_agency: the importing authority is another agency than yours"
AGENCY_COUNTRY = "importing_agency: {code} is in {country}, not in the importer's country {importer_country}"
H0_NOT_LAW_ENFORCEMENT = "handling_code: H0 records go only to law-enforcement agencies; {code} is not one"
REQUIRED = "{field}: required, at most {limit} characters"
TOO_LONG = "{field}: at most {limit} characters"
UNKNOWN_SUBSTANCE = "substance: {value!r} is not a substance id (like C001) or a name the registry knows"
AMBIGUOUS_SUBSTANCE = "substance: {value!r} may be any of {ids}; give the substance id"
NOT_POSITIVE = "quantity: {value} must be more than 0"
BAD_CONCENTRATION = "concentration: {value} is not a percentage above 0 and at most 100"
BAD_TRANSPORT = "transport: {value!r} is not one of {choices}"
TOO_MANY_TRANSITS = "transit: at most {limit} countries"
BAD_VALUE = "invoice_value: {value} is not an amount of 0 or more"

# CLDR lists territories that are not ISO 3166-1 countries (EU, UN, "unknown region", ...).
_NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}


@cache
def iso_countries() -> frozenset[str]:
    """The 249 ISO 3166-1 alpha-2 codes, from the CLDR data Babel ships (no network, no extra package)."""
    territories = Locale("en").territories
    codes = (code for code in territories if isinstance(code, str))
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_ISO)


def country(value: str, field: str) -> str:
    code = value.strip().upper()
    if code not in iso_countries():
        raise InvalidInput(BAD_COUNTRY.format(field=field, value=value))
    return code


def text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    cleaned = " ".join(value.split())
    if (required and not cleaned) or len(cleaned) > limit:
        raise InvalidInput((REQUIRED if required else TOO_LONG).format(field=field, limit=limit))
    return cleaned


@cache
def _names() -> NameIndex:
    return NameIndex(bundled())


def resolve_substance(value: str) -> tuple[str, str]:
    """(registry id, declared name): an id as given, else a name identified without doubt."""
    raw = value.strip()
    if raw.upper() in bundled().by_id:
        return raw.upper(), ""
    if not raw:
        raise InvalidInput(UNKNOWN_SUBSTANCE.format(value=value))
    hit = _names().identify(raw)
    if not hit.ids or hit.weak:
        raise InvalidInput(UNKNOWN_SUBSTANCE.format(value=value))
    if len(hit.ids) > 1:
        raise InvalidInput(AMBIGUOUS_SUBSTANCE.format(value=value, ids=", ".join(sorted(hit.ids))))
    return next(iter(hit.ids)), raw[:300]


def quantity(value: float | str, unit: str) -> tuple[float, float, str]:
    """(quantity as declared, amount in kg, L or units, family); errors name `unit` or `quantity`."""
    try:
        normalise_quantity(1, unit)
    except InvalidInput as exc:
        raise InvalidInput(f"unit: {exc.message}") from None
    try:
        declared, _ = normalise_quantity(value, "kg")
        amount, family = normalise_quantity(value, unit)
    except InvalidInput as exc:
        raise InvalidInput(f"quantity: {exc.message}") from None
    if not declared > 0:
        raise InvalidInput(NOT_POSITIVE.format(value=value))
    return declared, amount, family


def importing_agency(session: Session, actor: User, code: str, importer_country: str) -> Agency:
    try:
        agency = get_agency(session=session, code=code.strip())
    except (NotFound, NoResultFound):
        raise InvalidInput(UNKNOWN_AGENCY.format(value=code)) from None
    if agency.id == actor.agency_id:
        raise InvalidInput(OWN_AGENCY)
    if agency.country != importer_country:
        raise InvalidInput(
            AGENCY_COUNTRY.format(code=agency.code, country=agency.country, importer_country=importer_country)
        )
    return agency


def _optional_number(value: float | None, message: str, low: float, high: float, *, open_low: bool) -> float | None:
    if value is None:
        return None
    number = float(value)
    too_low = number <= low if open_low else number < low
    if not math.isfinite(number) or too_low or number > high:
        raise InvalidInput(message.format(value=value))
    return number


def _route(draft: NotificationDraft) -> dict[str, Any]:
    transit = [country(code, "transit") for code in draft.transit if code.strip()]
    if len(transit) > MAX_TRANSITS:
        raise InvalidInput(TOO_MANY_TRANSITS.format(limit=MAX_TRANSITS))
    transport = draft.transport.strip().lower()
    if transport and transport not in TRANSPORTS:
        raise InvalidInput(BAD_TRANSPORT.format(value=draft.transport, choices=", ".join(TRANSPORTS)))
    return {"transit": transit, "transport": transport}


def validated(*, session: Session, actor: User, draft: NotificationDraft, today: date) -> dict[str, Any]:
    """The model's fields from a draft, or InvalidInput naming the first bad field."""
    records.validate_marking(draft.handling_code, draft.sensitivity)
    exporter_country = country(draft.exporter_country, "exporter_country")
    importer_country = country(draft.importer_country, "importer_country")
    if exporter_country != actor.agency.country:
        raise InvalidInput(NOT_EXPORTER_COUNTRY.format(country=actor.agency.country))
    if importer_country == exporter_country:
        raise InvalidInput(SAME_COUNTRY)
    substance_id, declared_name = resolve_substance(draft.substance)
    declared, amount, family = quantity(draft.quantity, draft.unit)
    agency = importing_agency(session, actor, draft.importing_agency, importer_country)
    if draft.handling_code == "H0" and not agency.law_enforcement:
        raise InvalidInput(H0_NOT_LAW_ENFORCEMENT.format(code=agency.code))
    return {
        "importing_agency": agency,
        "exporter": text(draft.exporter, "exporter", 300, required=True),
        "exporter_country": exporter_country,
        "importer": text(draft.importer, "importer", 300, required=True),
        "importer_country": importer_country,
        "substance_id": substance_id,
        "declared_name": declared_name,
        "quantity": declared,
        "unit": text(draft.unit, "unit", 16, required=True),
        "amount": amount,
        "family": family,
        "concentration": _optional_number(draft.concentration, BAD_CONCENTRATION, 0, 100, open_low=True),
        "shipment_date": draft.shipment_date,
        "invoice": text(draft.invoice, "invoice", 120),
        "invoice_value": _optional_number(draft.invoice_value, BAD_VALUE, 0, math.inf, open_low=False),
        "handling_code": draft.handling_code,
        "sensitivity": draft.sensitivity,
        "screening": screening_of(substance_id, today),
        **_route(draft),
    }


def screening_of(substance_id: str, today: date) -> dict[str, Any]:
    """The lists the substance is on that day: what the importing authority is told it is looking at."""
    registry = bundled()
    substance = registry.by_id[substance_id]
    return {
        "substance": substance_id,
        "lists": [listing.code for listing in substance.listings_on(today)],
        "as_of": today.isoformat(),
        "registry": registry.version,
    }
