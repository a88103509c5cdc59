"""Finance explanations in Spanish: the same figures as the English text, stored templates read back,
and the English text for rows stored before templates (or with a template that no longer fits)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bicentennial.core.i18n import gettext_for
from bicentennial.core.i18n_extract import extract
from bicentennial.finance.analyses import alert_json
from bicentennial.finance.explain import (
    Explanation,
    alert_text,
    component_texts,
    render,
    row_reasons,
    stored_texts,
)
from bicentennial.finance.lists import read_csv_list
from bicentennial.finance.network import build_graph, to_json
from bicentennial.finance.screener import REASON_DOB_AGREES, Party, Screener
from bicentennial.finance.screening_index import ScreeningIndex
from bicentennial.finance.transactions import Transaction, to_frame
from bicentennial.finance.typologies import TypologyParams, detect_designated
from bicentennial.finance.typology_cash import detect_structuring_mx
from bicentennial.finance.typology_trade import detect_trade

ES = gettext_for("es")
T0 = datetime(2024, 1, 8, 10)
LIST = (
    "nombre,alias,tipo,fecha_nacimiento,curp,nacionalidad\n"
    '"GUZMAN LOERA, Joaquin",El Chapo,persona,1957-04-04,,México\n'
    '"ARRIOLA MARQUEZ, Miguel Angel",,persona,1967-12-15,AIMM671215HCHRRG06,México\n'
)


def test_an_explanation_renders_in_spanish_with_the_same_figures() -> None:
    reason = Explanation.of(REASON_DOB_AGREES, given="1967-12-15", listed="15 DEC 1967")
    assert reason.text() == "date of birth 1967-12-15 agrees with the listed 15 DEC 1967"
    assert reason.text(ES) == "la fecha de nacimiento 1967-12-15 coincide con la de la lista, 15 DEC 1967"
    stored = json.loads(json.dumps(reason.as_dict()))
    assert stored == {"template": REASON_DOB_AGREES, "params": {"given": "1967-12-15", "listed": "15 DEC 1967"}}
    assert Explanation.from_dict(stored) == reason


def test_parts_are_translated_one_by_one_and_survive_storage() -> None:
    note = Explanation.of("{token} read as {expansion} (nickname)", token="BETO").with_part(
        "expansion", ("ALBERTO", "ROBERTO"), " or "
    )
    assert note.text() == "BETO read as ALBERTO or ROBERTO (nickname)"
    assert note.text(ES) == "BETO leído como ALBERTO o ROBERTO (hipocorístico)"
    assert Explanation.from_dict(json.loads(json.dumps(note.as_dict()))) == note


def test_a_translation_that_does_not_fit_falls_back_to_english() -> None:
    broken = Explanation.of(REASON_DOB_AGREES, given="1967-12-15")  # {listed} missing
    assert render(broken, ES, "the English line") == "the English line"
    old_row = {"decision": "match", "reasons": ["date of birth 1967-12-15 agrees"]}  # stored before templates
    assert row_reasons(old_row, ES) == ["date of birth 1967-12-15 agrees"]
    assert stored_texts([{"template": REASON_DOB_AGREES, "params": {}}], ["as stored"], ES) == ["as stored"]
    assert stored_texts([{"no": "template"}, "junk"], ["one", "two"], ES) == ["one", "two"]
    assert stored_texts([], ["lines do not line up"], ES) == ["lines do not line up"]
    assert alert_text({"rule": "old rule"}, ES) == "old rule"
    assert component_texts({"explanation": ["1 alert: trade 0.50"]}, ES) == ["1 alert: trade 0.50"]


def test_index_candidates_explain_in_both_languages() -> None:
    index = ScreeningIndex.from_records([("1", "GUZMAN LOERA, Joaquin", "individual", ["CHAPO, El"])])
    (found,) = index.search("Joaquin Guzman")
    assert found.explanation == (
        "JOAQUIN = JOAQUIN (exact)",
        "GUZMAN = GUZMAN (exact)",
        "not in the screened name: LOERA",
        "maternal surname LOERA not given (small penalty)",
    )
    assert [e.text() for e in found.explanations] == list(found.explanation)
    assert [e.text(ES) for e in found.explanations] == [
        "JOAQUIN = JOAQUIN (exacto)",
        "GUZMAN = GUZMAN (exacto)",
        "ausente del nombre cotejado: LOERA",
        "apellido materno LOERA no indicado (penalización pequeña)",
    ]
    (typo,) = index.search("Joakin Guzman Loera")
    assert typo.explanations[0].text(ES) == "JOAKIN = JOAQUIN (suena igual)"


@pytest.fixture(scope="module")
def screener(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    path = Path(tmp_path_factory.mktemp("list")) / "uif.csv"
    path.write_text(LIST, encoding="utf-8")
    return Screener(read_csv_list(path, name="uif").entities)


def test_screening_results_store_explanations_next_to_the_english_reasons(screener: Screener) -> None:
    result = screener.screen(Party("Joaquín Guzmán", dob=date(1957, 4, 4), country="Colombia"))
    assert result.decision == "match" and result.name == "GUZMAN LOERA, Joaquin"
    assert result.reasons[-2:] == ("date of birth 1957-04-04 agrees with the listed 1957-04-04",
                                   "nationality Colombia differs from the listed MEXICO")  # fmt: skip
    body = json.loads(json.dumps(result.as_json(row=3)))
    assert body["reasons"] == list(result.reasons) and len(body["explanations"]) == len(body["reasons"])
    spanish = row_reasons(body, ES)
    assert spanish == list(result.texts(ES))
    assert "la fecha de nacimiento 1957-04-04 coincide con la de la lista, 1957-04-04" in spanish
    assert "la nacionalidad Colombia difiere de la de la lista, MEXICO" in spanish
    by_curp = screener.screen(Party("Otro Nombre", curp="AIMM671215HCHRRG06"))
    assert by_curp.texts(ES) == (
        "la CURP AIMM671215HCHRRG06 es la CURP de ARRIOLA MARQUEZ, Miguel Angel en la lista",
        "nombre cotejado: Otro Nombre",
    )
    assert screener.screen(Party("Nadie Nunca Jamás")).texts(ES) == (
        "ningún nombre de la lista es suficientemente parecido",
    )


def tx(account: str, amount: float, day: float, **kw: object) -> Transaction:
    fields: dict = {"counterparty": "", "currency": "USD", "place": "Tijuana, BC", "country": "MX", "channel": "cash",
                    "direction": "in", **kw}  # fmt: skip
    return Transaction(id=f"t{account}{day}{amount}", account=account, amount=amount,
                       time=T0 + timedelta(days=day), **fields)  # fmt: skip


def test_alerts_store_their_template_and_read_in_spanish() -> None:
    rows = [tx("A", 1_800, 0), tx("A", 1_700, 5), tx("A", 2_100, 31), tx("A", 2_200, 36)]
    (alert,) = detect_structuring_mx(to_frame(rows), TypologyParams())
    stored = json.loads(json.dumps(alert_json(alert), default=str))
    assert stored["rule"] == alert.rule and stored["template"] and stored["params"]["cap"] == "4,000"
    assert "(2024-01: USD 3,500 in 2; 2024-02: USD 4,300 in 2, over the cap)" in alert.rule
    spanish = alert_text(stored, ES)
    assert "(2024-01: USD 3,500 en 2; 2024-02: USD 4,300 en 2, por encima del límite)" in spanish
    assert spanish.endswith("el límite mensual para cuentas de personas físicas es de USD 4,000")


def test_trade_and_designated_alerts_in_spanish() -> None:
    rows = [tx("A", 100, d, channel="trade", hs_code="090111", commodity="café verde", quantity=10,
               declared_value=40.0 if d == 0 else 4.0 + d / 100) for d in range(10)]  # fmt: skip
    (trade,) = detect_trade(to_frame(rows), TypologyParams())
    assert trade.rule == (
        "1 invoice priced far from the usual unit value: HS 090111 (café verde) at 4.00/unit vs usual 0.41 "
        "(9.9× over, z +250.4); total declared USD 40"
    )
    assert alert_text(alert_json(trade), ES) == (
        "1 factura con precio muy alejado del valor unitario habitual: SA 090111 (café verde) a 4.00/unidad "
        "frente al habitual 0.41 (9.9× por encima, z +250.4); total declarado USD 40"
    )
    wires = [tx("A", 5_000, 0, channel="wire", direction="out", counterparty="JUAN PEREZ"),
             tx("A", 7_000, 1, channel="wire", direction="out", counterparty="ANA LOPEZ")]  # fmt: skip
    (alert,) = detect_designated(to_frame(wires), TypologyParams(), {"Juan Pérez", "Ana López"})
    assert alert.rule == (
        "2 transactions (USD 12,000) with designated parties 'ANA LOPEZ' (match 1.00), 'JUAN PEREZ' (match 1.00)"
    )
    assert alert_text(alert_json(alert), ES) == (
        "2 operaciones (USD 12,000) con las partes designadas 'ANA LOPEZ' (coincidencia 1.00), "
        "'JUAN PEREZ' (coincidencia 1.00)"
    )


def test_network_components_in_spanish() -> None:
    wires = [tx("A", 5_000, 0, channel="wire", direction="out", counterparty="JUAN PEREZ")]
    alerts = detect_designated(to_frame(wires), TypologyParams(), {"Juan Pérez"})
    (component,) = json.loads(json.dumps(to_json(build_graph(wires, alerts))))["components"]
    assert component["explanation"] == [
        "1 alert: designated 1.00",
        "1 designated party: JUAN PEREZ",
        "5,000 moved in 1 transaction between 2 accounts",
    ]
    assert component_texts(component, ES) == [
        "1 alerta: designated 1.00",
        "1 parte designada: JUAN PEREZ",
        "5,000 movidos en 1 operación entre 2 cuentas",
    ]


def test_every_finance_template_keeps_its_placeholders_in_spanish() -> None:
    fields = re.compile(r"\{(\w+)\}")
    finance = [m.id for m in extract() if m.id and any("finance/" in path for path, _ in m.locations)]
    templates = [msgid for msgid in finance if isinstance(msgid, str) and fields.search(msgid)]
    assert len(templates) >= 50
    for msgid in templates:
        assert sorted(fields.findall(ES(msgid))) == sorted(fields.findall(msgid)), msgid
