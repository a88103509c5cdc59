from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.transactions import RowProblem, parse_amount, read_transactions, to_frame

SPANISH = (
    "Folio;Cuenta;Contraparte;Monto;Moneda;Canal;Sentido;Lugar;País;Fecha;Tipo de persona\n"
    "F-1;0123;Juan Pérez;1.234,56;mxn;Efectivo;Abono;Ciudad Juárez, Chihuahua;mx;03/02/2024 14:30;Moral\n"
    "F-2;0123;Proveedora SA;$ 25,000.00;MXN;SPEI;Cargo;Monterrey, NL;MX;2024-02-04;física\n"
)


def write(tmp_path: Path, text: str, name: str = "movs.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def test_spanish_headers_semicolons_and_mexican_formats(tmp_path: Path) -> None:
    rows = list(read_transactions(write(tmp_path, SPANISH)))
    assert [r.id for r in rows] == ["F-1", "F-2"]
    first, second = rows
    assert first.amount == 1234.56 and first.currency == "MXN" and first.channel == "cash"
    assert first.direction == "in" and first.country == "MX" and first.account_type == "company"
    assert first.time == datetime(2024, 2, 3, 14, 30) and first.place == "Ciudad Juárez, Chihuahua"
    assert second.amount == 25_000.0 and second.channel == "wire" and second.direction == "out"
    assert second.account_type == "individual" and second.time == datetime(2024, 2, 4)


def test_english_headers_sign_gives_direction_and_trade_fields(tmp_path: Path) -> None:
    text = (
        "transaction_id,account,counterparty,amount,currency,channel,date,hs_code,quantity,declared_value\n"
        "t1,A1,ACME,-500.5,usd,wire,2024-03-01T09:15:00,0901.11,100,420\n"
        "t2,A1,,12,USD,,2024-03-02,,,\n"
    )
    t1, t2 = read_transactions(write(tmp_path, text))
    assert (t1.direction, t1.amount, t1.hs_code, t1.quantity, t1.declared_value) == ("out", 500.5, "090111", 100, 420)
    assert t2.direction == "in" and t2.channel == "other" and t2.quantity is None


def test_bad_row_names_file_line_and_field(tmp_path: Path) -> None:
    text = "cuenta,monto,fecha\nA,10,2024-01-01\nB,diez,2024-01-02\nC,5,31/13/2024\nD,7,2024-01-05\n"
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput, match=r"movs\.csv line 3, field 'amount': 'diez' is not a number"):
        list(read_transactions(path))
    problems: list[RowProblem] = []
    kept = list(read_transactions(path, problems=problems))
    assert [t.account for t in kept] == ["A", "D"]
    assert problems[0] == RowProblem(3, "amount", "'diez' is not a number")
    assert (problems[1].line, problems[1].field) == (4, "time")


def test_unknown_direction_word_and_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="field 'direction'"):
        list(read_transactions(write(tmp_path, "cuenta,monto,fecha,sentido\nA,1,2024-01-01,sideways\n")))
    with pytest.raises(InvalidInput, match="no column for time"):
        list(read_transactions(write(tmp_path, "cuenta,monto\nA,1\n", "x.csv")))
    with pytest.raises(InvalidInput, match="not found"):
        list(read_transactions(tmp_path / "absent.csv"))


def test_windows_1252_file(tmp_path: Path) -> None:
    path = write(tmp_path, "cuenta,monto,fecha,lugar\nA,1,2024-01-01,Peñasco\n", encoding="cp1252")
    assert next(read_transactions(path)).place == "Peñasco"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.56", 1234.56), ("1.234,56", 1234.56), ("$ 9 500", 9500.0), ("12,5", 12.5), ("(40)", -40.0)],
)
def test_parse_amount(text: str, value: float) -> None:
    assert parse_amount(text) == value


def test_to_frame_types(tmp_path: Path) -> None:
    frame = to_frame(read_transactions(write(tmp_path, SPANISH)))
    assert list(frame["amount"]) == [1234.56, 25_000.0]
    assert str(frame["time"].dtype).startswith("datetime64")
