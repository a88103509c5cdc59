"""National lists in a plain CSV with a header row, in English or Spanish.

Mexico's UIF publishes its *Lista de Personas Bloqueadas* to regulated entities rather than as open
data, and other national lists come in spreadsheets of their own shape; a header-named CSV is the
common denominator an analyst can produce from any of them. Columns (case, accents and spaces do
not matter): name/nombre (required), aliases/alias (";"-separated), kind/tipo, dob/fecha_nacimiento,
curp, rfc, nationality/nacionalidad, country/pais, program/programa, id. Other columns are ignored.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.identifiers import Identifier, make_identifier
from bicentennial.finance.list_model import (
    Address,
    Alias,
    ListEntity,
    ListFile,
    csv_records,
    decode,
    file_version,
    identifier_problems,
    read_bytes,
)
from bicentennial.finance.partial_dates import PartialDate, parse_partial_date

SOURCE = "national list (CSV)"
COLUMNS = {
    "name": "name", "nombre": "name", "nombre_completo": "name", "razon_social": "name",
    "aliases": "aliases", "alias": "aliases", "kind": "kind", "tipo": "kind", "type": "kind",
    "dob": "dob", "fecha_nacimiento": "dob", "fecha_de_nacimiento": "dob", "date_of_birth": "dob",
    "curp": "curp", "rfc": "rfc", "nationality": "nationality", "nacionalidad": "nationality",
    "country": "country", "pais": "country", "program": "program", "programa": "program", "id": "id",
}  # fmt: skip
KIND_WORDS = {
    "person": "person", "persona": "person", "individual": "person", "fisica": "person",
    "persona_fisica": "person", "company": "company", "entity": "company", "empresa": "company",
    "entidad": "company", "moral": "company", "persona_moral": "company", "organization": "company",
    "organizacion": "company", "vessel": "vessel", "buque": "vessel", "embarcacion": "vessel",
    "aircraft": "aircraft", "aeronave": "aircraft", "other": "other", "otro": "other",
}  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
MEXICO = "Mexico"

EMPTY_FILE = "{file}: the file is empty"
NO_NAME_COLUMN = "{file} line 1: no name/nombre column in the header"
DUPLICATE_COLUMN = "{file} line 1: column {column!r} appears twice"
WRONG_FIELD_COUNT = "{file} line {line}: {found} fields, the header has {expected}"
EMPTY_NAME = "{file} line {line}: field {column} is empty"
UNKNOWN_KIND = "{file} line {line}: field {column} {value!r} is not person, company, vessel, aircraft or other"
DUPLICATE_ID = "{file} line {line}: id {value!r} is listed twice"
NO_LIST_NAME = "a national list needs a name (for example mx-lpb)"
DOB_UNREAD = "{file} line {line}: {column} {text!r} could not be read"


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return "_".join(plain.replace("-", " ").split())


def _delimiter(header: str) -> str:
    return max(DELIMITERS, key=header.count)


def _header(record: list[str], file: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(record):
        field = COLUMNS.get(_key(title))
        if field is None:
            continue
        if field in columns:
            raise InvalidInput(DUPLICATE_COLUMN.format(file=file, column=title.strip()))
        columns[field] = index
    if "name" not in columns:
        raise InvalidInput(NO_NAME_COLUMN.format(file=file))
    return columns


def _many(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.replace("|", ";").split(";") if part.strip()))


class _Row:
    def __init__(self, record: list[str], columns: dict[str, int], titles: list[str], file: str, line: int) -> None:
        self.record, self.columns, self.titles, self.file, self.line = record, columns, titles, file, line

    def get(self, field: str) -> str:
        index = self.columns.get(field)
        return self.record[index].strip() if index is not None else ""

    def title(self, field: str) -> str:
        return self.titles[self.columns[field]].strip()

    def kind(self, identifiers: tuple[Identifier, ...], dobs: tuple[PartialDate, ...]) -> str:
        text = self.get("kind")
        if text:
            kind = KIND_WORDS.get(_key(text))
            if kind is None:
                column = self.title("kind")
                raise InvalidInput(UNKNOWN_KIND.format(file=self.file, line=self.line, column=column, value=text))
            return kind
        # Unstated: a CURP or a date of birth belongs to a person, a 12-character RFC to a company.
        if dobs or any(ident.kind == "curp" for ident in identifiers):
            return "person"
        rfc = self.get("rfc").replace("-", "").replace(" ", "")
        return "company" if len(rfc) == 12 else "person" if len(rfc) == 13 else "other"

    def dobs(self, problems: list[str]) -> tuple[PartialDate, ...]:
        found = []
        for text in _many(self.get("dob")):
            dob = parse_partial_date(text)
            if dob is None:
                problems.append(DOB_UNREAD.format(file=self.file, line=self.line, column=self.title("dob"), text=text))
            else:
                found.append(dob)
        return tuple(found)


def _entity(row: _Row, list_name: str, problems: list[str]) -> ListEntity:
    name = row.get("name")
    if not name:
        raise InvalidInput(EMPTY_NAME.format(file=row.file, line=row.line, column=row.title("name")))
    identifiers = tuple(
        make_identifier(kind, value, MEXICO, label=kind.upper())
        for kind in ("curp", "rfc")
        for value in _many(row.get(kind))
    )
    where = f"{row.file} line {row.line}"
    problems.extend(identifier_problems(where, identifiers))
    dobs = row.dobs(problems)
    countries = _many(row.get("country"))
    return ListEntity(
        id=f"{list_name}:{row.get('id') or row.line}",
        list=list_name,
        kind=row.kind(identifiers, dobs),
        name=name,
        aliases=tuple(Alias(alias) for alias in _many(row.get("aliases")) if alias != name),
        programs=_many(row.get("program")),
        dobs=dobs,
        nationalities=_many(row.get("nationality")),
        identifiers=identifiers,
        addresses=tuple(Address(country=country) for country in countries),
    )


def read_csv_list(path: Path, *, name: str) -> ListFile:
    """Read a national list; raises :class:`InvalidInput` (file, line, field) for a broken row."""
    if not name.strip():
        raise InvalidInput(NO_LIST_NAME)
    path = Path(path)
    data = read_bytes(path)
    text = decode(data, path.name)
    if not text.strip():
        raise InvalidInput(EMPTY_FILE.format(file=path.name))
    records = csv_records(text, path.name, delimiter=_delimiter(text.lstrip().splitlines()[0]))
    first = next(records, None)
    if first is None:
        raise InvalidInput(EMPTY_FILE.format(file=path.name))
    titles = first[1]
    columns = _header(titles, path.name)
    entities: dict[str, ListEntity] = {}
    problems: list[str] = []
    for line, record in records:
        if len(record) != len(titles):
            raise InvalidInput(
                WRONG_FIELD_COUNT.format(file=path.name, line=line, found=len(record), expected=len(titles))
            )
        entity = _entity(_Row(record, columns, titles, path.name, line), name.strip(), problems)
        if entity.id in entities:
            raise InvalidInput(DUPLICATE_ID.format(file=path.name, line=line, value=entity.id.split(":", 1)[1]))
        entities[entity.id] = entity
    return ListFile(tuple(entities.values()), file_version([path], [data]), None, SOURCE, tuple(problems))
