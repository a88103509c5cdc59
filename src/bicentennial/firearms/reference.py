"""Reference lookups for trace files: makes, calibres, US and Mexican places (no database here).

Trace requests are typed by hand on both sides of the border, so the same make or state
turns up under many spellings. Every lookup folds case, accents and spacing first and
is cached, because a million-row file repeats the same few hundred values.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources

_CACHE = 8192
_COMPACT_DROP = str.maketrans("", "", " .,'’-_/()")


def fold(raw: str) -> str:
    """Upper case without accents, `×` read as `X`, runs of spaces collapsed to one."""
    text = unicodedata.normalize("NFKD", raw.replace("×", "X"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.upper().split())


def _compact(key: str) -> str:
    # A second, looser key so "S & W" and "S&W", "7.62 X 39" and "7.62X39" meet.
    return key.translate(_COMPACT_DROP)


def read_table(package: str, name: str) -> Iterator[dict[str, str]]:
    """Rows of a bundled CSV under `package`'s data folder."""
    text = resources.files(package).joinpath("data", name).read_text("utf-8")
    yield from csv.DictReader(text.splitlines())


def _alias_index(name: str, key_column: str) -> dict[str, str]:
    """Folded name and aliases → canonical value; an alias claimed by two values is a data bug."""
    index: dict[str, str] = {}
    for row in read_table("bicentennial.firearms", name):
        canonical = row[key_column]
        for alias in [canonical, *row["aliases"].split("|")]:
            key = fold(alias)
            for k in {key, _compact(key)}:
                if index.setdefault(k, canonical) != canonical:
                    raise ValueError(f"{name}: {alias!r} names both {index[k]!r} and {canonical!r}")
    return index


def _lookup(index: dict[str, str], raw: str) -> str | None:
    key = fold(raw)
    return index.get(key) or index.get(_compact(key))


@cache
def _manufacturers() -> dict[str, str]:
    return _alias_index("manufacturers.csv", "name")


@cache
def _calibers() -> tuple[dict[str, str], frozenset[str]]:
    concern = frozenset(r["name"] for r in read_table("bicentennial.firearms", "calibers.csv") if r["concern"] == "yes")
    return _alias_index("calibers.csv", "name"), concern


@lru_cache(maxsize=_CACHE)
def canonical_manufacturer(raw: str) -> str:
    """The canonical make for a spelling ("S&W" → "Smith & Wesson"), or the input stripped."""
    return _lookup(_manufacturers(), raw) or raw.strip()


@lru_cache(maxsize=_CACHE)
def canonical_caliber(raw: str) -> tuple[str, bool]:
    """The canonical calibre and whether it is one of concern (.50 BMG, 7.62x39mm, 5.56x45mm)."""
    index, concern = _calibers()
    name = _lookup(index, raw)
    return (name, name in concern) if name else (raw.strip(), False)


@lru_cache(maxsize=_CACHE)
def firearm_type(raw: str) -> str | None:
    """pistol | revolver | rifle | shotgun | machine_gun | other, or None when not recognised."""
    return _lookup(_types(), raw)


@cache
def _types() -> dict[str, str]:
    return _alias_index("firearm_types.csv", "type")


@lru_cache(maxsize=_CACHE)
def country_code(raw: str) -> str | None:
    """ISO 3166 alpha-2 for a two-letter code or a common English/Spanish country name."""
    key = fold(raw)
    if len(key) == 2 and key.isalpha():
        return key
    return _lookup(_countries(), raw)


@cache
def _countries() -> dict[str, str]:
    return _alias_index("countries.csv", "code")


@cache
def _us_states() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in read_table("bicentennial.firearms", "us_states.csv"):
        index[row["abbrev"]] = index[fold(row["name"])] = row["abbrev"]
    return index


@lru_cache(maxsize=_CACHE)
def us_state(raw: str) -> str | None:
    """USPS abbreviation for "TX", "Texas" or "texas"; None when unknown."""
    return _us_states().get(fold(raw))


# Names Mexican files still use for states that INEGI's 2020 table spells otherwise.
_MX_STATE_ALIASES = {
    "DISTRITO FEDERAL": "09",
    "DF": "09",
    "D.F.": "09",
    "CIUDAD DE MEXICO": "09",
    "ESTADO DE MEXICO": "15",
    "EDO MEX": "15",
    "EDO. MEX.": "15",
    "EDOMEX": "15",
    "EDO. DE MEXICO": "15",
}


@cache
def _mx_states() -> dict[str, str]:
    index = dict(_MX_STATE_ALIASES)
    for row in read_table("bicentennial.geo", "mx_estados_2020.csv"):
        code = row["cve_ent"]
        for name in (code, str(int(code)), f"MX:{code}", row["nom_ent"], row["nom_corto"], row["abrev"]):
            index[fold(name)] = code
        index[fold(row["abrev_inegi"]).rstrip(".")] = code
    return index


@lru_cache(maxsize=_CACHE)
def mx_state(raw: str) -> str | None:
    """ "mx:NN" for an INEGI code ("9", "09"), abbreviation ("CDMX") or name, old names included."""
    key = fold(raw)
    code = _mx_states().get(key) or _mx_states().get(key.rstrip("."))
    return f"mx:{code}" if code else None


@cache
def _mx_municipalities() -> tuple[frozenset[str], dict[tuple[str, str], str]]:
    codes: set[str] = set()
    names: dict[tuple[str, str], str] = {}
    for row in read_table("bicentennial.geo", "mx_municipios_2020.csv"):
        codes.add(row["cvegeo"])
        names[row["cve_ent"], fold(row["nom_mun"])] = row["cvegeo"]
    return frozenset(codes), names


@lru_cache(maxsize=_CACHE)
def mx_municipality(raw: str, state: str | None = None) -> str | None:
    """ "mx:NNNNN" for an INEGI 5-digit code, or a 3-digit code or name within `state`.

    A 5-digit code that belongs to another state than `state` is refused: one of the two
    is mistyped and guessing which would misplace the recovery.
    """
    codes, names = _mx_municipalities()
    text = raw.strip().removeprefix("mx:").removeprefix("MX:")
    state_key = mx_state(state) if state else None
    state_code = state_key[3:] if state_key else None
    if len(text) == 5 and text.isdigit():
        found = text if text in codes and (state_code is None or text[:2] == state_code) else None
    elif state_code is None:
        return None
    elif text.isdigit() and len(text) <= 3:
        candidate = state_code + text.zfill(3)
        found = candidate if candidate in codes else None
    else:
        found = names.get((state_code, fold(text)))
    return f"mx:{found}" if found else None
