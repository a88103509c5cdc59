"""Transactions as banks and customs brokers export them, read from CSV with English or Spanish headers.

Mexican reporting entities file with the UIF (avisos under LFPIORPI, reportes under the CNBV's
general provisions) in Spanish; US banks export in English. Both shapes map onto one
:class:`Transaction`, so the typology detectors never see a header name. A bad row is either fatal
(the default: an :class:`InvalidInput` naming file, line and field) or collected as a
:class:`RowProblem` while the other rows go on, when the caller passes a list to collect into.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from bicentennial.core.errors import InvalidInput

CHANNELS = ("cash", "wire", "card", "check", "trade", "other")
DIRECTIONS = ("in", "out")
ACCOUNT_TYPES = ("individual", "company", "")

# Header spellings -> field. Keys are folded (no accents, lower case, spaces and dashes as "_").
HEADERS: dict[str, str] = {
    **dict.fromkeys(["id", "transaction_id", "folio", "referencia", "id_operacion", "operacion"], "id"),
    **dict.fromkeys(["account", "account_id", "cuenta", "numero_de_cuenta", "no_cuenta"], "account"),
    **dict.fromkeys(["counterparty", "contraparte", "beneficiario", "ordenante"], "counterparty"),
    **dict.fromkeys(["amount", "monto", "importe", "cantidad_operada"], "amount"),
    **dict.fromkeys(["currency", "moneda", "divisa"], "currency"),
    **dict.fromkeys(["channel", "canal", "instrumento", "tipo_de_operacion"], "channel"),
    **dict.fromkeys(["direction", "direccion", "sentido", "tipo_movimiento"], "direction"),
    **dict.fromkeys(["place", "lugar", "ciudad", "localidad", "sucursal", "location"], "place"),
    **dict.fromkeys(["country", "pais"], "country"),
    **dict.fromkeys(["time", "date", "datetime", "fecha", "fecha_hora", "fecha_operacion"], "time"),
    **dict.fromkeys(["account_type", "tipo_cuenta", "tipo_persona", "tipo_de_persona"], "account_type"),
    **dict.fromkeys(["declared_value", "valor_declarado", "valor_factura", "invoice_value"], "declared_value"),
    **dict.fromkeys(["commodity", "mercancia", "descripcion_mercancia"], "commodity"),
    **dict.fromkeys(["hs_code", "hs", "fraccion_arancelaria", "fraccion", "codigo_hs"], "hs_code"),
    **dict.fromkeys(["quantity", "cantidad", "unidades"], "quantity"),
    **dict.fromkeys(["synthetic", "sintetico"], "synthetic"),
}
REQUIRED = ("account", "amount", "time")
CHANNEL_WORDS: dict[str, str] = {
    **dict.fromkeys(["cash", "efectivo", "deposito_en_efectivo", "retiro_en_efectivo", "atm", "cajero"], "cash"),
    **dict.fromkeys(["wire", "transfer", "transferencia", "spei", "swift", "ach"], "wire"),
    **dict.fromkeys(["card", "tarjeta", "pos", "tpv"], "card"),
    **dict.fromkeys(["check", "cheque"], "check"),
    **dict.fromkeys(["trade", "comercio", "comercio_exterior", "pedimento", "invoice", "factura"], "trade"),
}
DIRECTION_WORDS: dict[str, str] = {
    **dict.fromkeys(["in", "credit", "deposit", "entrada", "abono", "deposito", "ingreso", "c"], "in"),
    **dict.fromkeys(["out", "debit", "withdrawal", "salida", "cargo", "retiro", "egreso", "d"], "out"),
}
ACCOUNT_TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(["individual", "person", "persona_fisica", "fisica", "pf"], "individual"),
    **dict.fromkeys(["company", "business", "persona_moral", "moral", "pm", "empresa"], "company"),
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")

NOT_A_NUMBER = "{value!r} is not a number"
NOT_A_DATE = "{value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY, optionally with HH:MM)"
UNKNOWN_WORD = "{value!r} is not one of: {allowed}"
EMPTY = "is empty"
MISSING_COLUMNS = "{file}: no column for {fields} (headers found: {headers})"
NOT_UTF8 = "{file}: the file is neither UTF-8 nor Windows-1252 text"


@dataclass(slots=True)
class Transaction:
    """One movement on one account, seen from that account (``direction`` "in" credits it)."""

    id: str
    account: str
    counterparty: str
    amount: float  # positive; the sign lives in ``direction``
    currency: str  # ISO 4217, upper case; "" when the file does not say
    channel: str  # one of CHANNELS
    direction: str  # "in" | "out"
    place: str  # "City, State" or "lat,lon"
    country: str  # ISO alpha-2, upper case
    time: datetime
    account_type: str = ""  # "individual" | "company" | "" (unknown); sets the Mexican USD cash cap
    declared_value: float | None = None  # trade rows: invoice value in ``currency``
    commodity: str = ""
    hs_code: str = ""  # Harmonized System code, digits only
    quantity: float | None = None
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row left out of the analysis, and why."""

    line: int
    field: str
    message: str


