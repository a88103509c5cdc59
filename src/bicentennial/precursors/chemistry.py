"""Structure identification for precursor screening: parse, standardise, key, look up.

Controlled-precursor law covers a substance together with its salts and optical isomers (1988
Convention art. 1 and Tables; 21 CFR 1310.02), so a shipment is matched on the first block of the
standard InChIKey of its *parent*: the largest organic fragment after removing water and
counter-ions, neutralised. The connectivity block ignores stereo and protonation, which is exactly
the scope of "salts and isomers". Inorganic entries are keyed on the *whole* substance instead;
:mod:`bicentennial.precursors.structure_index` explains why (controlled.csv SOURCES.md §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdkit import Chem, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

from bicentennial.core.errors import InvalidInput

if TYPE_CHECKING:
    from bicentennial.precursors.structure_index import StructureIndex  # noqa: F401  for type checkers; see __getattr__

KINDS = ("smiles", "inchi", "inchikey", "molfile")
RELATIONS = (
    "ester",
    "acid",
    "protected form",
    "homologue",
    "ring-halogenated",
    "salt-forming derivative",
    "similar structure",
)
MAX_INPUT_CHARS = 100_000

MSG_EMPTY = "the structure is empty: give a SMILES, InChI, InChIKey or molfile"
MSG_TOO_LONG = "the structure is longer than {limit} characters"
MSG_UNKNOWN_KIND = "unknown structure kind {kind!r}: use one of smiles, inchi, inchikey, molfile"
MSG_SMILES = "SMILES {text!r} does not parse: {reason}"
MSG_INCHI = "InChI {text!r} does not parse: {reason}"
MSG_INCHIKEY = "InChIKey {text!r} is malformed: expected 14 capital letters, '-', 10 capital letters, '-', one letter"
MSG_MOLFILE = "the molfile does not parse: {reason}"
MSG_NO_ATOMS = "the {kind} describes no atoms"
MSG_DUMMY = "the {kind} has an unspecified atom (*, R or a query atom): give a complete substance"
MSG_NO_KEY = "no InChIKey can be computed for {smiles!r}"
REASON_UNKNOWN = "it is not a valid {kind}"
_LABELS = {"smiles": "SMILES", "inchi": "InChI", "molfile": "molfile"}

_INCHIKEY_RE = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_LOG_PREFIX_RE = re.compile(r"^\[[0-9:]+\]\s*(?:SMILES Parse Error:\s*)?")
_NO_STEREO_BLOCK = "UHFFFAOY"
# Acids and bases used as pharmaceutical counter-ions: they are dropped in favour of the other organic
# fragment (ergometrine maleate -> ergometrine) but kept when they are the only organic part.
COUNTER_IONS = frozenset(
    {"CC(=O)O", "O=CO", "O=C(O)C(F)(F)F", "O=C(O)C=CC(=O)O", "O=C(O)C(=O)O", "O=C(O)CCC(=O)O", "CC(O)C(=O)O"}
    | {"O=C(O)C(O)C(O)C(=O)O", "O=C(O)CC(O)(CC(=O)O)C(=O)O", "CS(=O)(=O)O", "O=S(=O)(O)c1ccccc1"}
    | {"Cc1ccc(S(=O)(=O)O)cc1"}
)
_METALS = frozenset(
    {3, 4, 11, 12, 13, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 37, 38, 47, 48, 55, 56, 78, 79, 80, 82}
)
# Alkali and alkaline-earth metals drawn bonded ("[Na]OC(=O)C") are ionic salts; transition metals
# (the Mn of permanganate) stay bonded, so the whole key equals the InChIKey the registry publishes.
_SALT_METALS = frozenset({3, 4, 11, 12, 19, 20, 37, 38, 55, 56})
_UNCHARGER = rdMolStandardize.Uncharger()
_CHARGED = Chem.MolFromSmarts("[!+0]")
_DUMMY = Chem.MolFromSmarts("[#0]")
_BONDED_SALT_METAL = Chem.MolFromSmarts("[Li,Be,Na,Mg,K,Ca,Rb,Sr,Cs,Ba;!D0]")
_STEREO_RE = re.compile(r"[@/\\]")
_ISOTOPE_RE = re.compile(r"\[\d")
_HYDROGEN_RE = re.compile(r"H\d*(?![a-z])|[+-]\d*$")


class StructureError(InvalidInput):
    """A structure the user typed or uploaded cannot be read; the message names the input and the cause."""


@dataclass(frozen=True)
class Structure:
    """A parsed structure reduced to its parent.

    ``connectivity``, ``inchikey`` and ``whole_key`` are computed on first use: InChI generation costs
    three to four times the parsing, and the index answers most look-ups from ``skeleton`` (the
    stereo-free canonical SMILES of the parent) and ``heavy_formula`` (no InChIKey can match when the
    heavy atoms differ), so a screened row pays for InChI only when it can matter.
    """

    kind: str
    parent_smiles: str | None
    removed: tuple[str, ...]
    neutralised: bool
    has_stereo: bool
    skeleton: str = ""
    heavy_formula: str = ""
    whole_formula: str = ""  # heavy atoms of the whole input without water; "" when it is one fragment
    source: str = field(default="", repr=False, compare=False)
    _keys: dict[str, str | None] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def inchikey(self) -> str:
        """Full standard InChIKey of the parent."""
        if "inchikey" not in self._keys:
            with rdBase.BlockLogs():  # "" when InChI refuses the parent: it then matches nothing
                self._keys["inchikey"] = Chem.MolToInchiKey(Chem.MolFromSmiles(self.parent_smiles or ""))
        return self._keys["inchikey"] or ""

    @property
    def connectivity(self) -> str:
        """First 14 characters of the parent's InChIKey: what the salts-and-isomers rule compares."""
        return self.inchikey[:14]

    @property
    def whole_key(self) -> str | None:
        """Connectivity of the whole input (hydrate water aside); None for an InChIKey."""
        if self.kind == "inchikey":
            return None
        if not self.whole_formula:
            return self.connectivity  # one fragment: InChI's connectivity ignores protonation
        if "whole" not in self._keys:
            mol = _read_mol(self.source, self.kind)
            fragments = Chem.GetMolFrags(_ionised(mol), asMols=True)
            self._keys["whole"] = _key_of(_without_water(fragments))[:14]
        return self._keys["whole"]


