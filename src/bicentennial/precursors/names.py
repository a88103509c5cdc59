"""Chemical names as declared on manifests, reduced to a key that survives how people write them.

Declarations come in English and Spanish, with or without accents, with salt and hydrate
words ("ephedrine hydrochloride", "clorhidrato de efedrina", "4-piperidone HCl monohydrate"),
stereo prefixes ("(-)-", "l-", "(1R,2S)-", "rac-") and any word order. The key folds accents and
case, turns punctuation into spaces, drops those words and sorts what is left, so that all of
these meet the registry's names. What was dropped is kept: a salt word tells the screener the
row declares a salt of the parent, which the laws control with the parent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Counter-ion and salt words (English and Spanish). Only words that never name a listed substance
# by themselves: "acetate" is missing on purpose (n-butyl acetate is on Mexico's list).
SALT_WORDS = frozenset(
    [
        "hydrochloride",
        "dihydrochloride",
        "monohydrochloride",
        "hcl",
        "2hcl",
        "hydrobromide",
        "hbr",
        "hydroiodide",
        "sulfate",
        "sulphate",
        "hemisulfate",
        "bisulfate",
        "sulfato",
        "hemisulfato",
        "maleate",
        "maleato",
        "tartrate",
        "bitartrate",
        "tartrato",
        "bitartrato",
        "citrate",
        "citrato",
        "phosphate",
        "fosfato",
        "mesylate",
        "mesilato",
        "oxalate",
        "oxalato",
        "fumarate",
        "fumarato",
        "salt",
        "sal",
        "sodium",
        "sodico",
        "sodica",
        "potassium",
        "potasico",
        "potasica",
        "clorhidrato",
        "diclorhidrato",
        "bromhidrato",
        "yodhidrato",
    ]
)
HYDRATE_WORDS = frozenset(
    [
        "hydrate",
        "monohydrate",
        "dihydrate",
        "trihydrate",
        "hemihydrate",
        "sesquihydrate",
        "anhydrous",
        "hidrato",
        "monohidrato",
        "dihidrato",
        "trihidrato",
        "hemihidrato",
        "anhidro",
    ]
)
STEREO_WORDS = frozenset(
    [
        "d",
        "l",
        "dl",
        "rac",
        "racemic",
        "racemico",
        "racemica",
        "cis",
        "trans",
        "e",
        "z",
        "r",
        "s",
        "rs",
        "sr",
        "meso",
        "levo",
        "dextro",
    ]
)
STOP_WORDS = frozenset(
    [
        "de",
        "del",
        "la",
        "el",
        "los",
        "las",
        "y",
        "and",
        "of",
        "the",
    ]
)
# "(1R,2S)", "(S,S)" and "(+)/(-)" descriptors become tokens like "1r", "2s", "+".
_STEREO_TOKEN = re.compile(r"^(\d+[rsez]|[+-]+|\+/-|±)$")
_SPLIT = re.compile(r"[\s,;:.()\[\]{}'\"`/\\_-]+")
# Salt words that are also the name of a listed substance on their own ("sodium" is not, "HCl" is):
# a name made only of salt words keeps them.


@dataclass(frozen=True)
class NameKey:
    key: str  # sorted tokens joined by one space; "" when nothing is left
    salt: tuple[str, ...] = ()  # salt words found
    hydrate: tuple[str, ...] = ()
    stereo: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Lower case without accents (ñ folds to n, as in most customs systems)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("±", " ± "))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    text = fold(text).replace("+/-", " ± ").replace("(+)", " + ").replace("(-)", " - ")
    return [t for t in _SPLIT.split(text.replace("+", " + ")) if t]


@lru_cache(maxsize=65536)
def name_key(text: str) -> NameKey:
    """The matching key of a declared name, with the salt, hydrate and stereo words it carried."""
    salt: list[str] = []
    hydrate: list[str] = []
    stereo: list[str] = []
    kept: list[str] = []
    words = tokens(text)
    for word in words:
        if word in SALT_WORDS:
            salt.append(word)
        elif word in HYDRATE_WORDS:
            hydrate.append(word)
        elif word in STEREO_WORDS or _STEREO_TOKEN.match(word) or word == "±":
            stereo.append(word)
        elif word not in STOP_WORDS:
            kept.append(word)
    if not kept:  # "HCl", "sodium": the salt word is the name itself
        return NameKey(" ".join(sorted(w for w in words if w not in STOP_WORDS)))
    return NameKey(" ".join(sorted(kept)), tuple(salt), tuple(hydrate), tuple(stereo))


def plain_key(text: str) -> str:
    """Key without dropping any word (for registry names that themselves contain such words)."""
    return " ".join(sorted(w for w in tokens(text) if w not in STOP_WORDS))