class _BadField(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def fold(text: str) -> str:
    """Lower case without accents, so "Ciudad Juárez" and "CIUDAD JUAREZ" compare equal."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold().strip()


def _key(header: str) -> str:
    return re.sub(r"[\s\-./]+", "_", fold(header)).strip("_")


def parse_amount(text: str) -> float:
    """Read "1,234.56", "$1 234,56" or "1.234,56": the last separator followed by 1–2 digits is decimal."""
    s = re.sub(r"[\s$]|MXN|USD|MN", "", text.strip(), flags=re.IGNORECASE)
    negative = s.startswith("-") or (s.startswith("(") and s.endswith(")"))
    s = s.strip("-()")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?|\d+,\d{1,2}", s):
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", s):
        raise ValueError(text)
    return -float(s) if negative else float(s)


def parse_time(text: str) -> datetime:
    s = text.strip()
    try:
        return datetime.fromisoformat(s).replace(tzinfo=None)
    except ValueError:
        pass
    for day in DATE_FORMATS:
        for suffix in TIME_SUFFIXES:
            try:
                return datetime.strptime(s, day + suffix)
            except ValueError:
                continue
    raise ValueError(text)


def _word(raw: str, field: str, words: dict[str, str], default: str) -> str:
    if not raw.strip():
        return default
    found = words.get(_key(raw))
    if found is None:
        allowed = ", ".join(sorted(set(words.values())))
        raise _BadField(field, UNKNOWN_WORD.format(value=raw, allowed=allowed))
    return found


def _number(raw: str, field: str) -> float | None:
    if not raw.strip():
        return None
    try:
        return parse_amount(raw)
    except ValueError:
        raise _BadField(field, NOT_A_NUMBER.format(value=raw)) from None


def _row(values: dict[str, str], line: int, stem: str) -> Transaction:
    for name in REQUIRED:
        if not values.get(name, "").strip():
            raise _BadField(name, EMPTY)
    amount = _number(values["amount"], "amount") or 0.0
    try:
        when = parse_time(values["time"])
    except ValueError:
        raise _BadField("time", NOT_A_DATE.format(value=values["time"])) from None
    direction = _word(values.get("direction", ""), "direction", DIRECTION_WORDS, "out" if amount < 0 else "in")
    channel = values.get("channel", "").strip()
    return Transaction(
        id=values.get("id", "").strip() or f"{stem}:{line}",
        account=values["account"].strip(),
        counterparty=values.get("counterparty", "").strip(),
        amount=abs(amount),
        currency=values.get("currency", "").strip().upper(),
        channel=CHANNEL_WORDS.get(_key(channel), "other") if channel else "other",
        direction=direction,
        place=values.get("place", "").strip(),
        country=values.get("country", "").strip().upper(),
        time=when,
        account_type=_word(values.get("account_type", ""), "account_type", ACCOUNT_TYPE_WORDS, ""),
        declared_value=_number(values.get("declared_value", ""), "declared_value"),
        commodity=values.get("commodity", "").strip(),
        hs_code=re.sub(r"\D", "", values.get("hs_code", "")),
        quantity=_number(values.get("quantity", ""), "quantity"),
        synthetic=fold(values.get("synthetic", "")) in {"true", "1", "yes", "si"},
    )


def _encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # a cut multi-byte character at the end of the sample is fine
            return "cp1252"
    return "utf-8-sig"


def read_transactions(path: str | Path, *, problems: list[RowProblem] | None = None) -> Iterator[Transaction]:
    """Stream the rows of a CSV file (",", ";", tab or "|" separated).

    With ``problems`` given, a bad row is appended there and skipped; without it the first bad row
    raises :class:`InvalidInput` naming the file, the line and the field.
    """
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"{p.name}: file not found")
    with p.open(encoding=_encoding(p), newline="") as f:
        sample = f.read(4096)
        f.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(f, dialect)
        header = next(reader, [])
        fields = [HEADERS.get(_key(h), "") for h in header]
        missing = [name for name in REQUIRED if name not in fields]
        if missing:
            raise InvalidInput(
                MISSING_COLUMNS.format(file=p.name, fields=", ".join(missing), headers=", ".join(header))
            )
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            values = {name: cell for name, cell in zip(fields, cells, strict=False) if name}
            try:
                yield _row(values, reader.line_num, p.stem)
            except _BadField as bad:
                if problems is None:
                    raise InvalidInput(f"{p.name} line {reader.line_num}, field '{bad.field}': {bad.message}") from None
                problems.append(RowProblem(reader.line_num, bad.field, bad.message))


COLUMNS = (
    "id", "account", "counterparty", "amount", "currency", "channel", "direction", "place", "country", "time",
    "account_type", "declared_value", "commodity", "hs_code", "quantity",
)  # fmt: skip


def to_frame(transactions: Iterable[Transaction]) -> pd.DataFrame:
    """Columns the detectors vectorise over; one row per transaction, in input order."""
    rows = transactions if isinstance(transactions, list) else list(transactions)
    data = {name: [getattr(t, name) for t in rows] for name in COLUMNS}
    frame = pd.DataFrame(data)
    frame["time"] = pd.to_datetime(frame["time"])
    for name in ("amount", "declared_value", "quantity"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame
