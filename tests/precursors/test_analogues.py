"""Designer-precursor relations of unlisted structures to the bundled reference list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import bicentennial.precursors as precursors_package
from bicentennial.precursors.analogues import SIMILARITY_THRESHOLD, deprotect, hydrolyse
from bicentennial.precursors.chemistry import RELATIONS, Analogue, StructureIndex, parse_structure

CSV = Path(precursors_package.__file__).parent / "data" / "controlled.csv"
GLYCIDATES = {"C015", "C021", *(f"C0{n}" for n in range(28, 44))}


@pytest.fixture(scope="module")
def index() -> StructureIndex:
    with CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return StructureIndex(((r["id"], r["smiles"]) for r in rows), names={r["id"]: r["preferred_name_en"] for r in rows})


def _analogues(index: StructureIndex, smiles: str, limit: int = 3) -> list[Analogue]:
    structure = parse_structure(smiles)
    assert index.exact(structure) == [], "analogues are asked only for unmatched structures"
    return index.analogues(structure, limit=limit)


@pytest.mark.parametrize(
    ("smiles", "first", "relation", "also"),
    [
        ("CCCCCOC(=O)C1(C)OC1c1ccccc1", "C021", "ester", "C032"),  # pentyl P-2-P methyl glycidate
        ("COC(=O)c1ccccc1N", "C045", "ester", None),  # methyl anthranilate: US "esters of anthranilic acid"
        ("CCOC(=O)Cc1ccccc1", "C022", "ester", None),  # ethyl phenylacetate
        ("CC(=O)O[C@@H](c1ccccc1)[C@H](C)NC", "C008", "ester", "C026"),  # O-acetylephedrine
        ("CCOC(=O)C(C(C)=O)c1ccccc1", "C013", "ester", "C019"),  # EAPA, the ethyl homologue of MAPA
        ("CC(=O)C(C(=O)O)c1ccccc1", "C018", "acid", "C013"),  # alpha-phenylacetoacetic acid (APAA, MAPA)
        ("NC(=O)Cc1ccccc1", "C022", "salt-forming derivative", "C052"),  # phenylacetamide
        ("ClC(=O)Cc1ccccc1", "C022", "salt-forming derivative", None),  # phenylacetyl chloride
        ("CC1(C(N)=O)OC1c1ccc2c(c1)OCO2", "C015", "salt-forming derivative", None),  # PMK glycidamide
        ("O=C1CCN(C(=O)OCc2ccccc2)CC1", "C024", "protected form", "C007"),  # 1-Cbz-4-piperidone
        ("O=C1CCN(Cc2ccccc2)CC1", "C024", "protected form", "C007"),  # 1-benzyl-4-piperidone
        ("C1CC2(CCN1)OCCO2", "C024", "protected form", "C007"),  # 4-piperidone ethylene ketal
        ("COC1(OC)CCNCC1", "C024", "protected form", None),  # 4-piperidone dimethyl acetal
        ("CC(=O)N1CCC(Nc2ccccc2)CC1", "C005", "protected form", "C006"),  # N-acetyl-4-AP
        ("CCC(=O)N(c1ccccc1)C1CCN(C(=O)OC(C)(C)C)CC1", "C017", "protected form", None),  # N-Boc-norfentanyl
        ("COC(C)(OC)Cc1ccc2c(c1)OCO2", "C014", "protected form", None),  # PMK dimethyl ketal
        ("CC(=O)Cc1ccc(F)cc1", "C020", "ring-halogenated", None),  # 4-fluorophenylacetone
        ("CC(=O)Cc1cc2c(cc1Cl)OCO2", "C014", "ring-halogenated", None),  # 2-chloro-PMK
        ("Fc1ccc(NC2CCN(CCc3ccccc3)CC2)cc1", "C003", "ring-halogenated", None),  # 4-fluoro-ANPP
        ("CCC(=O)Cc1ccccc1", "C020", "homologue", None),  # 1-phenyl-2-butanone
        ("CC(=O)Cc1ccc(C)cc1", "C020", "homologue", None),  # 4-methylphenylacetone
        ("CC1CNCCC1=O", "C024", "homologue", None),  # 3-methyl-4-piperidone (3-methylfentanyl route)
    ],
)
def test_designer_precursors(index, smiles, first, relation, also):
    found = _analogues(index, smiles)
    assert found[0].substance_id == first
    assert found[0].relation == relation
    assert first in found[0].detail
    if also:
        assert also in {a.substance_id for a in found}


def test_details_name_the_entry_and_the_chemistry(index):
    ester = _analogues(index, "CCCCCOC(=O)C1(C)OC1c1ccccc1")[0]
    assert ester.detail == (
        "ester of P-2-P methyl glycidic acid (C021): ester hydrolysis gives the controlled substance"
    )
    assert ester.score == 1.0
    protected = _analogues(index, "O=C1CCN(C(=O)OCc2ccccc2)CC1")[0]
    assert "removing the Cbz group" in protected.detail
    halogenated = _analogues(index, "CC(=O)Cc1ccc(F)cc1")[0]
    assert "fluorine" in halogenated.detail


def test_results_are_ordered_limited_and_one_per_entry(index):
    found = _analogues(index, "CCCCCOC(=O)C1(C)OC1c1ccccc1", limit=10)
    assert len(found) == 9  # the acid C021 and its eight listed esters
    assert {a.substance_id for a in found} == {"C021", *(f"C0{n}" for n in range(28, 36))}
    assert [a.score for a in found] == sorted((a.score for a in found), reverse=True)
    assert all(a.relation in RELATIONS and 0.0 <= a.score <= 1.0 for a in found)
    assert len(_analogues(index, "CCCCCOC(=O)C1(C)OC1c1ccccc1", limit=2)) == 2
    assert _analogues(index, "CCCCCOC(=O)C1(C)OC1c1ccccc1", limit=0) == []


def test_protected_form_outranks_homologue(index):
    # Acetyl-norfentanyl: protected 4-AP (rule 2) and one CH2 short of norfentanyl (rule 4).
    found = _analogues(index, "CC(=O)N(c1ccccc1)C1CCNCC1")
    assert [(a.substance_id, a.relation) for a in found] == [
        ("C005", "protected form"),
        ("C006", "protected form"),
        ("C017", "homologue"),
    ]
    assert "1 fewer CH2" in found[2].detail


@pytest.mark.parametrize(
    "smiles",
    [
        "CCOC(=O)C1OC1(C)c1ccccc1",  # strawberry aldehyde: Tanimoto 0.49 to BMK ethyl glycidate
        "CCOC(=O)C1OC1c1ccccc1",  # ethyl 3-phenylglycidate: lacks the 2-methyl that makes P2P
        "COC(=O)C1OC1c1ccccc1",  # methyl 3-phenylglycidate
        "COC(=O)/C=C/c1ccccc1",  # methyl cinnamate
        "CC(=O)CCc1ccccc1",  # benzylacetone: a chain insertion, not a P2P homologue
        "CCCC(=O)c1ccccc1",  # butyrophenone
        "C=CCc1ccc(OC(C)=O)c(OC)c1",  # eugenyl acetate
        "Cn1cnc2c1c(=O)n(C)c(=O)n2C",  # caffeine
        "CC(=O)Oc1ccccc1C(=O)O",  # aspirin: an ester of salicylic, not anthranilic, acid
        "CCCCCCCC",  # octane: chain-only reagents (heptane, C077) take no part in analogue rules
    ],
)
def test_look_alikes_get_no_designer_relation(index, smiles):
    assert _analogues(index, smiles, limit=10) == []


def test_strawberry_aldehyde_is_never_tied_to_a_glycidate(index):
    found = _analogues(index, "CCOC(=O)C1OC1(C)c1ccccc1", limit=50)
    assert not [a for a in found if a.substance_id in GLYCIDATES]


def test_inchikey_structures_have_no_analogues(index):
    assert index.analogues(parse_structure("QCCDLTOVEPVEJK-UHFFFAOYSB-N")) == []


def test_similar_structure_requires_the_whole_skeleton(index):
    # Ergotamine with a methoxy on its benzyl ring keeps the whole skeleton and stays very similar.
    extra = (
        "C[C@@]1(C(=O)N2[C@H](C(=O)N3CCC[C@H]3[C@@]2(O1)O)Cc1ccc(OC)cc1)"
        "NC(=O)[C@H]1CN([C@@H]2CC3=CNC4=CC=CC(=C34)C2=C1)C"
    )
    found = _analogues(index, extra)
    similar = [a for a in found if a.relation == "similar structure"]
    assert similar
    assert similar[0].substance_id == "C010"
    assert similar[0].score >= SIMILARITY_THRESHOLD


def test_transforms():
    from rdkit import Chem

    def key(smiles: str) -> str:
        return Chem.MolToSmiles(Chem.MolFromSmiles(smiles), isomericSmiles=False)

    acids = hydrolyse(Chem.MolFromSmiles("CCOC(=O)C1(C)OC1c1ccccc1"), esters_only=True)
    assert acids == {key("CC1(C(=O)O)OC1c1ccccc1")}
    assert hydrolyse(Chem.MolFromSmiles("O=C1CCCO1"), esters_only=True) == frozenset()  # lactones stay closed
    found, groups = deprotect(Chem.MolFromSmiles("CC(C)(C)OC(=O)N1CCC2(CC1)OCCO2"))
    assert found == key("O=C1CCNCC1")
    assert groups == "Boc, ketal"
    assert deprotect(Chem.MolFromSmiles("O=C1CCN(CCc2ccccc2)CC1")) == (None, "")  # phenethyl is no protecting group
