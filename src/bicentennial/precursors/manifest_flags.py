"""Suspicious-order flags for the rows of a screened manifest.

Every row that declares a controlled (or possibly controlled) chemical with an importer and a
quantity becomes an order; the rules of :mod:`bicentennial.precursors.suspicious` then compare it
with the manifest's earlier rows and with the pre-export notifications the screening agency may
see. Rows whose quantity or unit cannot be read are not flagged (and not refused: the screening
verdict stands on its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.quantities import normalise_quantity
from bicentennial.precursors.registry import Registry
from bicentennial.precursors.suspicious import Order, flag_orders

_COUNTRY_FIELDS = ("origin", "transit", "destination")


def _route(fields: Mapping[str, str]) -> tuple[str, ...]:
    transit = [c.strip().upper() for c in fields.get("transit", "").replace(";", ",").split(",") if c.strip()]
    ends = [fields.get("origin", "").strip().upper(), *transit, fields.get("destination", "").strip().upper()]
    route = tuple(c for c in ends if c)
    return route if route and all(len(c) == 2 and c.isalpha() for c in route) else ()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text else None
    except ValueError:
        return None


def order_of(row: int, fields: Mapping[str, str], substance: str | None) -> Order | None:
    """The row as an order, or None when it lacks what the rules need."""
    importer = fields.get("importer", "").strip()
    if not substance or not importer or not fields.get("quantity"):
        return None
    try:
        amount, family = normalise_quantity(fields["quantity"], fields.get("unit") or "kg")
        return Order(
            str(row),
            importer,
            substance,
            amount,
            family,
            _day(fields.get("date", "")),
            fields.get("exporter") or None,
            _route(fields),
        )
    except InvalidInput:
        return None


def flag_rows(
    rows: Iterable[dict[str, Any]], *, registry: Registry, history: Iterable[Order] = ()
) -> dict[str, list[dict[str, Any]]]:
    """Flags per row number (as a string) of stored screening rows (see :mod:`screenings`)."""
    orders = [
        order
        for r in rows
        if r["verdict"] in ("controlled", "review") and (order := order_of(r["row"], r["fields"], r["substance"]))
    ]
    if not orders:
        return {}
    thresholds = {s.id: s.threshold_kg for s in registry.substances if s.threshold_kg}
    found = flag_orders(orders, history=list(history), thresholds=thresholds)
    return {ref: [f.as_dict() for f in flags] for ref, flags in found.items()}
