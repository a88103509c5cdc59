"""English and Spanish: Babel catalogs compiled in memory at first use.

Catalogs live as ``locale/<lang>/LC_MESSAGES/messages.po`` inside the package;
compiling them on load means no build step and no binary files in the repo.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

SUPPORTED = ("en", "es")
DEFAULT = "en"


@cache
def translations(lang: str) -> NullTranslations:
    if lang == DEFAULT or lang not in SUPPORTED:
        return NullTranslations()
    po = resources.files("bicentennial").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    catalog = read_po(io.BytesIO(po.read_bytes()), locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def negotiate(accept_language: str | None) -> str:
    """Pick en or es from an Accept-Language header, honouring q-values."""
    best, best_q = DEFAULT, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if code in SUPPORTED and q > best_q:
            best, best_q = code, q
    return best
