"""Suspicious-order flags in the reader's language.

A flag is stored with its English `message` (for logs and for rows stored before flags could be
translated) and with the English `template` it came from plus the figures that filled it in
(`params`, already formatted: "5,000 kg", "12.5×"). The template is its own catalog msgid, so a
Spanish reader sees the Spanish sentence with the very same figures, computed once, at flagging
time, and never recomputed from data that may have changed since.

A flag made of several sentences (a route with more than one unusual transit country) stores the
sentence templates joined by `PART_SEPARATOR`, each translated on its own, and names each figure
``"<sentence index>:<name>"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

PART_SEPARATOR = "\n"
MESSAGE_SEPARATOR = "; "

Params = tuple[tuple[str, str], ...]


def params_of(figures: Mapping[str, object]) -> Params:
    """Figures as the stored, string-only pairs (numbers are formatted by the caller)."""
    return tuple((name, str(value)) for name, value in figures.items())


def joined(parts: Sequence[tuple[str, Mapping[str, object]]]) -> tuple[str, Params]:
    """One template and its params for several sentences; a single sentence stays as it is."""
    if len(parts) == 1:
        template, figures = parts[0]
        return template, params_of(figures)
    template = PART_SEPARATOR.join(template for template, _ in parts)
    params = tuple((f"{i}:{name}", value) for i, (_, figures) in enumerate(parts) for name, value in params_of(figures))
    return template, params


def render(template: str, params: Iterable[tuple[str, str]], gettext: Callable[[str], str]) -> str:
    """The template in gettext's language, filled in with the params.

    Raises KeyError, IndexError or ValueError when a translation (or a stored row) names a
    placeholder the params lack; `flag_text` falls back to the English message then.
    """
    pairs = list(params)
    parts = template.split(PART_SEPARATOR)
    if len(parts) == 1:
        return gettext(template).format(**dict(pairs))
    texts = []
    for i, part in enumerate(parts):
        own = {name: value for key, value in pairs for index, _, name in [key.partition(":")] if index == str(i)}
        texts.append(gettext(part).format(**own))
    return MESSAGE_SEPARATOR.join(texts)


def flag_text(flag: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """A stored flag dict ({rule, message, score[, template, params]}) in gettext's language.

    Rows stored before flags carried a template (or with params that do not fit it) show their
    English message: an untranslated but true explanation beats none.
    """
    template, params = flag.get("template"), flag.get("params")
    message = str(flag.get("message", ""))
    if not template or not isinstance(params, Mapping | list | tuple):
        return message
    pairs = params.items() if isinstance(params, Mapping) else params
    try:
        return render(str(template), [(str(k), str(v)) for k, v in pairs], gettext)
    except (KeyError, IndexError, ValueError, TypeError):
        return message