@dataclass(frozen=True)
class Analogue:
    substance_id: str
    relation: str
    score: float
    detail: str


def detect_kind(text: str) -> str:
    """Guess the notation: InChI and InChIKey have fixed shapes, molfiles an ``M  END`` line or a version tag."""
    stripped = text.strip()
    if stripped.startswith("InChI="):
        return "inchi"
    if _INCHIKEY_RE.match(stripped):
        return "inchikey"
    if "M  END" in stripped or "V2000" in stripped or "V3000" in stripped:
        return "molfile"
    return "smiles"


def parse_structure(text: str, kind: str | None = None) -> Structure:
    """Read a structure and reduce it to its parent, the unit the precursor laws control."""
    if not text or not text.strip():
        raise StructureError(MSG_EMPTY)
    if len(text) > MAX_INPUT_CHARS:
        raise StructureError(MSG_TOO_LONG.format(limit=MAX_INPUT_CHARS))
    kind = kind or detect_kind(text)
    if kind not in KINDS:
        raise StructureError(MSG_UNKNOWN_KIND.format(kind=kind))
    if kind == "inchikey":
        return _from_inchikey(text.strip())
    source = text if kind == "molfile" else text.strip()
    return _standardised(_read_mol(source, kind), kind, source)


def whole_keys(smiles: str) -> str:
    """Connectivity block of the whole substance (hydrate water aside): the index key of inorganic entries."""
    return parse_structure(smiles, "smiles").whole_key or ""


def mol_connectivity(mol: Chem.Mol) -> str:
    """First InChIKey block: formula and connections, blind to stereo, charge and mobile hydrogen."""
    return _key_of(mol)[:14]


def _from_inchikey(key: str) -> Structure:
    if not _INCHIKEY_RE.match(key):
        raise StructureError(MSG_INCHIKEY.format(text=key))
    structure = Structure("inchikey", None, (), False, key[15:23] != _NO_STEREO_BLOCK, source=key)
    structure._keys["inchikey"] = key
    return structure


def _read_mol(text: str, kind: str) -> Chem.Mol:
    with rdBase.CaptureErrorLog() as capture:
        if kind == "smiles":
            mol = Chem.MolFromSmiles(text)
        elif kind == "inchi":
            mol = Chem.MolFromInchi(text)
        else:
            mol = Chem.MolFromMolBlock(text)
    if mol is None:
        reason = _reason(capture.messages) or REASON_UNKNOWN.format(kind=_LABELS[kind])
        template = {"smiles": MSG_SMILES, "inchi": MSG_INCHI}.get(kind, MSG_MOLFILE)
        raise StructureError(template.format(text=text[:80], reason=reason))
    if mol.GetNumAtoms() == 0:
        raise StructureError(MSG_NO_ATOMS.format(kind=_LABELS[kind]))
    if mol.HasSubstructMatch(_DUMMY):
        raise StructureError(MSG_DUMMY.format(kind=_LABELS[kind]))
    return mol


def _reason(messages: str) -> str:
    """First RDKit log line without its timestamp: 'unclosed ring for input: ...' becomes 'unclosed ring'."""
    for line in messages.splitlines():
        reason = _LOG_PREFIX_RE.sub("", line).split(" for input:")[0].strip()
        if reason and not reason.startswith("ERROR:"):
            return reason
    return ""


def _key_of(mol: Chem.Mol) -> str:
    with rdBase.BlockLogs():
        key: str = Chem.MolToInchiKey(mol)
    if not key:
        raise StructureError(MSG_NO_KEY.format(smiles=Chem.MolToSmiles(mol)))
    return key


