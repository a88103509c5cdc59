"""Structure identification against the bundled reference list (controlled.csv, SOURCES.md §1-3)."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pytest
from rdkit import Chem, rdBase

import bicentennial.precursors as precursors_package
from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.chemistry import (
    Structure,
    StructureError,
    StructureIndex,
    detect_kind,
    draw_svg,
    parse_structure,
    whole_keys,
)

CSV = Path(precursors_package.__file__).parent / "data" / "controlled.csv"
SAME_CONNECTIVITY = {"C008": "C026", "C026": "C008", "C016": "C054", "C054": "C016", "C058": "C059", "C059": "C058"}
EPHEDRINE = "CN[C@@H](C)[C@H](O)c1ccccc1"
PSEUDOEPHEDRINE = "CN[C@@H](C)[C@@H](O)c1ccccc1"
ERGOMETRINE = "C[C@@H](CO)NC(=O)[C@H]1CN([C@@H]2CC3=CNC4=CC=CC(=C34)C2=C1)C"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def index(rows: list[dict[str, str]]) -> StructureIndex:
    return StructureIndex((row["id"], row["smiles"]) for row in rows)


def _expected(substance_id: str) -> list[str]:
    return sorted({substance_id, SAME_CONNECTIVITY.get(substance_id, substance_id)})


def _inchi(smiles: str) -> str:
    with rdBase.BlockLogs():
        return str(Chem.MolToInchi(Chem.MolFromSmiles(smiles)))


def test_every_entry_finds_itself_by_smiles_inchikey_and_inchi(rows, index):
    assert len(rows) == 85
    for row in rows:
        expected = _expected(row["id"])
        assert index.exact(parse_structure(row["smiles"])) == expected, row["id"]
        assert index.exact(parse_structure(row["inchikey"])) == expected, row["id"]
        assert index.exact(parse_structure(_inchi(row["smiles"]))) == expected, row["id"]


def test_keys_reproduce_the_published_inchikeys(rows):
    for row in rows:
        structure = parse_structure(row["smiles"])
        assert structure.whole_key == row["inchikey_connectivity"], row["id"]
        assert whole_keys(row["smiles"]) == row["inchikey_connectivity"], row["id"]
        if "." not in row["smiles"]:
            assert structure.inchikey == row["inchikey"], row["id"]
            assert structure.connectivity == row["inchikey_connectivity"], row["id"]


@pytest.mark.parametrize(
    ("smiles", "expected", "removed"),
    [
        (EPHEDRINE + ".Cl", ["C008", "C026"], ("Cl",)),
        (f"{PSEUDOEPHEDRINE}.{PSEUDOEPHEDRINE}.OS(=O)(=O)O", ["C008", "C026"], ("O=S(=O)(O)O",)),
        ("[Na+].CC1(C(=O)[O-])OC1c1ccc2c(c1)OCO2", ["C015"], ("[Na+]",)),
        ("Cl.Cl.C1CC(CCN1)Nc1ccccc1", ["C005"], ("Cl",)),
        ("O=C1CCNCC1.Cl.O", ["C024"], ("Cl", "O")),
        ("[Na+].[O-]C(=O)Cc1ccccc1", ["C022"], ("[Na+]",)),
        ("[Na]OC(=O)Cc1ccccc1", ["C022"], ("[Na+]",)),
        (ERGOMETRINE + ".OC(=O)/C=C\\C(=O)O", ["C009"], ("O=C(O)C=CC(=O)O",)),
        ("CN.Cl", ["C055"], ("Cl",)),
        ("C[NH3+].[Cl-]", ["C055"], ("Cl",)),
    ],
)
def test_salts_map_to_the_parent(index, smiles, expected, removed):
    structure = parse_structure(smiles)
    assert index.exact(structure) == expected
    assert structure.removed == removed


def test_salt_parent_is_neutralised_and_reported():
    structure = parse_structure("[Na+].CC1(C(=O)[O-])OC1c1ccc2c(c1)OCO2")
    assert structure.neutralised
    assert structure.parent_smiles == "CC1(C(=O)O)OC1c1ccc2c(c1)OCO2"
    assert structure.connectivity == "HZXMIVDAWKVPKJ"
    assert not parse_structure("CC(=O)Cc1ccccc1").neutralised


def test_stereoisomers_and_racemates_map_to_the_parent(index):
    inverted = parse_structure("CN[C@H](C)[C@@H](O)c1ccccc1")  # (+)-ephedrine: both centres inverted
    racemic = parse_structure("CNC(C)C(O)c1ccccc1")
    assert index.exact(inverted) == ["C008", "C026"]
    assert index.exact(racemic) == ["C008", "C026"]
    assert inverted.has_stereo
    assert not racemic.has_stereo
    assert index.exact(parse_structure("NC(C)C(O)c1ccccc1")) == ["C016", "C054"]
    assert index.exact(parse_structure("C/C=C/c1ccc2c(c1)OCO2")) == ["C011"]  # trans-isosafrole


def test_deuterated_and_tautomer_inputs_fall_back_to_the_inchikey(index):
    # The skeleton SMILES differs; the heavy-atom gate lets the InChIKey decide.
    assert index.exact(parse_structure("[2H]C([2H])([2H])N[C@@H](C)[C@H](O)c1ccccc1")) == ["C008", "C026"]
    # N-acetylanthranilic acid drawn as its imidic-acid tautomer: standard InChI treats the H as mobile.
    assert index.exact(parse_structure("CC(O)=Nc1ccccc1C(=O)O")) == ["C002"]


@pytest.mark.parametrize(
    ("smiles", "formula_of"),
    [
        ("CCOC(=O)C1OC1(C)c1ccccc1", "C12H14O3"),  # strawberry aldehyde, 77-83-8 (vs BMK ethyl glycidate)
        ("CCOC(=O)C1OC1c1ccccc1", "C11H12O3"),  # ethyl 3-phenylglycidate, 121-39-1 (vs BMK methyl glycidate)
        ("COC(=O)/C=C/c1ccccc1", "C10H10O2"),  # methyl cinnamate (vs PMK / isosafrole family formula)
        ("CCOC(=O)CC(=O)c1ccccc1", "C11H12O3"),  # ethyl benzoylacetate (vs MAPA)
        ("COC(=O)/C=C/c1ccc(OC)cc1", "C11H12O3"),  # methyl 4-methoxycinnamate
        ("C=CCc1ccc(OC(C)=O)c(OC)c1", "C12H14O3"),  # eugenyl acetate, a clove flavour
        ("COC(=O)c1ccccc1N", "C8H9NO2"),  # methyl anthranilate: an analogue, never an exact match
    ],
)
def test_look_alikes_are_not_exact_matches(index, smiles, formula_of):
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    assert CalcMolFormula(Chem.MolFromSmiles(smiles)) == formula_of
    assert index.exact(parse_structure(smiles)) == []


@pytest.mark.parametrize(
    "smiles",
    [
        "[Na+].[Cl-]",
        "[K+].[Cl-]",
        "[Na+].[Na+].[O-]S([O-])(=O)=O",
        "[NH4+].[Cl-]",
        "[Na+].[I-]",
        "[K+].[K+].[O-]C([O-])=O",
    ],
)
def test_inorganic_salts_are_not_their_acids(index, smiles):
    assert index.exact(parse_structure(smiles)) == []


def test_inorganic_entries_match_as_whole_substances(index):
    assert index.exact(parse_structure("[K+].[O-][Mn](=O)(=O)=O")) == ["C025"]
    assert index.exact(parse_structure("[Na+].[O-][Mn](=O)(=O)=O")) == ["C071"]
    assert index.exact(parse_structure("[P]")) == ["C064"]
    assert index.exact(parse_structure("P12P3P1P23")) == ["C065"]
    assert index.exact(parse_structure("P")) == []  # phosphine is neither allotrope
    assert index.exact(parse_structure("O[Mn](=O)(=O)=O")) == []  # permanganic acid is not KMnO4
    assert index.exact(parse_structure("Cl.O")) == ["C047"]  # hydrate water is not part of the identity
    assert index.exact(parse_structure("[Na]C#N")) == ["C073"]
    assert index.exact(parse_structure("C#N")) == []  # HCN is not sodium cyanide


def test_hypophosphite_salts_map_to_hypophosphorous_acid(index):
    # 21 CFR 1310.02(a) lists "hypophosphorous acid and its salts".
    assert index.exact(parse_structure("[Na+].[O-][PH2]=O")) == ["C066"]
    assert index.exact(parse_structure("[Ca+2].[O-][PH2]=O.[O-][PH2]=O")) == ["C066"]


def test_inchikey_input():
    structure = parse_structure("KWGRBVOPPLSCSI-WPRPVWTQSA-N")
    assert structure.kind == "inchikey"
    assert structure.connectivity == "KWGRBVOPPLSCSI"
    assert structure.parent_smiles is None
    assert structure.whole_key is None
    assert structure.has_stereo
    assert not parse_structure("QCCDLTOVEPVEJK-UHFFFAOYSA-N").has_stereo


def test_molfile_input(index):
    molblock = Chem.MolToMolBlock(Chem.MolFromSmiles("CC(=O)Cc1ccccc1"))
    structure = parse_structure(molblock)
    assert structure.kind == "molfile"
    assert index.exact(structure) == ["C020"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("InChI=1S/CH4/h1H4", "inchi"),
        ("QCCDLTOVEPVEJK-UHFFFAOYSA-N", "inchikey"),
        ("\n  RDKit\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n", "molfile"),
        ("CC(=O)Cc1ccccc1", "smiles"),
        ("QCCDLTOVEPVEJK-UHFFFAOYSA", "smiles"),
    ],
)
def test_detect_kind(text, kind):
    assert detect_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("C1CC", None, "SMILES 'C1CC' does not parse: unclosed ring"),
        ("XYZ", None, "SMILES 'XYZ' does not parse"),
        ("C(C)(C)(C)(C)C", None, "valence"),
        ("InChI=garbage", None, "InChI 'InChI=garbage' does not parse"),
        ("QCCDLTOVEPVEJK-UHFFFAOYSA-NX", "inchikey", "InChIKey 'QCCDLTOVEPVEJK-UHFFFAOYSA-NX' is malformed"),
        ("qccdltovepvejk-uhfffaoysa-n", "inchikey", "is malformed"),
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("\n  RDKit\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n", None, "the molfile describes no atoms"),
        ("CCO", "pdb", "unknown structure kind 'pdb'"),
        ("*CC(=O)O", None, "unspecified atom"),
    ],
)
def test_malformed_input_raises_a_readable_error(text, kind, words):
    with pytest.raises(StructureError) as caught:
        parse_structure(text, kind)
    assert words in caught.value.message
    assert isinstance(caught.value, InvalidInput)
    assert "Traceback" not in caught.value.message


def test_structure_is_frozen_and_keys_are_lazy_but_exact():
    structure = parse_structure(EPHEDRINE + ".Cl")
    assert isinstance(structure, Structure)
    with pytest.raises(AttributeError):
        structure.kind = "inchi"  # type: ignore[misc]
    assert structure.inchikey == "KWGRBVOPPLSCSI-WPRPVWTQSA-N"
    assert structure.whole_key == "BALXUFOVQVENIU"  # ephedrine hydrochloride as one substance
    assert structure.skeleton == "CNC(C)C(O)c1ccccc1"
    assert parse_structure("OC(=O)Cc1ccccc1") == parse_structure("O=C(O)Cc1ccccc1")


def test_index_survives_pickling(index):
    copy = pickle.loads(pickle.dumps(index))  # noqa: S301 - our own bytes
    assert copy.exact(parse_structure(EPHEDRINE)) == ["C008", "C026"]
    structure = pickle.loads(pickle.dumps(parse_structure(EPHEDRINE)))  # noqa: S301 - our own bytes
    assert structure.connectivity == "KWGRBVOPPLSCSI"


def test_draw_svg_is_inline_html():
    svg = draw_svg(EPHEDRINE, width=200, height=150)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "width='200px'" in svg
    assert svg.rstrip().endswith("</svg>")
    with pytest.raises(StructureError):
        draw_svg("C1CC")
