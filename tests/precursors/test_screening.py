"""The screening engine on the bundled list: every substance by every identifier, salts and isomers to
the parent, the look-alikes that must stay clear, conflicts, dates and per-row errors."""

from __future__ import annotations

from datetime import date

import pytest
from rdkit import Chem

from bicentennial.precursors.registry import bundled
from bicentennial.precursors.screening import Screener

REGISTRY = bundled()
SUBSTANCES = REGISTRY.substances


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(REGISTRY, as_of=date(2026, 11, 1))


def _found(verdict_substance: str | None, others: tuple[str, ...], sid: str) -> bool:
    return verdict_substance == sid or sid in others


@pytest.mark.parametrize("substance", SUBSTANCES, ids=lambda s: s.id)
def test_every_substance_by_each_identifier(screener: Screener, substance) -> None:  # type: ignore[no-untyped-def]
    tries = {
        "name": substance.name_en,
        "name_es": substance.name_es,
        "smiles": substance.smiles,
        "inchikey": substance.inchikey,
    }
    if substance.cas:
        tries["cas"] = substance.cas
    inchi = Chem.MolToInchi(Chem.MolFromSmiles(substance.smiles))
    tries["inchi"] = inchi
    for field, value in tries.items():
        verdict = screener.screen({field.removesuffix("_es"): value})
        assert verdict.verdict in ("controlled", "review"), (field, value, verdict)
        assert _found(verdict.substance, verdict.others, substance.id), (
            field,
            value,
            verdict.substance,
            verdict.others,
        )
        if any(item.binding for item in substance.listings_on(screener.as_of)):
            assert verdict.verdict == "controlled", (field, verdict)


@pytest.mark.parametrize(
    ("fields", "parent"),
    [
        ({"name": "Clorhidrato de efedrina"}, "C008"),
        ({"name": "(-)-Ephedrine HCl"}, "C008"),
        ({"cas": "50-98-6"}, "C008"),  # ephedrine hydrochloride
        ({"smiles": "CN[C@@H](C)[C@H](O)c1ccccc1.Cl"}, "C008"),
        (
            {"smiles": "CN[C@@H](C)[C@@H](O)c1ccccc1.CN[C@@H](C)[C@@H](O)c1ccccc1.OS(=O)(=O)O"},
            "C026",
        ),  # pseudoephedrine sulfate
        ({"smiles": "CNC(C)C(O)c1ccccc1"}, "C008"),  # no stereo: ephedrine and pseudoephedrine share the key
        ({"smiles": "CN[C@H](C)[C@@H](O)c1ccccc1"}, "C008"),  # (+)-ephedrine, the enantiomer
        ({"name": "4-Piperidone HCl monohydrate"}, "C024"),
        ({"cas": "40064-34-4"}, "C024"),
        ({"smiles": "O=C([O-])Cc1ccccc1.[Na+]"}, "C022"),  # sodium phenylacetate
        ({"cas": "5449-12-7"}, "C021"),  # BMK glycidate sodium salt
        ({"smiles": "C1CC(CCN1)Nc1ccccc1.Cl.Cl"}, "C005"),  # 4-AP dihydrochloride
        ({"name": "efedirna"}, "C008"),  # one typo
        ({"name": "ANHIDRIDO ACETICO"}, "C001"),
    ],
)
def test_salts_isomers_and_spellings_map_to_the_parent(screener: Screener, fields: dict[str, str], parent: str) -> None:
    verdict = screener.screen(fields)
    assert verdict.verdict == "controlled", verdict
    assert _found(verdict.substance, verdict.others, parent), verdict


@pytest.mark.parametrize(
    "fields",
    [
        {
            "name": "Strawberry aldehyde",
            "cas": "77-83-8",
            "smiles": "CCOC(=O)C1OC1(C)c1ccccc1",
        },  # C12H14O3 like BMK ethyl glycidate
        {"name": "ethyl methylphenylglycidate"},  # its name differs from BMK ethyl glycidate's by locants only
        {"smiles": "CCOC(=O)C1OC1c1ccccc1"},  # ethyl 3-phenylglycidate (C11H12O3 like MAPA and BMK methyl glycidate)
        {"smiles": "COC(=O)C=Cc1ccccc1"},  # methyl cinnamate
        {"name": "sodium chloride", "smiles": "[Na+].[Cl-]", "cas": "7647-14-5"},  # not hydrochloric acid
        {"smiles": "[Na+].[Na+].[O-]S([O-])(=O)=O"},  # sodium sulfate is not sulphuric acid
        {"name": "potassium chloride", "smiles": "[K+].[Cl-]"},
        {"name": "vanillin", "smiles": "COc1cc(C=O)ccc1O"},
    ],
)
def test_look_alikes_are_not_controlled(screener: Screener, fields: dict[str, str]) -> None:
    verdict = screener.screen(fields)
    assert verdict.verdict != "controlled", verdict
    assert verdict.verdict != "error", verdict


