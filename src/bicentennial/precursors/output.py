"""Screened rows as the interface promises them: one JSON object per row, CSV and XLSX tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from bicentennial.core.i18n import N_
from bicentennial.precursors.batch import ScreenedRow
from bicentennial.precursors.flag_text import flag_text
from bicentennial.precursors.reasons import Reason
from bicentennial.precursors.registry import Registry
from bicentennial.precursors.verdicts import Verdict

TABLE_COLUMNS = (
    "row",
    "line",
    "verdict",
    "substance",
    "substance_name",
    "lists",
    "score",
    "conflict",
    "relation",
    "reasons",
)


class Writer:
    """Turns verdicts into JSON/table rows in one language; repeated verdicts are rendered once."""

    def __init__(self, registry: Registry, gettext: Callable[[str], str] = str, lang: str = "en") -> None:
        self.registry = registry
        self.gettext = gettext
        self.lang = lang
        self._by_id = registry.by_id
        self.body = lru_cache(maxsize=65536)(self._body)

    def substance_name(self, sid: str | None) -> str:
        substance = self._by_id.get(sid or "")
        return substance.name(self.lang) if substance else (sid or "")

    def named(self, sid: str | None) -> str:
        if not sid:
            return ""
        return f"{self.substance_name(sid)} ({sid})" if sid in self._by_id else sid

    def _body(self, verdict: Verdict) -> str:
        fields: dict[str, Any] = {
            "verdict": verdict.verdict,
            "substance": verdict.substance,
            "lists": list(verdict.lists),
            "reasons": [r.as_json(self.gettext, self.named) for r in verdict.reasons],
            "score": None if verdict.score is None else round(verdict.score, 3),
            "substance_name": self.substance_name(verdict.substance) or None,
            "conflict": verdict.conflict,
            "relation": verdict.relation,
            "others": list(verdict.others),
        }
        return json.dumps(fields, ensure_ascii=False)[1:]

    def json_line(self, item: ScreenedRow) -> str:
        return f'{{"row": {item.row}, "line": {item.source.line}, {self.body(item.verdict)}'

    def record(self, item: ScreenedRow) -> dict[str, Any]:
        verdict = item.verdict
        return {
            "row": item.row,
            "line": item.source.line,
            "verdict": verdict.verdict,
            "substance": verdict.substance or "",
            "substance_name": self.substance_name(verdict.substance),
            "lists": "; ".join(verdict.lists),
            "score": "" if verdict.score is None else round(verdict.score, 3),
            "conflict": "yes" if verdict.conflict else "",
            "relation": verdict.relation or "",
            "reasons": " | ".join(r.text(self.gettext, self.named) for r in verdict.reasons),
            **{f"in:{k}": v for k, v in item.source.fields.items()},
        }


def jsonl(writer: Writer, rows: Iterable[ScreenedRow]) -> Iterator[str]:
    for item in rows:
        yield writer.json_line(item)


VERDICT_LABELS = {
    "controlled": N_("controlled"),
    "review": N_("review"),
    "clear": N_("clear"),
    "error": N_("error"),
}


def stored_record(writer: Writer, row: dict[str, Any]) -> dict[str, Any]:
    """A stored screening row (see :mod:`bicentennial.precursors.screenings`) as a flat table row."""
    reasons = [Reason(rule, field, tuple(params.items())) for rule, field, params in row["reasons"]]
    return {
        "row": row["row"],
        "line": row["line"],
        "verdict": row["verdict"],
        "substance": row["substance"] or "",
        "substance_name": writer.substance_name(row["substance"]),
        "lists": "; ".join(row["lists"]),
        "score": "" if row["score"] is None else round(row["score"], 3),
        "conflict": "yes" if row["conflict"] else "",
        "relation": row.get("relation") or "",
        "reasons": " | ".join(r.text(writer.gettext, writer.named) for r in reasons),
        "flags": " | ".join(flag_text(f, writer.gettext) for f in row.get("flags", [])),
        **{f"in:{k}": v for k, v in row["fields"].items()},
    }


def stored_json(writer: Writer, row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the CLI's JSON shape."""
    reasons = [Reason(rule, field, tuple(params.items())) for rule, field, params in row["reasons"]]
    return {
        "row": row["row"],
        "line": row["line"],
        "verdict": row["verdict"],
        "substance": row["substance"],
        "lists": row["lists"],
        "reasons": [r.as_json(writer.gettext, writer.named) for r in reasons],
        "score": row["score"],
        "substance_name": writer.substance_name(row["substance"]) or None,
        "conflict": row["conflict"],
        "relation": row.get("relation"),
        "flags": [f | {"text": flag_text(f, writer.gettext)} for f in row.get("flags", [])],
        "fields": row["fields"],
    }
