"""Specs and panels: every mistake named, nothing turned into a silent NaN."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bicentennial.core.errors import InvalidInput
from bicentennial.evaluation import inputs
from bicentennial.evaluation.spec import load_spec, period_label, read_long_csv

CSV = """area,period,rate,unemployment,name
mx:01,2020-01,10,3.1,Aguascalientes
mx:01,2020-02,11,3.0,Aguascalientes
mx:01,2020-03,14,3.2,Aguascalientes
mx:02,2020-01,20,4.1,Baja California
mx:02,2020-02,21,,Baja California
mx:02,2020-03,22,4.0,Baja California
mx:03,2020-01,5,2.0,Baja California Sur
mx:03,2020-02,6,2.1,Baja California Sur
mx:03,2020-03,6,2.2,Baja California Sur
"""
SPEC = """
unit: area
time: period
outcome: rate
treated: mx:01
treatment_start: 2020-03
predictors:
  - {variable: unemployment, from: 2020-01, to: 2020-02}
  - {variable: rate, from: 2020-01, to: 2020-02}
"""


def test_panel_pivots_and_predictors_skip_missing_values() -> None:
    panel = read_long_csv(CSV, name="d.csv", unit="area", time="period")
    assert panel.units == ("mx:01", "mx:02", "mx:03") and panel.periods == ("2020-01", "2020-02", "2020-03")
    assert "name" in panel.text and np.isnan(panel.values["unemployment"][1, 1])
    data = inputs.synth_input(load_spec(SPEC, name="s.yaml", method="synth"), panel)
    assert data.treated == 0 and data.donors == (1, 2) and data.treatment_start == 2
    np.testing.assert_allclose(data.predictors[0], [3.05, 4.1, 2.05])  # Baja California's missing month skipped
    assert data.predictor_names == ("unemployment 2020-01–2020-02", "rate 2020-01–2020-02")


@pytest.mark.parametrize(
    ("text", "spec", "message"),
    [
        (
            CSV + "mx:03,2020-03,7,2.2,Baja California Sur\n",
            SPEC,
            "line 11: unit 'mx:03' and period '2020-03' repeat line 10",
        ),
        (CSV, SPEC.replace("outcome: rate", "outcome: homicides"), "no column 'homicides'"),
        (CSV, SPEC.replace("treated: mx:01", "treated: mx:09"), "unit 'mx:09' is not in the data"),
        (CSV, SPEC.replace("treatment_start: 2020-03", "treatment_start: 2020-01"), "no period before it"),
        (CSV, SPEC.replace("variable: unemployment", "variable: name"), "column 'name' is not numeric (line 2"),
        (CSV.replace("area,period", "unit,period"), SPEC, "no column 'area' (spec field unit)"),
        (CSV, SPEC + "colour: blue\n", "field 'colour' is not part of a synth spec"),
        (CSV, "unit: [", "s.yaml, line"),
    ],
)
def test_mistakes_are_named(text: str, spec: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        checked = load_spec(spec, name="s.yaml", method="synth")
        inputs.synth_input(checked, read_long_csv(text, name="d.csv", unit="area", time="period"))


def test_its_and_did_inputs() -> None:
    panel = read_long_csv(CSV, name="d.csv", unit="area", time="period")
    spec = load_spec("time: period\noutcome: rate\ntreatment_start: 2020-02\ntreated: mx:02\n", name="s", method="its")
    y, periods, start = inputs.its_series(spec, panel)
    assert y.tolist() == [20, 21, 22] and start == 1 and periods[0] == "2020-01"
    with pytest.raises(InvalidInput, match="name one in field 'treated'"):
        inputs.its_series({**spec, "treated": None}, panel)
    did_csv = "area,period,rate,first\n" + "".join(
        f"{u},{p},{v},{f}\n"
        for u, f in (("a", "2020-02"), ("b", ""), ("c", ""))
        for p, v in (("2020-01", 1), ("2020-02", 2))
    )
    dp = read_long_csv(did_csv, name="d.csv", unit="area", time="period")
    spec = load_spec("unit: area\ntime: period\noutcome: rate\nfirst_treated: first\n", name="s", method="did")
    y, first, periods, clusters = inputs.did_arrays(spec, dp)
    assert first.tolist() == [1, -1, -1] and clusters is None and y.shape == (3, 2)
    with pytest.raises(InvalidInput, match="unbalanced"):
        inputs.did_arrays(
            spec, read_long_csv(did_csv.rsplit("\n", 2)[0] + "\n", name="d.csv", unit="area", time="period")
        )


def test_period_labels() -> None:
    assert [period_label(v) for v in (1997, 1997.0, "1997.0", "2021/10", "2021-10")] == [
        "1997",
        "1997",
        "1997",
        "2021-10",
        "2021-10",
    ]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        read_long_csv(text, name="x.csv", unit=None, time="period")
