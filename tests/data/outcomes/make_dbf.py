"""Write ``DEFUN20.dbf``: a synthetic miniature of INEGI's death-records table for 2020
registrations, in dBase III layout (what ``defunciones_base_datos_2020_dbf.zip`` holds).

Field names and order are death.index's list (formats.md, section b). Every field is
character type, codes zero-padded to their width; one record is marked deleted (``*``)
and must not be counted. Run from anywhere: ``python tests/data/outcomes/make_dbf.py``.
"""

from __future__ import annotations

import struct
from pathlib import Path

# name → width (characters)
FIELDS = {
    "ENT_REGIS": 2, "MUN_REGIS": 3, "ENT_RESID": 2, "MUN_RESID": 3, "TLOC_RESID": 2, "LOC_RESID": 4,
    "ENT_OCURR": 2, "MUN_OCURR": 3, "TLOC_OCURR": 2, "LOC_OCURR": 4, "CAUSA_DEF": 4, "LISTA_MEX": 3, "SEXO": 1,
    "EDAD": 4, "DIA_OCURR": 2, "MES_OCURR": 2, "ANIO_OCUR": 4, "DIA_REGIS": 2, "MES_REGIS": 2, "ANIO_REGIS": 4,
    "DIA_NACIM": 2, "MES_NACIM": 2, "ANIO_NACIM": 4, "OCUPACION": 2, "ESCOLARIDA": 2, "EDO_CIVIL": 1,
    "PRESUNTO": 1, "OCURR_TRAB": 1, "LUGAR_OCUR": 2, "NECROPSIA": 1, "ASIST_MEDI": 1, "SITIO_OCUR": 2,
    "COND_CERT": 1, "NACIONALID": 1, "DERECHOHAB": 2, "EMBARAZO": 1, "REL_EMBA": 1, "HORAS": 2, "MINUTOS": 2,
    "CAPITULO": 2, "GRUPO": 2, "LISTA1": 3, "GR_LISMEX": 2, "VIO_FAMI": 1, "AREA_UR": 1, "EDAD_AGRU": 2,
    "COMPLICARO": 1, "DIA_CERT": 2, "MES_CERT": 2, "ANIO_CERT": 4, "MATERNAS": 4, "LENGUA": 1, "COND_ACT": 1,
    "PAR_AGRE": 2, "ENT_OCULES": 2, "MUN_OCULES": 3, "LOC_OCULES": 4, "RAZON_M": 1, "DIS_RE_OAX": 1, "PESO": 4,
}  # fmt: skip

# (deleted, ENT_OCURR, MES_OCURR, ANIO_OCUR, PRESUNTO, CAUSA_DEF); pre-2021 codes: 2 homicide, 8 natural
RECORDS = [
    (False, 12, 5, 2020, 2, "X954"),  # homicides in Guerrero: 2020-05 ×2, 2020-06, 2019-11 (late registration)
    (False, 12, 5, 2020, 2, "X994"),
    (False, 12, 6, 2020, 2, "X954"),
    (False, 12, 11, 2019, 2, "X959"),
    (False, 32, 5, 2020, 2, "X954"),  # Zacatecas 2020-05
    (False, 99, 7, 2020, 2, "Y099"),  # state of occurrence unknown: national total only
    (True, 12, 5, 2020, 2, "X954"),  # deleted: not counted
    (False, 12, 5, 2020, 8, "I219"),  # natural, accident, suicide, unspecified
    (False, 12, 4, 2020, 8, "E149"),
    (False, 32, 1, 2020, 8, "J189"),
    (False, 32, 2, 2020, 1, "V892"),
    (False, 9, 3, 2020, 3, "X700"),
    (False, 9, 8, 2020, 4, "R99X"),
]


def record(deleted: bool, ent: int, month: int, year: int, presunto: int, cause: str) -> bytes:
    values = {name: "9" * width for name, width in FIELDS.items()}  # 9s: "not specified" in INEGI's catalogs
    values.update(ENT_REGIS="12", MUN_REGIS="001", ENT_OCURR=f"{ent:02d}", MUN_OCURR="999" if ent == 99 else "001")
    values.update(CAUSA_DEF=cause, SEXO="1", EDAD="4034", DIA_OCURR="15", MES_OCURR=f"{month:02d}")
    values.update(ANIO_OCUR=str(year), DIA_REGIS="02", MES_REGIS="12", ANIO_REGIS="2020", PRESUNTO=str(presunto))
    body = "".join(values[name].ljust(width)[:width] for name, width in FIELDS.items())
    return (b"*" if deleted else b" ") + body.encode("ascii")


def table() -> bytes:
    header_length = 32 + 32 * len(FIELDS) + 1
    record_length = 1 + sum(FIELDS.values())
    # version 3, last update 2021-07-31, record count, lengths, language driver 0x03 (windows-1252)
    header = struct.pack("<BBBBLHH17xB2x", 0x03, 121, 7, 31, len(RECORDS), header_length, record_length, 0x03)
    fields = b"".join(
        struct.pack("<11scLBB14x", name.encode("ascii"), b"C", 0, width, 0) for name, width in FIELDS.items()
    )
    return header + fields + b"\r" + b"".join(record(*r) for r in RECORDS) + b"\x1a"


if __name__ == "__main__":
    out = Path(__file__).with_name("DEFUN20.dbf")
    out.write_bytes(table())
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(RECORDS)} records)")
