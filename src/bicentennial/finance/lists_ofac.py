"""OFAC's Specially Designated Nationals list in its legacy CSV layout.

Four files, no header row, "-0-" for an empty field (OFAC's own convention, documented in its
*SDN CSV file specification*): ``sdn.csv`` (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks), ``alt.csv`` (ent_num, alt_num, alt_type,
alt_name, alt_remarks), ``add.csv`` (ent_num, add_num, address, city/state/postal code, country,
add_remarks) and ``sdn_comments.csv`` (ent_num, the part of Remarks that did not fit, continued
without a separator). Only ``sdn.csv`` is required.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bicentennial.core.errors import InvalidInput
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
from bicentennial.finance.remarks import parse_remarks

LIST_NAME = "ofac-sdn"
SOURCE = "OFAC Specially Designated Nationals (legacy CSV)"
SDN_TYPES = {"individual": "person", "": "company", "vessel": "vessel", "aircraft": "aircraft"}
ALT_TYPES = {"aka": "aka", "fka": "fka", "nka": "nka"}
FIELD_COUNTS = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6, "sdn_comments.csv": 2}
OPTIONAL_FILES = ("alt.csv", "add.csv", "sdn_comments.csv")

WRONG_FIELD_COUNT = "{file} line {line}: {found} fields, expected {expected}"
BAD_ENT_NUM = "{file} line {line}: field ent_num {value!r} is not a number"
DUPLICATE_ENT_NUM = "{file} line {line}: ent_num {value} is listed twice"
EMPTY_NAME = "{file} line {line}: field SDN_Name is empty"
UNKNOWN_SDN_TYPE = "{file} line {line}: field SDN_Type {value!r} is not individual, vessel, aircraft or -0-"
NO_SUCH_FILE = "{path}: no sdn.csv there"
UNKNOWN_ENTITY = "{file} line {line}: ent_num {value} is not in sdn.csv; row ignored"
UNKNOWN_ALT_TYPE = "{file} line {line}: alt_type {value!r} is not aka, fka or nka; read as aka"
EMPTY_ALT = "{file} line {line}: alt_name is empty; row ignored"
ENTITY_WHERE = "{file} line {line} (entity {ent})"


@dataclass
class _Draft:
    file: str
    line: int
    row: list[str]
    aliases: list[Alias] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _value(text: str) -> str:
    cleaned = text.strip()
    return "" if cleaned == "-0-" else cleaned


def _rows(text: str, name: str, role: str) -> Iterator[tuple[int, int, list[str]]]:
    """(line, ent_num, fields) for each record, after the checks that make a row unreadable."""
    expected = FIELD_COUNTS[role]
    for line, record in csv_records(text, name):
        if len(record) != expected:
            raise InvalidInput(WRONG_FIELD_COUNT.format(file=name, line=line, found=len(record), expected=expected))
        ent = record[0].strip()
        if not ent.isdigit():
            raise InvalidInput(BAD_ENT_NUM.format(file=name, line=line, value=record[0]))
        yield line, int(ent), [_value(part) for part in record]


def _programs(text: str) -> tuple[str, ...]:
    # Several programmes are joined as "SDNTK] [ILLICIT-DRUGS".
    return tuple(part.strip(" []") for part in text.split("] [") if part.strip(" []"))


def _read_sdn(text: str, name: str) -> dict[int, _Draft]:
    drafts: dict[int, _Draft] = {}
    for line, ent, row in _rows(text, name, "sdn.csv"):
        if ent in drafts:
            raise InvalidInput(DUPLICATE_ENT_NUM.format(file=name, line=line, value=ent))
        if not row[1]:
            raise InvalidInput(EMPTY_NAME.format(file=name, line=line))
        if row[2].lower() not in SDN_TYPES:
            raise InvalidInput(UNKNOWN_SDN_TYPE.format(file=name, line=line, value=row[2]))
        drafts[ent] = _Draft(name, line, row)
    return drafts


def _attach(name: str, text: str, drafts: dict[int, _Draft], problems: list[str]) -> None:
    for line, ent, row in _rows(text, name, name):
        draft = drafts.get(ent)
        if draft is None:
            problems.append(UNKNOWN_ENTITY.format(file=name, line=line, value=ent))
        elif name == "alt.csv":
            _attach_alias(draft, row, line, problems)
        elif name == "add.csv":
            if any(row[2:5]):
                draft.addresses.append(Address(street=row[2], city=row[3], country=row[4]))
        else:
            draft.comments.append(row[1])


def _attach_alias(draft: _Draft, row: list[str], line: int, problems: list[str]) -> None:
    if not row[3]:
        problems.append(EMPTY_ALT.format(file="alt.csv", line=line))
        return
    kind = ALT_TYPES.get(row[2].lower())
    if kind is None:
        problems.append(UNKNOWN_ALT_TYPE.format(file="alt.csv", line=line, value=row[2]))
    draft.aliases.append(Alias(row[3], kind or "aka", "strong"))


def _entity(ent: int, draft: _Draft, problems: list[str]) -> ListEntity:
    row = draft.row
    # sdn_comments.csv continues Remarks mid-word: the parts are joined as they are.
    remarks_text = row[11] + "".join(draft.comments)
    remarks = parse_remarks(remarks_text)
    where = ENTITY_WHERE.format(file=draft.file, line=draft.line, ent=ent)
    problems.extend(f"{where}: {problem}" for problem in remarks.problems)
    problems.extend(identifier_problems(where, remarks.identifiers))
    known = {alias.name for alias in draft.aliases}
    weak = tuple(Alias(name, "weak", "weak") for name in remarks.weak_aliases if name not in known)
    return ListEntity(
        id=f"{LIST_NAME}:{ent}",
        list=LIST_NAME,
        kind=SDN_TYPES[row[2].lower()],
        name=row[1],
        aliases=(*draft.aliases, *weak),
        programs=_programs(row[3]),
        dobs=remarks.dobs,
        pobs=remarks.pobs,
        nationalities=remarks.nationalities,
        identifiers=remarks.identifiers,
        addresses=tuple(draft.addresses),
        linked_to=remarks.linked_to,
        remarks=remarks_text,
        title=row[4],
        gender=remarks.gender,
    )


def read_ofac_sdn(folder_or_sdn_path: Path) -> ListFile:
    """Read ``sdn.csv`` and, from the same folder, ``alt.csv``, ``add.csv`` and ``sdn_comments.csv``.

    Raises :class:`InvalidInput` (file, line, field) for a structurally broken row; nothing is
    returned then, so a list is never half imported.
    """
    path = Path(folder_or_sdn_path)
    folder = path if path.is_dir() else path.parent
    sdn_path = folder / "sdn.csv" if path.is_dir() else path
    if not sdn_path.is_file():
        raise InvalidInput(NO_SUCH_FILE.format(path=path))
    paths = [sdn_path, *(folder / name for name in OPTIONAL_FILES if (folder / name).is_file())]
    data = [read_bytes(p) for p in paths]
    texts = [decode(d, p.name) for p, d in zip(paths, data, strict=True)]
    drafts = _read_sdn(texts[0], sdn_path.name)
    problems: list[str] = []
    for extra, text in zip(paths[1:], texts[1:], strict=True):
        _attach(extra.name, text, drafts, problems)
    entities = tuple(_entity(ent, draft, problems) for ent, draft in drafts.items())
    return ListFile(entities, file_version(paths, data), None, SOURCE, tuple(problems))
