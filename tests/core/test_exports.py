"""Downloads: spreadsheet formulas are neutralised; notes travel with the file."""

from __future__ import annotations

import csv
import io

from bicentennial.core.exports import to_csv


def test_formula_cells_are_quoted() -> None:
    text = to_csv([{"subject": '=HYPERLINK("http://x")', "n": -3, "plain": "ok"}], preamble=["H2"])
    assert text.startswith("# H2\n")
    row = next(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert row == {"subject": '\'=HYPERLINK("http://x")', "n": "-3", "plain": "ok"}
