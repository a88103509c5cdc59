"""Every message shown to users has a Spanish translation; negotiation honours q-values."""

from __future__ import annotations

import io
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from bicentennial.core.i18n import gettext_for, negotiate
from bicentennial.core.i18n_extract import extract


def test_every_message_is_translated_to_spanish() -> None:
    po = resources.files("bicentennial").joinpath("locale", "es", "LC_MESSAGES", "messages.po")
    translated = {m.id for m in read_po(io.BytesIO(po.read_bytes()), locale="es") if m.id and m.string}
    missing = sorted({m.id for m in extract() if m.id} - translated)
    assert missing == [], f"untranslated (run scripts/update_catalog.py): {missing}"


def test_placeholders_survive_translation() -> None:
    _ = gettext_for("es")
    assert _("Welcome, %(name)s") % {"name": "Ana"} == "Bienvenido(a), Ana"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("es-MX,es;q=0.9", "es"),
        ("fr,es;q=0.5,en;q=0.4", "es"),
        ("en-US,es;q=0.8", "en"),
        ("de", "en"),
        ("es;q=abc,en", "en"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected
