"""Manifests: headers in English or Spanish, CSV dialects, XLSX, rows with the wrong shape, streaming."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bicentennial.core.errors import InvalidInput
from bicentennial.precursors.batch import Summary, screen_rows
from bicentennial.precursors.manifest import canonical_header, open_manifest
from bicentennial.precursors.registry import bundled
from bicentennial.precursors.screening import Screener


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Nombre", "name"),
        ("Fracción arancelaria", "hs_code"),
        ("fraccion_arancelaria", "hs_code"),
        ("HS Code", "hs_code"),
        ("CAS No.", "cas"),
        ("Cantidad", "quantity"),
        ("UNIDAD", "unit"),
        ("Importador", "importer"),
        ("exporter", "exporter"),
        ("InChIKey", "inchikey"),
        ("Comments", None),
    ],
)
def test_headers_are_recognised(header: str, field: str | None) -> None:
    assert canonical_header(header) == field


def test_semicolon_latin1_csv_with_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "manifiesto.csv"
    text = (
        "Nombre;CAS;Cantidad;Unidad;Observación\n"
        "Ácido fenilacético;103-82-2;10;kg;ok\nAcetona;67-64-1\n;;;;\nTolueno;108-88-3;5;L;x\n"
    )
    path.write_bytes(text.encode("latin-1"))
    manifest = open_manifest(path)
    assert set(manifest.columns) == {"name", "cas", "quantity", "unit"}
    summary = Summary()
    rows = list(screen_rows(manifest.rows, Screener(bundled()), summary=summary))
    assert [r.row for r in rows] == [1, 2, 3, 4]
    assert [r.verdict.verdict for r in rows] == ["controlled", "error", "error", "controlled"]
    assert any(x.rule == "row-shape" for x in rows[1].verdict.reasons)
    assert rows[1].verdict.substance == "C044"  # the short row still says what it found
    assert rows[0].source.extra == {"Observación": "ok"}
    assert summary.as_dict()["error"] == 2 and summary.as_dict()["controlled"] == 2


def test_xlsx_manifest(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "cas", "smiles", "quantity"])
    sheet.append(["Safrole", "94-59-7", None, 12.0])
    sheet.append([None, None, "CC(=O)Cc1ccccc1", 3])
    sheet.append([None, None, None, None])
    sheet.append(["Glucose", None, None, 1])
    path = tmp_path / "m.xlsx"
    book.save(path)
    rows = list(screen_rows(open_manifest(path).rows, Screener(bundled())))
    assert [r.verdict.verdict for r in rows] == ["controlled", "controlled", "clear"]
    assert rows[1].verdict.substance == "C020"
    assert rows[0].source.fields["quantity"] == "12"


def test_a_file_without_an_identifying_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("quantity,unit\n1,kg\n")
    with pytest.raises(InvalidInput, match=r"wrong\.csv, line 1: no column identifies"):
        open_manifest(path)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00", b"PK\x03\x04 not a workbook"])
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / ("broken.xlsx" if content.startswith(b"PK") else "broken.csv")
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="broken"):
        open_manifest(path)


def test_parallel_workers_give_the_same_verdicts_in_order(tmp_path: Path) -> None:
    lines = ["smiles,name"]
    for i in range(9000):  # three chunks
        lines.append(["CC(=O)Cc1ccccc1,", f"C{'C' * (i % 7)}O,", ",acetone", "C1CC,"][i % 4])
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    screener = Screener(bundled())
    serial = [r.verdict for r in screen_rows(open_manifest(path).rows, screener)]
    parallel = [r.verdict for r in screen_rows(open_manifest(path).rows, Screener(bundled()), workers=2)]
    assert serial == parallel
    assert [v.verdict for v in serial[:4]] == [
        "controlled",
        "review",
        "controlled",
        "error",
    ]  # CCO: ethanol, a reported dual-use chemical