def _standardised(mol: Chem.Mol, kind: str, source: str) -> Structure:
    mol = _ionised(mol)
    removed: tuple[str, ...]
    if len(Chem.GetMolFrags(mol)) == 1:
        parent, removed, whole_formula = mol, (), ""
    else:
        fragments = Chem.GetMolFrags(mol, asMols=True)
        parent, removed = _choose_parent(fragments)
        whole_formula = _heavy_formula(_without_water(fragments))
    charged = parent.HasSubstructMatch(_CHARGED)
    neutral = _UNCHARGER.uncharge(parent) if charged else parent
    parent_smiles = Chem.MolToSmiles(neutral)
    neutralised = charged and parent_smiles != Chem.MolToSmiles(parent)
    has_stereo = bool(_STEREO_RE.search(parent_smiles))
    plain = has_stereo or _ISOTOPE_RE.search(parent_smiles)
    skeleton = Chem.MolToSmiles(neutral, isomericSmiles=False) if plain else parent_smiles
    formula = _heavy_formula(neutral)
    return Structure(kind, parent_smiles, removed, neutralised, has_stereo, skeleton, formula, whole_formula, source)


def _ionised(mol: Chem.Mol) -> Chem.Mol:
    return _ionise_salt_metals(mol) if mol.HasSubstructMatch(_BONDED_SALT_METAL) else mol


def _heavy_formula(mol: Chem.Mol) -> str:
    """Hill formula without hydrogen and charge: equal InChI connectivity implies equal heavy atoms."""
    return _HYDROGEN_RE.sub("", CalcMolFormula(mol))


def _ionise_salt_metals(mol: Chem.Mol) -> Chem.Mol:
    """Break alkali/alkaline-earth metal bonds into ion pairs, as InChI does before it keys a salt."""
    rw = Chem.RWMol(mol)
    for bond in list(rw.GetBonds()):
        ends = (bond.GetBeginAtom(), bond.GetEndAtom())
        metals = [atom for atom in ends if atom.GetAtomicNum() in _SALT_METALS]
        if len(metals) != 1:
            continue
        other = ends[1] if metals[0] is ends[0] else ends[0]
        rw.RemoveBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx())
        metals[0].SetFormalCharge(metals[0].GetFormalCharge() + 1)
        other.SetFormalCharge(other.GetFormalCharge() - 1)
    Chem.SanitizeMol(rw)
    return rw.GetMol()


def _without_water(fragments: tuple[Chem.Mol, ...]) -> Chem.Mol:
    """Hydrate water is not part of a substance's identity: KMnO4 or HCl(aq) is the same listed chemical."""
    kept = [frag for frag in fragments if not _is_water(frag)] or list(fragments)
    whole = kept[0]
    for frag in kept[1:]:
        whole = Chem.CombineMols(whole, frag)
    return whole


def _is_water(frag: Chem.Mol) -> bool:
    if frag.GetNumAtoms() != 1:
        return False
    atom = frag.GetAtomWithIdx(0)
    return atom.GetAtomicNum() == 8 and atom.GetFormalCharge() == 0 and atom.GetTotalNumHs() == 2


def _choose_parent(fragments: tuple[Chem.Mol, ...]) -> tuple[Chem.Mol, tuple[str, ...]]:
    """Largest organic fragment that is not water or a known counter-ion; inorganic only if nothing else."""
    named = [(frag, _neutral_smiles(frag)) for frag in fragments]
    non_water = [item for item in named if not _is_water(item[0])] or named
    organic = [item for item in non_water if _has_carbon(item[0])]
    non_metal = [item for item in non_water if not _is_metal_ion(item[0])] or non_water
    preferred = [item for item in organic if item[1] not in COUNTER_IONS] or organic or non_metal
    parent, parent_name = max(preferred, key=lambda item: (item[0].GetNumHeavyAtoms(), item[1]))
    removed: list[str] = []
    for _, name in named:
        if name != parent_name and name not in removed:
            removed.append(name)
    return parent, tuple(removed)


def _neutral_smiles(frag: Chem.Mol) -> str:
    """Counter-ions compare stereo-blind and neutral: maleate and fumarate are the same removable acid."""
    return str(Chem.MolToSmiles(_UNCHARGER.uncharge(frag), isomericSmiles=False))


def _is_metal_ion(frag: Chem.Mol) -> bool:
    return frag.GetNumAtoms() == 1 and frag.GetAtomWithIdx(0).GetAtomicNum() in _METALS


def _has_carbon(mol: Chem.Mol) -> bool:
    return any(atom.GetAtomicNum() == 6 for atom in mol.GetAtoms())


def draw_svg(smiles: str, *, width: int = 320, height: int = 240) -> str:
    """Inline-ready SVG (no XML declaration, so it can sit inside HTML)."""
    from bicentennial.precursors.drawing import render_svg

    return render_svg(_read_mol(smiles.strip(), "smiles"), width=width, height=height)


def __getattr__(name: str) -> Any:
    """Serve ``StructureIndex`` lazily (PEP 562): structure_index imports this module, and a worker that
    unpickles an index imports structure_index first, so an eager re-export here would be circular."""
    if name == "StructureIndex":
        from bicentennial.precursors.structure_index import StructureIndex

        return StructureIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
