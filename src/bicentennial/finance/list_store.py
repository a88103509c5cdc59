"""Imported lists as stored: the parsed entities as compressed JSON, read back into the list model.

Storing the parsed form (not the uploaded files) means a list is read, checked and reported once,
at import; loading it for screening is a JSON decode, and the screening index built from it is
cached per list version.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict
from typing import Any

from bicentennial.finance.identifiers import Identifier
from bicentennial.finance.list_model import Address, Alias, ListEntity
from bicentennial.finance.partial_dates import PartialDate


def dump_entities(entities: tuple[ListEntity, ...]) -> bytes:
    return gzip.compress(json.dumps([asdict(e) for e in entities], ensure_ascii=False).encode(), compresslevel=6)


def _entity(data: dict[str, Any]) -> ListEntity:
    return ListEntity(
        id=data["id"],
        list=data["list"],
        kind=data["kind"],
        name=data["name"],
        aliases=tuple(Alias(**a) for a in data["aliases"]),
        programs=tuple(data["programs"]),
        dobs=tuple(PartialDate(**d) for d in data["dobs"]),
        pobs=tuple(data["pobs"]),
        nationalities=tuple(data["nationalities"]),
        identifiers=tuple(Identifier(**i) for i in data["identifiers"]),
        addresses=tuple(Address(**a) for a in data["addresses"]),
        linked_to=tuple(data["linked_to"]),
        remarks=data["remarks"],
        title=data["title"],
        gender=data.get("gender"),
    )


def load_entities(payload: bytes) -> tuple[ListEntity, ...]:
    return tuple(_entity(item) for item in json.loads(gzip.decompress(payload)))