def test_methyl_anthranilate_is_controlled_in_the_us_only(screener: Screener) -> None:
    for fields in ({"name": "methyl anthranilate"}, {"cas": "134-20-3"}, {"smiles": "COC(=O)c1ccccc1N"}):
        verdict = screener.screen(fields)
        assert verdict.verdict == "controlled", (fields, verdict)
        assert verdict.substance == "C045"
        assert verdict.lists and all(code.startswith("US-") for code in verdict.lists), verdict.lists
    parent = screener.screen({"name": "anthranilic acid"})
    assert {"UN-II", "US-ListI", "MX-essential"} <= set(parent.lists)


def test_designer_precursor_goes_to_review_with_its_relation(screener: Screener) -> None:
    verdict = screener.screen({"smiles": "CC(=O)Cc1ccc(F)cc1"})  # 4-fluorophenylacetone
    assert verdict.verdict == "review"
    assert verdict.substance == "C020" and verdict.relation == "ring-halogenated"
    assert any(r.rule == "analogue" for r in verdict.reasons)
    assert 0 < (verdict.score or 0) <= 1


def test_conflicting_fields_are_flagged(screener: Screener) -> None:
    verdict = screener.screen({"cas": "103-79-7", "name": "acetone"})
    assert verdict.conflict
    assert verdict.verdict == "controlled" and verdict.substance == "C020" and "C044" in verdict.others
    assert any(r.rule == "conflict" for r in verdict.reasons)
    agreeing = screener.screen({"cas": "103-79-7", "name": "phenylacetone", "hs_code": "2914.31"})
    assert not agreeing.conflict and any(r.rule == "hs-agrees" for r in agreeing.reasons)


def test_hs_code_alone_never_makes_a_substance_controlled(screener: Screener) -> None:
    verdict = screener.screen({"hs_code": "2939.41"})  # ephedrines' subheading
    assert verdict.verdict == "review" and verdict.substance == "C008"
    assert screener.screen({"hs_code": "0101.21"}).verdict == "clear"


def test_as_of_date_follows_the_listing_dates() -> None:
    before = Screener(REGISTRY, as_of=date(2024, 6, 1)).screen({"name": "4-piperidone"})
    assert before.verdict == "controlled" and before.lists == ("US-ListI",)  # US since 2023-05-12, UN from 2024-12-03
    after = Screener(REGISTRY, as_of=date(2025, 1, 1)).screen({"name": "4-piperidone"})
    assert set(after.lists) == {"UN-I", "US-ListI"}
    early = Screener(REGISTRY, as_of=date(2022, 1, 1)).screen({"name": "4-piperidone"})
    assert early.verdict == "clear" and any(r.rule == "not-in-force" for r in early.reasons)


def test_reported_only_listing_goes_to_review(screener: Screener) -> None:
    verdict = screener.screen({"name": "estireno"})  # styrene: only on Mexico's reported dual-use list
    assert verdict.verdict == "review" and verdict.lists == ("MX-dualuse-reported",)


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"cas": "103-79-8"}, "cas-invalid"),
        ({"cas": "12-3"}, "cas-invalid"),
        ({"smiles": "C1CC"}, "structure-invalid"),
        ({"inchikey": "NOT-A-KEY"}, "structure-invalid"),
        ({}, "empty-row"),
    ],
)
def test_malformed_fields_are_row_errors(screener: Screener, fields: dict[str, str], rule: str) -> None:
    verdict = screener.screen(fields)
    assert verdict.verdict == "error"
    assert any(r.rule == rule for r in verdict.reasons)


def test_a_bad_field_still_reports_what_the_others_found(screener: Screener) -> None:
    verdict = screener.screen({"cas": "299-42-4", "name": "ephedrine"})
    assert verdict.verdict == "error" and verdict.substance == "C008"


def test_reasons_read_in_spanish(screener: Screener) -> None:
    from bicentennial.core.i18n import gettext_for

    verdict = screener.screen({"cas": "67-64-1"})
    text = verdict.reasons[0].text(gettext_for("es"), lambda sid: REGISTRY.by_id[sid].name("es"))
    assert "Acetona" in text and "CAS 67-64-1" in text
