"""Words of the finance pages, in one place for translation."""

from __future__ import annotations

from bicentennial.core.i18n import N_

DECISIONS = {"match": N_("match"), "possible": N_("possible match"), "no-match": N_("no match"), "error": N_("error")}
TYPOLOGIES = {
    "structuring_us": N_("Structuring below the US $10,000 report"),
    "structuring_mx": N_("Structuring below Mexico's dollar cash limits"),
    "funnel": N_("Funnel account"),
    "pass_through": N_("Rapid pass-through"),
    "round_trip": N_("Round-tripping"),
    "trade": N_("Trade-based laundering (invoice price)"),
    "designated": N_("Link to a designated party"),
}
NODE_KINDS = {
    "account": N_("account"),
    "counterparty": N_("counterparty"),
    "designated": N_("designated party"),
    "alert": N_("alert"),
}
KINDS = {
    "person": N_("person"),
    "company": N_("company"),
    "vessel": N_("vessel"),
    "aircraft": N_("aircraft"),
    "other": N_("other"),
}
SOURCES = {"precursors": N_("Precursors"), "firearms": N_("Firearms"), "cooperation": N_("Cooperation")}
ROLES = {"exporter": N_("exporter"), "importer": N_("importer"), "dealer": N_("dealer"), "subject": N_("subject")}
