"""One-step transformations that designer precursors are built to undo, on RDKit molecules.

Each transform returns the canonical key of the product, so a query and a controlled entry that the
same step turns into one molecule meet in a dictionary (see :mod:`bicentennial.precursors.analogues`
for the relations and why each one is in the law's scope). The homologue test also lives here: it
only says where the extra CH2 groups sit, and analogues words the explanation.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from rdkit import Chem

MAX_HOMOLOGUE_STEPS = 2
Site = Literal["ring", "chain"]

_ESTER = Chem.MolFromSmarts("[CX3;$([CX3][#6]),$([CX3H1])](=[OX1])[OX2]!@[#6;!$([#6]=[OX1])]")
_ACYL_X = Chem.MolFromSmarts("[CX3](=[OX1])[F,Cl,Br,I]")
_AMIDE = Chem.MolFromSmarts("[CX3](=[OX1])[NX3H2]")
_NITRILE = Chem.MolFromSmarts("[CX2]#[NX1]")
_ANHYDRIDE = Chem.MolFromSmarts("[CX3](=[OX1])[OX2]!@[CX3]=[OX1]")
_KETAL = Chem.MolFromSmarts("[CX4;$([CX4][#6]);!$([CX4](~[#8])(~[#8])~[#8])](-[OX2]-[CX4])-[OX2]-[CX4]")
_RING_HALOGEN = Chem.MolFromSmarts("[F,Cl,Br,I]-a")
_N_GROUPS = tuple(
    (name, Chem.MolFromSmarts(smarts))
    for name, smarts in (
        ("Boc", "[#7]-!@C(=O)OC([CH3])([CH3])[CH3]"),
        ("Cbz", "[#7]-!@C(=O)O[CH2]c1ccccc1"),
        ("carbamate", "[#7]-!@C(=O)O[#6]"),
        ("trifluoroacetyl", "[#7]-!@C(=O)C(F)(F)F"),
        ("acetyl", "[#7]-!@C(=O)[CH3]"),
        ("formyl", "[#7]-!@[CH1]=O"),
        ("tosyl", "[#7]-!@S(=O)(=O)c1ccc([CH3])cc1"),
        ("benzyl", "[#7;R;!a;X3]-!@[CH2]-c1ccccc1"),
    )
)
_HALOGEN_NAMES = {9: "fluorine", 17: "chlorine", 35: "bromine", 53: "iodine"}


def homologue_site(
    query: Chem.Mol, query_counts: Counter[str], entry: Chem.Mol, entry_counts: Counter[str]
) -> tuple[int, Site] | None:
    """CH2 units the query has over the entry (negative: fewer) and where, if one is the other extended."""
    diff = query_counts.copy()
    diff.subtract(entry_counts)
    steps = diff["C"]
    if not 0 < abs(steps) <= MAX_HOMOLOGUE_STEPS or diff["H"] != 2 * steps:
        return None
    if any(count for symbol, count in diff.items() if symbol not in ("C", "H")):
        return None
    small, large = (entry, query) if steps > 0 else (query, entry)
    where = _extension_site(small, large)
    return (steps, where) if where else None


def _extension_site(small: Chem.Mol, large: Chem.Mol) -> Site | None:
    """Where ``large`` carries the extra CH2 over ``small``, if every extra carbon sits at an allowed place."""
    bonds = small.GetNumBonds()
    for match in large.GetSubstructMatches(small, uniquify=False, maxMatches=200):
        matched = set(match)
        if sum(1 for b in large.GetBonds() if {b.GetBeginAtomIdx(), b.GetEndAtomIdx()} <= matched) != bonds:
            continue  # the match closes a ring the smaller molecule does not have
        where = _extras_allowed(small, large, match)
        if where:
            return where
    return None


def _extras_allowed(small: Chem.Mol, large: Chem.Mol, match: tuple[int, ...]) -> Site | None:
    back = {large_idx: small_idx for small_idx, large_idx in enumerate(match)}
    where: Site = "chain"
    for atom in large.GetAtoms():
        if atom.GetIdx() in back:
            continue
        if atom.GetAtomicNum() != 6 or atom.IsInRing() or atom.GetHybridization() != Chem.HybridizationType.SP3:
            return None
        for anchor in atom.GetNeighbors():
            if anchor.GetIdx() not in back:
                continue
            if anchor.GetIsAromatic() or (anchor.IsInRing() and not _small_ring(anchor)):
                where = "ring"
            elif not _chain_end(small.GetAtomWithIdx(back[anchor.GetIdx()])):
                return None
    return where


def _small_ring(atom: Chem.Atom) -> bool:
    return bool(atom.IsInRingSize(3) or atom.IsInRingSize(4))


def _chain_end(atom: Chem.Atom) -> bool:
    return atom.GetAtomicNum() == 6 and atom.GetDegree() == 1 and not atom.GetIsAromatic()


def hydrolyse(mol: Chem.Mol, *, esters_only: bool) -> frozenset[str]:
    """Keys of the ring-bearing pieces left after hydrolysing esters (and, if asked, other acid derivatives)."""
    esters = mol.GetSubstructMatches(_ESTER)
    others = () if esters_only else [mol.GetSubstructMatches(p) for p in (_ANHYDRIDE, _ACYL_X, _AMIDE, _NITRILE)]
    if not esters and not any(others):
        return frozenset()
    rw = Chem.RWMol(mol)
    for match in esters:
        _cut(rw, match[2], match[3])
        _add_hydroxyl(rw, match[3])  # the alcohol half keeps its oxygen: O-acetylephedrine gives ephedrine
    if others:
        anhydrides, halides, amides, nitriles = others
        for match in anhydrides:
            _cut(rw, match[2], match[3])
            _add_hydroxyl(rw, match[3])
        for match in (*halides, *amides):
            _to_oxygen(rw.GetAtomWithIdx(match[-1]))
        for carbon, nitrogen in nitriles:
            rw.GetBondBetweenAtoms(carbon, nitrogen).SetBondType(Chem.BondType.DOUBLE)
            _to_oxygen(rw.GetAtomWithIdx(nitrogen))
            _add_hydroxyl(rw, carbon)
    return frozenset(_skeleton_key(piece) for piece in _pieces(rw) if piece.GetRingInfo().NumRings())


def deprotect(mol: Chem.Mol) -> tuple[str | None, str]:
    """Key of the core after removing N-protecting groups and ketals, with the group names."""
    cuts: dict[tuple[int, int], str] = {}
    for name, pattern in _N_GROUPS:
        for match in mol.GetSubstructMatches(pattern):
            cuts.setdefault((match[0], match[1]), name)
    ketals = {match[0]: match for match in mol.GetSubstructMatches(_KETAL)}
    if not cuts and not ketals:
        return None, ""
    rw = Chem.RWMol(mol)
    for nitrogen, carbon in cuts:
        _cut(rw, nitrogen, carbon)
    for carbon, oxygen, alkyl, other_oxygen, _ in ketals.values():
        rw.RemoveBond(carbon, other_oxygen)
        rw.RemoveBond(oxygen, alkyl)
        rw.GetBondBetweenAtoms(carbon, oxygen).SetBondType(Chem.BondType.DOUBLE)
    names = list(dict.fromkeys(cuts.values())) + (["ketal"] if ketals else [])
    core = _core_piece(rw, {nitrogen for nitrogen, _ in cuts} | set(ketals))
    return (_skeleton_key(core), ", ".join(names)) if core is not None else (None, "")


def dehalogenate(mol: Chem.Mol) -> tuple[str | None, str]:
    """Key of the molecule with ring halogens replaced by hydrogen, with the halogen names."""
    halogens = sorted({match[0] for match in mol.GetSubstructMatches(_RING_HALOGEN)}, reverse=True)
    if not halogens:
        return None, ""
    names = sorted({_HALOGEN_NAMES[mol.GetAtomWithIdx(idx).GetAtomicNum()] for idx in halogens})
    rw = Chem.RWMol(mol)
    for idx in halogens:
        rw.RemoveAtom(idx)
    try:
        Chem.SanitizeMol(rw)
    except (ValueError, RuntimeError):
        return None, ""
    return _skeleton_key(rw), " and ".join(names)


def _cut(rw: Chem.RWMol, keep: int, leave: int) -> None:
    """Break a bond; the atom that stays with the molecule gets the hydrogen of the hydrolysis."""
    if rw.GetBondBetweenAtoms(keep, leave) is not None:
        rw.RemoveBond(keep, leave)
        _add_hydrogen(rw.GetAtomWithIdx(keep))


def _to_oxygen(atom: Chem.Atom) -> None:
    atom.SetAtomicNum(8)
    atom.SetFormalCharge(0)
    atom.SetNoImplicit(False)
    atom.SetNumExplicitHs(0)


def _add_hydroxyl(rw: Chem.RWMol, carbon: int) -> None:
    oxygen = rw.AddAtom(Chem.Atom(8))
    rw.AddBond(carbon, oxygen, Chem.BondType.SINGLE)


def _add_hydrogen(atom: Chem.Atom) -> None:
    if atom.GetIsAromatic() or atom.GetNoImplicit():
        atom.SetNumExplicitHs(atom.GetNumExplicitHs() + 1)


def _pieces(rw: Chem.RWMol) -> tuple[Chem.Mol, ...]:
    try:
        Chem.SanitizeMol(rw)
    except (ValueError, RuntimeError):
        return ()
    return tuple(Chem.GetMolFrags(rw, asMols=True))


def _core_piece(rw: Chem.RWMol, cores: set[int]) -> Chem.Mol | None:
    if not cores:
        return None
    pieces = _pieces(rw)
    if not pieces:
        return None
    atom_sets = Chem.GetMolFrags(rw, asMols=False, sanitizeFrags=False)
    holding = [piece for piece, atoms in zip(pieces, atom_sets, strict=True) if cores & set(atoms)]
    return max(holding, key=lambda piece: piece.GetNumAtoms()) if holding else None


def _skeleton_key(mol: Chem.Mol) -> str:
    """Canonical SMILES without stereo: the key transformed molecules are compared on.

    Entries and queries go through the same transforms and the same canonicaliser, so this key
    meets where the InChIKey's first block would, at a tenth of the cost (no InChI generation).
    """
    return Chem.MolToSmiles(mol, isomericSmiles=False)
