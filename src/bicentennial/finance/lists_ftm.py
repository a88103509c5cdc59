"""FollowTheMoney entity files, as OpenSanctions publishes them (``entities.ftm.json``).

One JSON object per line: ``{"id", "schema", "properties": {name: [values…]}, …}``. Only the schemata
a screener can match a name against become entities; the rest of a file (Sanction, Address,
Ownership, Identification…) describes them and is skipped. Property meanings follow the
FollowTheMoney model (followthemoney.tech/explorer): ``alias`` is a name the party is known by,
``weakAlias`` a nickname OpenSanctions flags as a weak lead, ``previousName`` a former name.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.identifiers import Identifier, looks_like_curp, looks_like_rfc, make_identifier
from bicentennial.finance.list_model import (
    Address,
    Alias,
    ListEntity,
    ListFile,
    decode,
    file_version,
    identifier_problems,
    read_bytes,
)
from bicentennial.finance.partial_dates import PartialDate, parse_partial_date

LIST_NAME = "opensanctions"
SOURCE = "FollowTheMoney entities"
SCHEMA_KINDS = {
    "Person": "person", "Company": "company", "Organization": "company", "LegalEntity": "company",
    "PublicBody": "company", "Vessel": "vessel", "Airplane": "aircraft", "Asset": "other",
}  # fmt: skip
ALIAS_PROPERTIES = (("alias", "aka", "strong"), ("previousName", "fka", "strong"), ("weakAlias", "weak", "weak"))
ID_PROPERTIES = {
    "idNumber": "national_id", "passportNumber": "passport", "taxNumber": "tax_id", "innCode": "tax_id",
    "vatCode": "tax_id", "registrationNumber": "registration", "ogrnCode": "registration",
    "leiCode": "lei", "swiftBic": "swift", "imoNumber": "imo", "mmsi": "mmsi", "dunsCode": "duns",
}  # fmt: skip

BAD_JSON = "{file} line {line}: not valid JSON ({reason})"
NOT_OBJECT = "{file} line {line}: expected a JSON object"
BAD_FIELD = "{file} line {line}: field {field} {problem}"
DOB_UNREAD = "{file} line {line}: birthDate {text!r} could not be read"


class _Record:
    """One line of the file with the checks that make it unreadable."""

    def __init__(self, raw: str, file: str, line: int) -> None:
        self.file, self.line = file, line
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InvalidInput(BAD_JSON.format(file=file, line=line, reason=exc)) from exc
        if not isinstance(data, dict):
            raise InvalidInput(NOT_OBJECT.format(file=file, line=line))
        self.data = data
        self.id = self._text("id")
        self.schema = self._text("schema")
        props = data.get("properties", {})
        if not isinstance(props, dict):
            raise self._error("properties", "must be an object")
        self.props: dict[str, list[str]] = {}
        for key, value in props.items():
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise self._error(f"properties.{key}", "must be a list of strings")
            self.props[key] = [item.strip() for item in value if item.strip()]

    def _error(self, field: str, problem: str) -> InvalidInput:
        return InvalidInput(BAD_FIELD.format(file=self.file, line=self.line, field=field, problem=problem))

    def _text(self, field: str) -> str:
        value = self.data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise self._error(field, "is missing or not text")
        return value.strip()

    def values(self, *names: str) -> list[str]:
        return list(dict.fromkeys(value for name in names for value in self.props.get(name, [])))


def _identifiers(record: _Record) -> tuple[Identifier, ...]:
    found = []
    country = next(iter(record.values("nationality", "country", "jurisdiction")), "")
    for prop, kind in ID_PROPERTIES.items():
        for value in record.values(prop):
            # CURPs travel as idNumber and RFCs as taxNumber; recognise them so they are checked.
            actual = "curp" if looks_like_curp(value) else "rfc" if looks_like_rfc(value) else kind
            found.append(make_identifier(actual, value, country, label=prop))
    return tuple(dict.fromkeys(found))


def _dobs(record: _Record, problems: list[str]) -> tuple[PartialDate, ...]:
    dobs = []
    for text in record.values("birthDate"):
        dob = parse_partial_date(text)
        if dob is None:
            problems.append(DOB_UNREAD.format(file=record.file, line=record.line, text=text))
        else:
            dobs.append(dob)
    return tuple(dobs)


def _entity(record: _Record, kind: str, problems: list[str]) -> ListEntity:
    names = record.values("name")
    if not names:
        raise InvalidInput(
            BAD_FIELD.format(file=record.file, line=record.line, field="properties.name", problem="is empty")
        )
    aliases = [Alias(name, "aka", "strong") for name in names[1:]]
    for prop, alias_kind, quality in ALIAS_PROPERTIES:
        aliases.extend(Alias(name, alias_kind, quality) for name in record.values(prop) if name not in names)
    identifiers = _identifiers(record)
    problems.extend(identifier_problems(f"{record.file} line {record.line} ({record.id})", identifiers))
    nationality_props = ("nationality", "citizenship") if kind == "person" else ("jurisdiction", "country")
    return ListEntity(
        id=f"{LIST_NAME}:{record.id}",
        list=LIST_NAME,
        kind=kind,
        name=names[0],
        aliases=tuple(dict.fromkeys(aliases)),
        programs=tuple(record.values("program", "programId")),
        dobs=_dobs(record, problems),
        pobs=tuple(record.values("birthPlace")),
        nationalities=tuple(record.values(*nationality_props)),
        identifiers=identifiers,
        addresses=tuple(Address(street=text) for text in record.values("address")),
        linked_to=(),
        remarks=" ".join(record.values("notes", "summary")),
        title=" ".join(record.values("title", "position")),
        gender=next(iter(record.values("gender")), None),
    )


def _published(stamps: list[str]) -> date | None:
    try:
        return max(date.fromisoformat(stamp[:10]) for stamp in stamps) if stamps else None
    except ValueError:
        return None


def read_ftm(path: Path) -> ListFile:
    """Read a FollowTheMoney JSON-lines file; raises :class:`InvalidInput` (file, line, field)
    for a line that is not a well-formed entity."""
    path = Path(path)
    data = read_bytes(path)
    entities: list[ListEntity] = []
    problems: list[str] = []
    stamps: list[str] = []
    for line, raw in enumerate(decode(data, path.name).splitlines(), start=1):
        if not raw.strip():
            continue
        record = _Record(raw, path.name, line)
        stamp = record.data.get("last_change")
        if isinstance(stamp, str):
            stamps.append(stamp)
        kind = SCHEMA_KINDS.get(record.schema)
        if kind is not None:
            entities.append(_entity(record, kind, problems))
    return ListFile(tuple(entities), file_version([path], [data]), _published(stamps), SOURCE, tuple(problems))
