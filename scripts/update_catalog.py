"""Extract messages and merge them into the Spanish catalog, keeping existing translations.

python scripts/update_catalog.py   # then fill the empty msgstr entries
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bicentennial.core.i18n_extract import extract

PO = Path(__file__).resolve().parent.parent / "src/bicentennial/locale/es/LC_MESSAGES/messages.po"


def main() -> None:
    template = extract()
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    catalog.update(template, no_fuzzy_matching=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, include_lineno=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} untranslated")
    for message in missing:
        print("  ", message)


if __name__ == "__main__":
    main()
