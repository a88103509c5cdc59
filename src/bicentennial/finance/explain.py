"""Finance explanations in the reader's language: a catalog template plus the figures that filled it in.

Screening reasons, typology rules and network summaries are kept in English (``Result.reasons``,
``Alert.rule``: scripts and the CLI read them) and, alongside, as `Explanation` values: the English
template, which is its own catalog msgid (marked with ``N_`` where it is defined), and the figures
already formatted ("USD 26,800", "92%"). A Spanish reader thus sees the Spanish sentence with the
very figures computed at screening time, never recomputed from data that may have changed since —
the pattern of the precursors pillar's suspicious-order flags (``precursors/flag_text.py``).

A sentence that lists items which need words of their own ("2024-01: USD 3,500 in 2, over the
cap") keeps them as `parts`: a placeholder filled by sub-explanations (or plain data strings) joined
with a separator, each translated on its own; the separator is looked up in the catalog too, so
" or " reads " o " in Spanish while "; " stays as it is. Rows stored before explanations existed,
or whose template no longer fits its params, show their stored English text: an untranslated but
true explanation beats none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Params = tuple[tuple[str, str], ...]
Gettext = Callable[[str], str]
LIST_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class Explanation:
    """One sentence: ``template`` (an English msgid), ``params`` (formatted figures), optional ``parts``.

    ``parts`` are ``(placeholder, separator, items)``: the placeholder is filled with the items
    (explanations rendered one by one, or data strings kept as they are) joined with the separator.
    """

    template: str
    params: Params = ()
    parts: tuple[tuple[str, str, tuple[Explanation | str, ...]], ...] = ()

    @classmethod
    def of(cls, template: str, **figures: object) -> Explanation:
        """An explanation from keyword figures (numbers must already be formatted by the caller)."""
        return cls(template, tuple((name, str(value)) for name, value in figures.items()))

    def with_part(self, name: str, items: Sequence[Explanation | str], separator: str = LIST_SEPARATOR) -> Explanation:
        """The same explanation with ``{name}`` filled by ``items`` joined with ``separator``."""
        return Explanation(self.template, self.params, (*self.parts, (name, separator, tuple(items))))

    def text(self, gettext: Gettext = str) -> str:
        """The sentence in gettext's language; the default, ``str``, gives the English text.

        Raises KeyError, IndexError or ValueError when a translation names a placeholder the
        params lack; `render` and `stored_text` fall back to the English text then.
        """
        figures = dict(self.params)
        if not self.parts:  # the common case, kept short: screening explains every candidate it returns
            return gettext(self.template).format_map(figures)
        for name, separator, items in self.parts:
            words = (item if isinstance(item, str) else item.text(gettext) for item in items)
            figures[name] = gettext(separator).join(words)
        return gettext(self.template).format(**figures)

    def as_dict(self) -> dict[str, Any]:
        """The stored JSON shape: {"template", "params"} (and "parts" when the sentence has any)."""
        body: dict[str, Any] = {"template": self.template, "params": dict(self.params)}
        if self.parts:
            body["parts"] = [
                {"name": name, "separator": separator, "items": [_item_json(item) for item in items]}
                for name, separator, items in self.parts
            ]
        return body

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        """Read back `as_dict`; raises KeyError, TypeError or AttributeError on a malformed row."""
        params = data.get("params") or {}
        pairs = params.items() if isinstance(params, Mapping) else params
        parts = tuple(
            (str(p["name"]), str(p["separator"]), tuple(_item_of(item) for item in p["items"]))
            for p in data.get("parts") or ()
        )
        return cls(str(data["template"]), tuple((str(k), str(v)) for k, v in pairs), parts)


def _item_json(item: Explanation | str) -> dict[str, Any] | str:
    return item if isinstance(item, str) else item.as_dict()


def _item_of(data: Any) -> Explanation | str:
    return data if isinstance(data, str) else Explanation.from_dict(data)


def render(explanation: Explanation, gettext: Gettext, english: str | None = None) -> str:
    """The explanation in gettext's language, or its English text when the translation does not fit."""
    try:
        return explanation.text(gettext)
    except (KeyError, IndexError, ValueError, TypeError):
        return explanation.text() if english is None else english


def texts(explanations: Iterable[Explanation], gettext: Gettext = str) -> list[str]:
    """Several explanations in gettext's language, in order."""
    return [render(e, gettext) for e in explanations]


def localised(explanations: Sequence[Explanation], english: Sequence[str], gettext: Gettext) -> list[str]:
    """Explanations in gettext's language next to their English texts; the English alone when they do
    not line up (a result built without explanations), and each English line where its translation fails."""
    if len(explanations) != len(english):
        return list(english)
    return [render(e, gettext, line) for e, line in zip(explanations, english, strict=True)]


def as_dicts(explanations: Iterable[Explanation]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in explanations]


def stored_text(stored: Any, english: str, gettext: Gettext) -> str:
    """A stored explanation dict in gettext's language; ``english`` when it is missing or does not fit."""
    if not isinstance(stored, Mapping) or not stored.get("template"):
        return english
    try:
        return Explanation.from_dict(stored).text(gettext)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return english


def stored_texts(explained: Any, english: Sequence[str], gettext: Gettext) -> list[str]:
    """Stored explanation dicts next to their English texts (one each), in gettext's language.

    Rows stored before explanations existed (or with a list that does not line up with the
    English one) show the English texts as stored.
    """
    if not isinstance(explained, list | tuple) or len(explained) != len(english):
        return [str(line) for line in english]
    return [stored_text(item, str(line), gettext) for item, line in zip(explained, english, strict=True)]


def row_reasons(row: Mapping[str, Any], gettext: Gettext) -> list[str]:
    """A stored screening row's (or ``Result.as_json()``'s) reasons in gettext's language."""
    return stored_texts(row.get("explanations"), list(row.get("reasons") or ()), gettext)


def alert_text(alert: Mapping[str, Any], gettext: Gettext) -> str:
    """A stored alert ({typology, rule, template, params...}) in gettext's language."""
    return stored_text(alert, str(alert.get("rule", "")), gettext)


def component_texts(component: Mapping[str, Any], gettext: Gettext) -> list[str]:
    """A stored network component's explanation lines in gettext's language."""
    return stored_texts(component.get("explanations"), list(component.get("explanation") or ()), gettext)
