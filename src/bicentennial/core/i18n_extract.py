"""Find every translatable message in the package (templates, ``_``/``N_`` calls)."""

from __future__ import annotations

from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def extract() -> Catalog:
    catalog = Catalog(project="bicentennial", domain="messages")
    root = str(resources.files("bicentennial"))
    for filename, lineno, message, comments, context in extract_from_dir(root, METHODS, keywords=KEYWORDS):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalog
