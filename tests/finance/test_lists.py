"""List readers: the real OFAC SDN folder, small FTM and national CSV files, broken inputs."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bicentennial.core.errors import InvalidInput
from bicentennial.finance.lists import ListFile, read_csv_list, read_ftm, read_ofac_sdn
from tests.conftest import SHARED

SANCTIONS = SHARED / "sanctions"

SDN_ROWS = (
    '9338,"ARRIOLA MARQUEZ, Miguel Angel","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 15 Dec 1967; C.U.R.P. AIMM67125HCHRRG06 (Mexico) issued 1968; Linked To: GRUPO X, S.A. DE C.V."\r\n'
    '10000,"PEÑA CONSTRUCTORA, S.A. DE C.V.",-0- ,"SDNTK] [ILLICIT-DRUGS",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    "\"R.F.C. DIB-771110-HQ1 (Mexico); a.k.a. 'LA PE"
)


@pytest.fixture(scope="module")
def sdn() -> ListFile:
    started = time.perf_counter()
    listfile = read_ofac_sdn(SANCTIONS)
    print(f"\nread the real SDN folder in {time.perf_counter() - started:.2f} s")
    return listfile


def test_real_sdn_folder_reads_whole(sdn: ListFile) -> None:
    assert len(sdn.entities) == 8976
    aliases = Counter(alias.kind for entity in sdn.entities for alias in entity.aliases)
    assert aliases["aka"] + aliases["fka"] + aliases["nka"] == 11910  # every row of alt.csv
    assert aliases["weak"] > 2000  # quoted a.k.a.s from Remarks
    assert sum(len(entity.addresses) for entity in sdn.entities) == 11440  # add.csv rows with any content
    kinds = Counter(entity.kind for entity in sdn.entities)
    assert kinds == {"person": 4620, "company": 3673, "vessel": 406, "aircraft": 277}
    assert len(sdn.version) == 16 and sdn.published is None
    assert len(sdn.problems) == 105  # malformed CURPs/RFCs and disagreeing RFC check digits


def test_real_sdn_entity_9338(sdn: ListFile) -> None:
    entity = next(e for e in sdn.entities if e.id == "ofac-sdn:9338")
    assert (entity.kind, entity.name, entity.programs) == ("person", "ARRIOLA MARQUEZ, Miguel Angel", ("SDNTK",))
    assert entity.aliases[0].name == "ARREOLA MARQUEZ, Miguel Angel"
    assert entity.addresses[0].street == "Calle Mina No. 15" and entity.addresses[0].country == "Mexico"
    assert {i.kind: i.value for i in entity.identifiers} == {"rfc": "AIMM671215387", "curp": "AIMM67125HCHRRG06"}
    assert "sdn.csv line 1249 (entity 9338): C.U.R.P. 'AIMM67125HCHRRG06' has 17 characters, a CURP has 18" in (
        sdn.problems
    )


def test_real_sdn_comments_continue_the_right_remarks(sdn: ListFile) -> None:
    by_id = {entity.id: entity for entity in sdn.entities}
    cifuentes = by_id["ofac-sdn:12300"]
    assert "Linked To: PROMO RAIZ S.A.S.; Linked To: RED MUNDIAL" in cifuentes.remarks
    assert cifuentes.linked_to[-1] == "R D I S.A."
    tian = by_id["ofac-sdn:28263"]
    assert [a.name for a in tian.aliases if a.kind == "weak"][-1] == "snowsjohn"
    assert tian.linked_to == ("LAZARUS GROUP",)


def _sdn_folder(tmp_path: Path, sdn: bytes, alt: bytes | None = None) -> Path:
    (tmp_path / "sdn.csv").write_bytes(sdn)
    if alt is not None:
        (tmp_path / "alt.csv").write_bytes(alt)
    return tmp_path


def test_small_sdn_in_cp1252_with_eof_mark(tmp_path: Path) -> None:
    sdn = (SDN_ROWS + "'.\"\r\n").encode("cp1252") + b"\x1a"
    alt = b'10000,1,"fka","CONSTRUCTORA PE\xd1A",-0- \r\n9338,2,"aka","ARREOLA MARQUEZ, Miguel Angel",-0- \r\n'
    listfile = read_ofac_sdn(_sdn_folder(tmp_path, sdn, alt) / "sdn.csv")
    person, company = listfile.entities
    assert company.name == "PEÑA CONSTRUCTORA, S.A. DE C.V." and company.kind == "company"
    assert company.programs == ("SDNTK", "ILLICIT-DRUGS")
    assert [(a.name, a.kind, a.quality) for a in company.aliases] == [
        ("CONSTRUCTORA PEÑA", "fka", "strong"),
        ("LA PE", "weak", "weak"),
    ]
    assert person.linked_to == ("GRUPO X, S.A. DE C.V.",)
    assert listfile.problems == (
        "sdn.csv line 1 (entity 9338): C.U.R.P. 'AIMM67125HCHRRG06' has 17 characters, a CURP has 18",
    )


@pytest.mark.parametrize(
    ("sdn", "alt", "message"),
    [
        ('9338,"A, B","individual","SDNTK"\r\n', None, "sdn.csv line 1: 4 fields, expected 12"),
        ('x9,"A, B","individual"' + ",-0- " * 9 + "\r\n", None, "sdn.csv line 1: field ent_num 'x9' is not a number"),
        (
            '1,"A",-0- ' + ",-0- " * 9 + '\r\n1,"B",-0- ' + ",-0- " * 9 + "\r\n",
            None,
            "sdn.csv line 2: ent_num 1 is listed twice",
        ),
        ("1,-0- ,-0- " + ",-0- " * 9 + "\r\n", None, "sdn.csv line 1: field SDN_Name is empty"),
        ('1,"A","yacht"' + ",-0- " * 9 + "\r\n", None, "sdn.csv line 1: field SDN_Type 'yacht'"),
        (
            '1,"A",-0- ' + ",-0- " * 9 + "\r\n",
            '1,1,"aka","B",-0- \r\n\r\nA,2,"aka","C",-0- \r\n',
            "alt.csv line 3: field ent_num",
        ),
        ('1,"A",-0- ' + ",-0- " * 9 + "\r\n", '1,1,"aka"\r\n', "alt.csv line 1: 3 fields, expected 5"),
    ],
)
def test_broken_sdn_rows_raise_naming_file_line_and_field(
    tmp_path: Path, sdn: str, alt: str | None, message: str
) -> None:
    folder = _sdn_folder(tmp_path, sdn.encode(), alt.encode() if alt else None)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_ofac_sdn(folder)


def test_missing_sdn_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"no sdn\.csv"):
        read_ofac_sdn(tmp_path)


FTM_LINES = [
    {
        "id": "ofac-9338",
        "schema": "Person",
        "last_change": "2021-06-01T10:00:00",
        "properties": {
            "name": ["Miguel Angel Arriola Marquez"],
            "alias": ["Miguel Angel Arreola Marquez"],
            "weakAlias": ["El Migue"],
            "birthDate": ["1967-12-15", "1968"],
            "nationality": ["mx"],
            "idNumber": ["AIMM671215HCHRRG06"],
            "taxNumber": ["AIMM-671215-387"],
            "passportNumber": ["G025057"],
            "program": ["SDNTK"],
        },
    },
    {"id": "addr-1", "schema": "Address", "properties": {"full": ["Calle Mina 15"]}},
    {"id": "co-1", "schema": "Company", "properties": {"name": ["Grupo X, S.A. de C.V."], "jurisdiction": ["mx"]}},
]


def test_small_ftm_file(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(line) for line in FTM_LINES) + "\n\n", encoding="utf-8")
    listfile = read_ftm(path)
    person, company = listfile.entities
    assert (person.id, person.kind, person.list) == ("opensanctions:ofac-9338", "person", "opensanctions")
    assert [(a.name, a.kind, a.quality) for a in person.aliases] == [
        ("Miguel Angel Arreola Marquez", "aka", "strong"),
        ("El Migue", "weak", "weak"),
    ]
    assert [d.text for d in person.dobs] == ["1967-12-15", "1968"]
    assert {i.kind: (i.value, i.valid) for i in person.identifiers} == {
        "curp": ("AIMM671215HCHRRG06", True),  # 9338's CURP with the day digit the SDN dropped
        "rfc": ("AIMM671215387", True),
        "passport": ("G025057", None),
    }
    assert person.nationalities == ("mx",) and person.programs == ("SDNTK",)
    assert (company.kind, company.nationalities) == ("company", ("mx",))
    assert listfile.published is not None and listfile.published.isoformat() == "2021-06-01"
    assert listfile.problems == (
        "entities.ftm.json line 1 (ofac-9338): taxNumber 'AIMM-671215-387' check digit is 7, SAT's algorithm gives 3",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "schema": "Person", "properties": {"name": ["A"]', "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"schema": "Person", "properties": {}}', "line 2: field id is missing"),
        (
            '{"id": "x", "schema": "Person", "properties": {"name": "A"}}',
            "line 2: field properties.name must be a list",
        ),
        ('{"id": "x", "schema": "Person", "properties": {"alias": ["A"]}}', "line 2: field properties.name is empty"),
    ],
)
def test_broken_ftm_raises_naming_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps(FTM_LINES[2]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(f"list.json {message}")):
        read_ftm(path)


NATIONAL = (
    "ID;Nombre;Alias;Tipo;Fecha de nacimiento;CURP;RFC;Nacionalidad;País;Programa\n"
    "LPB-1;JOSÉ DE JESÚS GÓMEZ PEÑA;Chuy Gómez|El Chuy;persona;15/12/1967;AIMO681106HCHRRS01;;mexicana;México;LPB\n"
    "LPB-2;Constructora del Norte, S.A. de C.V.;;;;;DIB-771110-HQ1;;México;LPB\n"
    'LPB-3;"Pérez; Juan";;;1970;;;;;\n'
)


def test_national_csv_in_spanish(tmp_path: Path) -> None:
    path = tmp_path / "lpb.csv"
    path.write_bytes(NATIONAL.encode("utf-8"))
    listfile = read_csv_list(path, name="mx-lpb")
    jose, company, juan = listfile.entities
    assert (jose.id, jose.kind, jose.list) == ("mx-lpb:LPB-1", "person", "mx-lpb")
    assert [a.name for a in jose.aliases] == ["Chuy Gómez", "El Chuy"]
    assert jose.dobs[0].is_exact and jose.dobs[0].year == 1967
    assert [(i.kind, i.value, i.valid) for i in jose.identifiers] == [("curp", "AIMO681106HCHRRS01", True)]
    assert jose.nationalities == ("mexicana",) and jose.addresses[0].country == "México"
    assert company.kind == "company"  # a 12-character RFC belongs to a company
    assert (juan.name, juan.kind) == ("Pérez; Juan", "person")
    assert listfile.problems == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alias,curp\nA,B\n", "line 1: no name/nombre column"),
        ("name,nombre\nA,B\n", "line 1: column 'nombre' appears twice"),
        ("name,kind\nA,person\nB\n", "line 3: 1 fields, the header has 2"),
        ("name,kind\nA,person\n,company\n", "line 3: field name is empty"),
        ("nombre,tipo\nA,barco pirata\n", "line 2: field tipo 'barco pirata' is not person"),
        ("id,name\n1,A\n1,B\n", "line 3: id '1' is listed twice"),
        ("", "the file is empty"),
        ('name\n"A\n', "not readable as CSV"),
    ],
)
def test_broken_national_csv_raises(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_csv_list(path, name="mx-lpb")


def test_national_csv_value_problems_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,dob,curp\nA,31/02/1970,AIMM67125HCHRRG06\n", encoding="utf-8")
    listfile = read_csv_list(path, name="x")
    assert listfile.entities[0].dobs == ()
    assert listfile.problems == (
        "list.csv line 2: CURP 'AIMM67125HCHRRG06' has 17 characters, a CURP has 18",
        "list.csv line 2: dob '31/02/1970' could not be read",
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300), st.text(alphabet='name,nombre;tipo\n"\r\x00é|curp12', max_size=200).map(str.encode)
    )
)
def test_read_csv_list_parses_or_raises_invalid_input(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        listfile = read_csv_list(path, name="random")
    except InvalidInput as exc:
        assert exc.message
    else:
        assert all(entity.name for entity in listfile.entities)
