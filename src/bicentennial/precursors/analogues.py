"""Designer-precursor relations: unlisted chemicals one easy step away from a listed one.

Traffickers answer each listing with a derivative that converts back in one step (INCB Precursors
reports 2019-2024: the glycidic esters after PMK glycidic acid, Boc- and other protected
piperidones after NPP/ANPP). Relations are rules first, similarity last; each rule applies one
transformation to both the query and the controlled entries and looks for equal connectivity keys:

* ester / acid: ester hydrolysis (every acyclic C(=O)O-C) gives a controlled acid or alcohol, or the
  same acid as a controlled ester; a free acid whose ester is listed is reported as "acid".
* salt-forming derivative: amides, nitriles, acyl halides and anhydrides hydrolyse to a carboxylic
  acid that forms the same salts as a controlled acid (benzyl cyanide and phenylacetamide both give
  phenylacetic acid). Chosen instead of "ester" so that an inspector sees a different chemistry.
* protected form: N-Boc, N-Cbz and other carbamates, N-acetyl, N-formyl, N-trifluoroacetyl, N-tosyl,
  N-benzyl on a saturated ring nitrogen, and ketals/acetals of ketones are removed.
* ring-halogenated: F, Cl, Br, I on aromatic atoms are replaced by hydrogen.
* homologue: formula differs by one or two CH2 AND one molecule is the other plus methyl/ethyl groups
  on an aromatic atom, on a ring of five or more atoms, or at the end of a chain. Branching on a
  chain or on a three-membered ring is excluded on purpose: the 2-methyl of a glycidate is what
  makes it a P2P precursor, so ethyl 3-phenylglycidate is not a homologue of BMK ethyl glycidate.
* similar structure: Morgan radius-2 Tanimoto >= 0.75 AND the query contains the entry's whole
  skeleton (strict; strawberry aldehyde scores 0.49 against BMK ethyl glycidate and gets no relation at all).

Only ring-bearing entries with a heteroatom take part: chain-only reagents and solvents (acetone,
ethanol, butyl acetate) and hydrocarbons (toluene, styrene) would make every ordinary ester or
alkylbenzene look like a designer precursor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from bicentennial.precursors.chemistry import Analogue
from bicentennial.precursors.transforms import (
    MAX_HOMOLOGUE_STEPS,  # noqa: F401  re-exported: it was defined here before the split
    Site,
    _skeleton_key,
    dehalogenate,
    deprotect,
    homologue_site,
    hydrolyse,
)

SIMILARITY_THRESHOLD = 0.75
SCORE_DIRECT = 1.0
SCORE_SHARED = 0.95
SCORE_HOMOLOGUE = 0.9
DERIVATIVE = "salt-forming derivative"
RANK = {"ester": 0, "acid": 0, DERIVATIVE: 1, "protected form": 2, "ring-halogenated": 3}
RANK_HOMOLOGUE, RANK_SIMILAR = 4, 5

DETAIL_ESTER = "ester of {target}: ester hydrolysis gives the controlled substance"
DETAIL_ESTER_SHARED = "another ester of the acid of {target}: both hydrolyse to the same acid"
DETAIL_ACID = "free acid of {target}, which is made from it in one step"
DETAIL_DERIVATIVE = "acid derivative of {target}: hydrolysis gives the controlled acid, which forms the same salts"
DETAIL_DERIVATIVE_SHARED = "acid derivative of the same acid as {target}: both hydrolyse to it"
DETAIL_PROTECTED = "protected form of {target}: removing the {groups} group gives the controlled substance"
DETAIL_PROTECTED_SHARED = "protected form of the same core as {target}: removing the {groups} group gives it"
DETAIL_HALOGENATED = "ring-halogenated {target}: replacing the ring {groups} by hydrogen gives the controlled substance"
DETAIL_HOMOLOGUE_MORE = "homologue of {target}: the same skeleton with {n} more CH2 {where}"
DETAIL_HOMOLOGUE_FEWER = "homologue of {target}: the same skeleton with {n} fewer CH2 {where}"
DETAIL_SIMILAR = "structure similar to {target}: contains its whole skeleton, Tanimoto {tanimoto:.2f}"
WHERE_RING = "as a methyl on a ring"
WHERE_CHAIN = "in a chain"
WHERE: dict[Site, str] = {"ring": WHERE_RING, "chain": WHERE_CHAIN}

_FP = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


@dataclass
class _Profile:
    """One molecule with the keys of its transformed forms."""

    mol: Chem.Mol
    key: str
    counts: Counter[str]
    acids: frozenset[str]
    derivatives: frozenset[str]
    deprotected: str | None
    protecting: str
    dehalogenated: str | None
    halogens: str


class AnalogueFinder:
    """Transformed keys of the eligible controlled entries, built once per index (and per worker)."""

    def __init__(self, entries: Iterable[tuple[str, str]], names: Mapping[str, str] | None = None) -> None:
        self._names = dict(names or {})
        self._ids: list[str] = []
        self._profiles: list[_Profile] = []
        self._by_key: dict[str, list[int]] = {}
        self._by_acid: dict[str, list[int]] = {}
        self._by_derivative: dict[str, list[int]] = {}
        self._by_deprotected: dict[str, list[int]] = {}
        self._by_hetero: dict[tuple[tuple[str, int], ...], list[int]] = {}  # homologues share every atom but C and H
        for substance_id, smiles in entries:
            mol = Chem.MolFromSmiles(smiles)
            if mol is not None and _eligible(mol):
                self._index(substance_id, _profile(mol))
        self._fps = [_FP.GetFingerprint(profile.mol) for profile in self._profiles]

    def _index(self, substance_id: str, profile: _Profile) -> None:
        position = len(self._ids)
        self._ids.append(substance_id)
        self._profiles.append(profile)
        self._by_key.setdefault(profile.key, []).append(position)
        for key in profile.acids:
            self._by_acid.setdefault(key, []).append(position)
        for key in profile.derivatives:
            self._by_derivative.setdefault(key, []).append(position)
        if profile.deprotected:
            self._by_deprotected.setdefault(profile.deprotected, []).append(position)
        self._by_hetero.setdefault(_hetero(profile.counts), []).append(position)

    def find(self, parent_smiles: str, *, limit: int = 3) -> list[Analogue]:
        """Best ``limit`` relations, one per entry, rule hits before similarity."""
        mol = Chem.MolFromSmiles(parent_smiles)
        if mol is None or not self._profiles:
            return []
        query = _profile(mol)
        tanimoto = DataStructs.BulkTanimotoSimilarity(_FP.GetFingerprint(mol), self._fps)
        hits: dict[int, tuple[float, int, str, str]] = {}
        for position, relation, score, detail in self._rule_hits(query):
            _keep(hits, position, (score, RANK[relation], relation, detail))
        candidates = set(self._by_hetero.get(_hetero(query.counts), ()))
        candidates.update(i for i, t in enumerate(tanimoto) if t >= SIMILARITY_THRESHOLD)
        for position in sorted(candidates):
            profile = self._profiles[position]
            if profile.key == query.key:
                continue
            homologue = _homologue_detail(query, profile)
            if homologue:
                _keep(hits, position, (SCORE_HOMOLOGUE, RANK_HOMOLOGUE, "homologue", homologue))
            elif tanimoto[position] >= SIMILARITY_THRESHOLD and mol.HasSubstructMatch(profile.mol):
                value = round(tanimoto[position], 3)
                _keep(hits, position, (value, RANK_SIMILAR, "similar structure", DETAIL_SIMILAR))
        # Rule hits first (a similarity can exceed a rule's score), then by score and by rule order.
        ordered = sorted(
            hits.items(),
            key=lambda item: (item[1][1] == RANK_SIMILAR, -item[1][0], item[1][1], -tanimoto[item[0]], item[0]),
        )
        return [self._analogue(position, hit, tanimoto[position]) for position, hit in ordered[:limit]]

    def _rule_hits(self, query: _Profile) -> Iterable[tuple[int, str, float, str]]:
        deprotected = {query.deprotected} if query.deprotected else set()
        dehalogenated = {query.dehalogenated} if query.dehalogenated else set()
        protected = DETAIL_PROTECTED.replace("{groups}", query.protecting)
        shared = DETAIL_PROTECTED_SHARED.replace("{groups}", query.protecting)
        halogenated = DETAIL_HALOGENATED.replace("{groups}", query.halogens)
        lookups = (
            (query.acids, self._by_key, "ester", SCORE_DIRECT, DETAIL_ESTER),
            (query.acids, self._by_acid, "ester", SCORE_SHARED, DETAIL_ESTER_SHARED),
            ({query.key}, self._by_acid, "acid", SCORE_DIRECT, DETAIL_ACID),
            ({query.key}, self._by_derivative, "acid", SCORE_DIRECT, DETAIL_ACID),
            (query.derivatives, self._by_key, DERIVATIVE, SCORE_DIRECT, DETAIL_DERIVATIVE),
            (query.derivatives, self._by_derivative, DERIVATIVE, SCORE_SHARED, DETAIL_DERIVATIVE_SHARED),
            (deprotected, self._by_key, "protected form", SCORE_DIRECT, protected),
            (deprotected, self._by_deprotected, "protected form", SCORE_SHARED, shared),
            (dehalogenated, self._by_key, "ring-halogenated", SCORE_DIRECT, halogenated),
        )
        for keys, table, relation, score, detail in lookups:
            for key in keys:
                yield from ((position, relation, score, detail) for position in table.get(key, ()))

    def _analogue(self, position: int, hit: tuple[float, int, str, str], tanimoto: float) -> Analogue:
        substance_id = self._ids[position]
        name = self._names.get(substance_id)
        target = f"{name} ({substance_id})" if name else substance_id
        detail = hit[3].format(target=target, tanimoto=tanimoto)
        return Analogue(substance_id, hit[2], hit[0], detail)


def _keep(hits: dict[int, tuple[float, int, str, str]], position: int, hit: tuple[float, int, str, str]) -> None:
    """One relation per entry: any rule beats similarity, then the higher score, then the earlier rule."""
    old = hits.get(position)
    if old is None or _strength(hit) > _strength(old):
        hits[position] = hit


def _strength(hit: tuple[float, int, str, str]) -> tuple[bool, float, int]:
    return hit[1] != RANK_SIMILAR, hit[0], -hit[1]


def _eligible(mol: Chem.Mol) -> bool:
    has_ring = mol.GetRingInfo().NumRings() > 0
    return has_ring and any(atom.GetAtomicNum() not in (1, 6) for atom in mol.GetAtoms())


def _profile(mol: Chem.Mol) -> _Profile:
    deprotected, protecting = deprotect(mol)
    dehalogenated, halogens = dehalogenate(mol)
    return _Profile(
        mol=mol,
        key=_skeleton_key(mol),
        counts=_counts(mol),
        acids=hydrolyse(mol, esters_only=True),
        derivatives=hydrolyse(mol, esters_only=False),
        deprotected=deprotected,
        protecting=protecting,
        dehalogenated=dehalogenated,
        halogens=halogens,
    )


def _hetero(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((k, v) for k, v in counts.items() if k not in ("C", "H") and v))


def _counts(mol: Chem.Mol) -> Counter[str]:
    counts: Counter[str] = Counter()
    for atom in mol.GetAtoms():
        counts[atom.GetSymbol()] += 1
        counts["H"] += atom.GetTotalNumHs()
    return counts


def _homologue_detail(query: _Profile, entry: _Profile) -> str | None:
    """Detail template when one molecule is the other plus CH2 units at an allowed place."""
    found = homologue_site(query.mol, query.counts, entry.mol, entry.counts)
    if found is None:
        return None
    steps, site = found
    template = DETAIL_HOMOLOGUE_MORE if steps > 0 else DETAIL_HOMOLOGUE_FEWER
    return template.replace("{n}", str(abs(steps))).replace("{where}", WHERE[site])
