"""Registry look-up on parent and whole-substance keys. Two traps (controlled.csv SOURCES.md §2) decide it:

* stripping sodium chloride leaves "HCl", a listed acid, yet the 1988 Convention excludes the salts
  of hydrochloric and sulphuric acid. Inorganic entries (no carbon, or a metal salt such as a
  permanganate) are therefore indexed only by the key of the *whole* substance;
* the only inorganic entry whose salts are controlled is hypophosphorous acid: 21 CFR 1310.02(a)
  lists "hypophosphorous acid and its salts", so sodium or calcium hypophosphite map to it.

Split from :mod:`bicentennial.precursors.chemistry`, which still re-exports :class:`StructureIndex`.
This module imports chemistry and never the other way round at import time, so unpickling an index
in a worker (which imports this module first) cannot meet a half-initialised module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rdkit import Chem

from bicentennial.precursors.chemistry import _METALS, Analogue, Structure, _has_carbon, parse_structure

if TYPE_CHECKING:
    from bicentennial.precursors.analogues import AnalogueFinder

# Inorganic entries whose salts are covered (canonical parent SMILES): 21 CFR 1310.02(a)(28).
SALT_COVERED_INORGANIC = frozenset({"O=[PH2]O"})


def _is_whole_only(mol: Chem.Mol) -> bool:
    """Inorganic acids, elements and metal salts are controlled as whole substances (SOURCES.md §2)."""
    return not _has_carbon(mol) or any(atom.GetAtomicNum() in _METALS for atom in mol.GetAtoms())


class StructureIndex:
    """Registry keys in dicts, so exact() is O(1); picklable (SMILES and strings only).

    ``names`` (optional, id -> preferred name) only makes analogue explanations read better.
    """

    def __init__(self, entries: Iterable[tuple[str, str]], *, names: Mapping[str, str] | None = None) -> None:
        self._by_parent: dict[str, list[str]] = {}
        self._by_skeleton: dict[str, list[str]] = {}
        self._by_whole: dict[str, list[str]] = {}
        self._parent_formulas: set[str] = set()
        self._whole_formulas: set[str] = set()
        self._organic: list[tuple[str, str]] = []
        self._names: dict[str, str] = dict(names or {})
        self._finder: AnalogueFinder | None = None
        self._found: Any = None
        for substance_id, smiles in entries:
            self._add(substance_id, smiles)

    def _add(self, substance_id: str, smiles: str) -> None:
        structure = parse_structure(smiles, "smiles")
        whole_only = _is_whole_only(Chem.MolFromSmiles(smiles))
        if whole_only:
            self._by_whole.setdefault(structure.whole_key or "", []).append(substance_id)
            self._whole_formulas.add(structure.whole_formula or structure.heavy_formula)
        else:
            self._organic.append((substance_id, structure.parent_smiles or smiles))
        if not whole_only or structure.parent_smiles in SALT_COVERED_INORGANIC:
            ids = self._by_parent.setdefault(structure.connectivity, [])
            ids.append(substance_id)
            self._by_skeleton[structure.skeleton] = ids  # shared list: every id with this connectivity
            self._parent_formulas.add(structure.heavy_formula)

    def exact(self, structure: Structure) -> list[str]:
        """Whole-substance match for inorganic entries, parent match for the rest (SOURCES.md §2 rule order).

        A carbon-free input can only reach the parent dict through a salt-covered inorganic entry,
        because no other carbon-free entry is put there: NaCl never becomes hydrochloric acid. The
        skeleton SMILES answers most look-ups; InChI is computed only when the heavy atoms agree with
        some entry, so a tautomer drawn differently is still caught by its InChIKey.
        """
        if structure.kind == "inchikey":
            key = structure.connectivity
            return sorted({*self._by_whole.get(key, ()), *self._by_parent.get(key, ())})
        found: set[str] = set()
        if (structure.whole_formula or structure.heavy_formula) in self._whole_formulas:
            found.update(self._by_whole.get(structure.whole_key or "", ()))
        ids = self._by_skeleton.get(structure.skeleton)
        if ids is None and structure.heavy_formula in self._parent_formulas:
            ids = self._by_parent.get(structure.connectivity)
        found.update(ids or ())
        return sorted(found)

    def analogues(self, structure: Structure, *, limit: int = 3) -> list[Analogue]:
        """Possible designer precursors of an unmatched structure (see analogues.py for the rules)."""
        if structure.parent_smiles is None or limit <= 0:
            return []
        if self._finder is None:
            from bicentennial.precursors.analogues import AnalogueFinder

            self._finder = AnalogueFinder(self._organic, self._names)
            self._found = lru_cache(maxsize=65536)(self._finder.find)
        # Keyed by the parent's canonical SMILES: a salt, a hydrate or another spelling of a molecule
        # already searched costs a dictionary lookup.
        return list(self._found(structure.parent_smiles, limit=limit))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_found"] = None
        state["_finder"] = None  # rebuilt lazily in the worker: RDKit objects stay out of the pickle
        return state
