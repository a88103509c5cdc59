"""A variant test set built from REAL SDN entries of Mexican programmes, and common Mexican names
that are not on the list. Shared by the matching tests and benchmarks/bench_finance_screen.py.

Each variant is how a bank clerk, a notary or a customer might actually write a listed name: in
natural order, without the maternal surname, with accents, with particles changed, with one typo,
with an alias, an abbreviation or a nickname. Everything is seeded, so runs are comparable.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bicentennial.finance.name_tables import COMMON_GIVEN, COMMON_SURNAMES
from bicentennial.finance.names import fold

VARIANT_KINDS = ("swapped", "maternal_dropped", "accents", "particles", "typo", "alias", "abbreviation", "nickname")
ACCENTED = {
    "JOSE": "JOSÉ", "JESUS": "JESÚS", "MARIA": "MARÍA", "RAMON": "RAMÓN", "ANGEL": "ÁNGEL", "OSCAR": "ÓSCAR",
    "JOAQUIN": "JOAQUÍN", "MUNOZ": "MUÑOZ", "PENA": "PEÑA", "NUNEZ": "NÚÑEZ", "BENJAMIN": "BENJAMÍN",
    "MARTIN": "MARTÍN", "HECTOR": "HÉCTOR", "VICTOR": "VÍCTOR", "RAUL": "RAÚL", "GUZMAN": "GUZMÁN",
    "ALVARO": "ÁLVARO", "CESAR": "CÉSAR", "IVAN": "IVÁN", "ADAN": "ADÁN", "ANDRES": "ANDRÉS", "TOMAS": "TOMÁS",
    "GARCIA": "GARCÍA", "LEON": "LEÓN", "CORDOVA": "CÓRDOVA", "RIOS": "RÍOS", "BELTRAN": "BELTRÁN",
}  # fmt: skip
ABBREVIATE = {"MARIA": "Ma.", "FRANCISCO": "Fco.", "GUADALUPE": "Gpe.", "GUILLERMO": "Gmo.", "FRANCISCA": "Fca."}
NICKNAME = {
    "JOSE": "Pepe", "FRANCISCO": "Paco", "JESUS": "Chuy", "GUILLERMO": "Memo", "EDUARDO": "Lalo",
    "IGNACIO": "Nacho", "ALBERTO": "Beto", "ROBERTO": "Beto", "HUMBERTO": "Beto", "ANTONIO": "Toño",
    "ENRIQUE": "Quique", "RAFAEL": "Rafa", "ALFONSO": "Poncho", "GUADALUPE": "Lupe", "ROSARIO": "Chayo",
    "CONCEPCION": "Concha", "LORENZO": "Lencho", "GREGORIO": "Goyo", "SALVADOR": "Chava", "MANUEL": "Manolo",
    "VICENTE": "Chente", "GONZALO": "Chalo", "DOLORES": "Lola",
}  # fmt: skip
PARTICLE_WORDS = {"de", "del", "la", "las", "los", "y"}
_VOWEL_BEFORE_EZ = re.compile(r"([AEIOU])([^AEIOU]+EZ)$")


@dataclass(frozen=True)
class Entity:
    entity_id: str
    name: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    entity_id: str
    variant: str
    text: str


def read_sdn(folder: Path) -> tuple[list[list[str]], list[list[str]]]:
    """sdn.csv and alt.csv rows (legacy OFAC layout, no header), read with the csv module."""
    with (
        open(folder / "sdn.csv", encoding="utf-8", newline="") as sdn,
        open(folder / "alt.csv", encoding="utf-8") as alt,
    ):
        return [r for r in csv.reader(sdn) if len(r) >= 12], [r for r in csv.reader(alt) if len(r) >= 4]


def index_entries(sdn: list[list[str]], alt: list[list[str]]) -> list[tuple[str, str, str, bool]]:
    """Every SDN name, primary and alias, as (entity_id, name, kind, is_alias)."""
    kinds = {row[0]: row[2].strip() for row in sdn}
    entries = [(row[0], row[1], row[2].strip(), False) for row in sdn]
    return entries + [(row[0], row[3], kinds[row[0]], True) for row in alt if row[0] in kinds]


def mexican_entities(
    sdn: list[list[str]], alt: list[list[str]], people: int = 160, companies: int = 40
) -> list[Entity]:
    """Individuals of the narcotics programmes (SDNT, SDNTK) with Mexico in their remarks, and
    S.A. DE C.V. companies; a seeded sample of each."""
    aliases: dict[str, list[str]] = {}
    for row in alt:
        aliases.setdefault(row[0], []).append(row[3])
    persons = [r for r in sdn if r[2].strip() == "individual" and "SDNT" in r[3] and "Mexico" in r[11] and "," in r[1]]
    firms = [r for r in sdn if "S.A. DE C.V." in r[1]]
    rng = random.Random(2021)  # noqa: S311 - a seeded sample, not a secret
    chosen = rng.sample(persons, min(people, len(persons))) + rng.sample(firms, min(companies, len(firms)))
    return [Entity(r[0], r[1], r[2].strip(), tuple(aliases.get(r[0], ()))) for r in chosen]


def _title(text: str) -> str:
    return " ".join(w.lower() if w.lower() in PARTICLE_WORDS else w.capitalize() for w in text.split())


def natural(name: str) -> str:
    """'PATERNAL MATERNAL, Given' as a Mexican form writes it: 'Given Paternal Maternal'."""
    surnames, _, given = name.partition(",")
    return _title(f"{given.strip()} {surnames.strip()}" if given else surnames)


def accented(text: str) -> str:
    """Accents as Mexican spelling puts them (JOSÉ, RAMÍREZ): a table, and -EZ surnames stressed before."""
    words = []
    for word in text.split():
        up = word.upper()
        new = ACCENTED.get(up) or _VOWEL_BEFORE_EZ.sub(lambda m: "ÁÉÍÓÚ"["AEIOU".index(m[1])] + m[2], up)
        words.append(_title(new) if new != up else word)
    return " ".join(words)


def typo(text: str, rng: random.Random) -> str:
    """One edit (substitution, deletion, insertion or transposition) inside the longest word."""
    words = text.split()
    pos = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[pos]
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice("sdit")
    letter = rng.choice("aeiourlnst")
    word = {
        "s": word[:i] + letter + word[i + 1 :],
        "d": word[:i] + word[i + 1 :],
        "i": word[:i] + letter + word[i:],
        "t": word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :],
    }[op]
    return " ".join([*words[:pos], word, *words[pos + 1 :]])


def _replace_given(entity: Entity, table: dict[str, str]) -> str | None:
    surnames, _, given = entity.name.partition(",")
    words = given.split()
    hits = [i for i, w in enumerate(words) if w.upper() in table]
    if not hits:
        return None
    words[hits[0]] = table[words[hits[0]].upper()]
    return f"{' '.join(words)} {_title(surnames)}"


def person_variants(entity: Entity, rng: random.Random) -> dict[str, str | None]:
    surnames, _, given = entity.name.partition(",")
    plain = natural(entity.name)
    words = [w for w in surnames.split() if w.lower() not in PARTICLE_WORDS]
    has_particle = any(w.lower() in PARTICLE_WORDS for w in plain.split())
    aliases = [a for a in entity.aliases if fold(a) != fold(entity.name)]
    return {
        "swapped": plain,
        "maternal_dropped": _title(f"{given} {words[0]}") if len(words) >= 2 else None,
        "accents": accented(plain) if accented(plain) != plain else None,
        "particles": " ".join(w for w in plain.split() if w.lower() not in PARTICLE_WORDS) if has_particle else None,
        "typo": typo(plain, rng),
        "alias": natural(rng.choice(aliases)) if aliases else None,
        "abbreviation": _replace_given(entity, ABBREVIATE),
        "nickname": _replace_given(entity, NICKNAME),
    }


def company_variants(entity: Entity, rng: random.Random) -> dict[str, str | None]:
    base = entity.name.replace(", S.A. DE C.V.", "").replace(" S.A. DE C.V.", "")
    plain = _title(base)
    aliases = [a for a in entity.aliases if fold(a) != fold(entity.name)]
    return {
        "swapped": f"{plain} SA de CV",
        "accents": accented(plain) if accented(plain) != plain else None,
        "particles": " ".join(w for w in plain.split() if w.lower() not in PARTICLE_WORDS)
        if any(w.lower() in PARTICLE_WORDS for w in plain.split())
        else None,
        "typo": typo(plain, rng) + " S.A. de C.V.",
        "alias": _title(rng.choice(aliases)) if aliases else None,
    }


def variant_set(entities: list[Entity], seed: int = 7) -> list[Variant]:
    """All applicable variants of each entity (kinds in VARIANT_KINDS)."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    out = []
    for entity in entities:
        make = person_variants if entity.kind == "individual" else company_variants
        out += [Variant(entity.entity_id, kind, text) for kind, text in make(entity, rng).items() if text]
    return out


def _signature(name: str) -> tuple[str, ...]:
    return tuple(sorted(w for w in fold(name).split() if w.lower() not in PARTICLE_WORDS))


def common_names(count: int, listed: list[str], seed: int = 11) -> list[str]:
    """Frequent given names (one or two) with two frequent surnames, none of them a listed name."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    taken = {_signature(name) for name in listed}
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        given = rng.choice(COMMON_GIVEN) + (f" {rng.choice(COMMON_GIVEN)}" if rng.random() < 0.4 else "")
        name = _title(f"{given} {rng.choice(COMMON_SURNAMES)} {rng.choice(COMMON_SURNAMES)}")
        if name not in seen and _signature(name) not in taken:
            seen.add(name)
            out.append(name)
    return out
