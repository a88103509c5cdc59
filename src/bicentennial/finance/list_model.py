"""The common model every list reader produces, and what the readers share.

OFAC's SDN, OpenSanctions' FollowTheMoney files and national CSV lists describe the same things
differently; the screener sees one shape. A list is imported all-or-nothing: a structurally broken
row (wrong field count, unreadable record) raises :class:`InvalidInput` naming file, line and field,
because a partly read sanctions list would silently miss designated parties. Value-level defects
(a malformed CURP, an unreadable date) are kept and reported in ``ListFile.problems``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.identifiers import Identifier
from bicentennial.finance.partial_dates import PartialDate

KINDS = ("person", "company", "vessel", "aircraft", "other")
ALIAS_KINDS = ("aka", "fka", "nka", "weak")

FILE_UNREADABLE = "{file}: cannot be read ({reason})"
FILE_NOT_TEXT = "{file}: is not a text file (line {line} holds a NUL byte)"
CSV_BROKEN = "{file} line {line}: not readable as CSV ({reason})"
IDENTIFIER_PROBLEM = "{where}: {label} {raw!r} {problem}"


@dataclass(frozen=True)
class Alias:
    """Another name of a listed party. ``quality`` is "strong" for names the list publishes as names
    and "weak" for OFAC's quoted a.k.a.s and OpenSanctions' ``weakAlias`` (nicknames given as leads)."""

    name: str
    kind: str = "aka"
    quality: str = "strong"


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class ListEntity:
    """One listed party; ``id`` is list-scoped ("ofac-sdn:9338")."""

    id: str
    list: str
    kind: str
    name: str
    aliases: tuple[Alias, ...] = ()
    programs: tuple[str, ...] = ()
    dobs: tuple[PartialDate, ...] = ()
    pobs: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    addresses: tuple[Address, ...] = ()
    linked_to: tuple[str, ...] = ()
    remarks: str = ""
    title: str = ""
    gender: str | None = None

    def names(self) -> tuple[str, ...]:
        """The primary name followed by every alias name, each once."""
        return tuple(dict.fromkeys((self.name, *(alias.name for alias in self.aliases))))


@dataclass(frozen=True)
class ListFile:
    """A whole imported list; ``version`` is a short sha256 of the input files, so a screening can
    say exactly which list it was run against."""

    entities: tuple[ListEntity, ...]
    version: str
    published: date | None
    source: str
    problems: tuple[str, ...] = ()


def file_version(paths: Iterable[Path], data: Iterable[bytes]) -> str:
    """sha256 over each file's name and bytes, in order; 16 hex characters are enough to tell lists apart."""
    digest = hashlib.sha256()
    for path, content in zip(paths, data, strict=True):
        digest.update(path.name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:16]


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(FILE_UNREADABLE.format(file=path.name, reason=exc.strerror or exc)) from exc


def decode(data: bytes, name: str) -> str:
    """UTF-8 when it is (newer OFAC files and OpenSanctions), else Windows-1252 with Latin-1 for the
    five bytes cp1252 leaves undefined (OFAC's legacy files). A trailing DOS end-of-file mark is dropped."""
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise InvalidInput(FILE_NOT_TEXT.format(file=name, line=line))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "".join(
            chunk.decode("cp1252", errors="strict") if _cp1252_ok(chunk) else chunk.decode("latin-1")
            for chunk in data.splitlines(keepends=True)
        )
    return text.rstrip("\x1a")


def _cp1252_ok(chunk: bytes) -> bool:
    try:
        chunk.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def identifier_problems(where: str, identifiers: Iterable[Identifier]) -> list[str]:
    """Line-level warnings for malformed CURPs and RFCs and disagreeing check digits (other kinds are not checked)."""
    return [
        IDENTIFIER_PROBLEM.format(where=where, label=ident.label, raw=ident.raw, problem=ident.problem)
        for ident in identifiers
        if ident.problem is not None
    ]


def csv_records(text: str, name: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Non-empty CSV records with the line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for record in reader:
            if any(field.strip() for field in record):
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(CSV_BROKEN.format(file=name, line=reader.line_num, reason=exc)) from exc
