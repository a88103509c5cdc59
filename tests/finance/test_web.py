"""Finance pages and API: lists, name search, file screening with exports, analyses, platform parties."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from bicentennial.finance.synthetic import generate, write_csv
from tests.conftest import SHARED, make_user
from tests.web.web_helpers import api_token, csrf_from, sign_in

NATIONAL = (
    "nombre,alias,tipo,fecha_nacimiento,curp,rfc,nacionalidad,programa\n"
    '"ARRIOLA MARQUEZ, Miguel Angel",El Gordo,persona,1967-12-15,AIMM671215HCHRRG06,,México,UIF\n'
    '"GRUPO INMOBILIARIO DEL NORTE, S.A. DE C.V.",,empresa,,,GIN0501019K3,México,UIF\n'
)


def _import_national(client, auth) -> None:  # type: ignore[no-untyped-def]
    files = [("files", ("uif.csv", NATIONAL.encode(), "text/csv"))]
    made = client.post(
        "/api/v1/finance/lists", files=files, data={"format": "csv", "name": "UIF bloqueados"}, headers=auth
    )
    assert made.status_code == 201, made.text
    assert made.json()["entities"] == 2


def test_lists_need_the_import_permission_and_report_errors(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "ana", "UIF", "analyst")
    make_user(db, "jefa", "UIF", "agency_admin")
    files = [("files", ("uif.csv", NATIONAL.encode(), "text/csv"))]
    assert (
        client.post(
            "/api/v1/finance/lists", files=files, data={"format": "csv", "name": "X"}, headers=api_token(db, "ana")
        ).status_code
        == 403
    )
    bad = [("files", ("roto.csv", b'nombre,tipo\n"A,b\n', "text/csv"))]
    refused = client.post(
        "/api/v1/finance/lists", files=bad, data={"format": "csv", "name": "X"}, headers=api_token(db, "jefa")
    )
    assert refused.status_code == 422 and "roto.csv" in refused.json()["error"]["message"]
    _import_national(client, api_token(db, "jefa"))
    listed = client.get("/api/v1/finance/lists", headers=api_token(db, "ana")).json()
    assert listed[0]["name"] == "UIF bloqueados" and listed[0]["in_use"]


def test_search_screen_and_export(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "jefa", "UIF", "agency_admin")
    make_user(db, "fincen", "FINCEN", "analyst")
    auth = api_token(db, "jefa")
    assert client.get("/api/v1/finance/search", params={"name": "X"}, headers=auth).status_code == 422  # no list yet
    _import_national(client, auth)
    found = client.get(
        "/api/v1/finance/search", params={"name": "Miguel Ángel Arriola", "dob": "1967-12-15"}, headers=auth
    ).json()
    assert (
        found["decision"] == "match" and found["name"] == "ARRIOLA MARQUEZ, Miguel Angel"
    )  # no maternal surname, DOB agrees
    assert any("date of birth" in r and "agrees" in r for r in found["reasons"])
    assert found["reasons_text"] == found["reasons"]  # lang defaults to English
    spanish = client.get(
        "/api/v1/finance/search",
        params={"name": "Miguel Ángel Arriola", "dob": "1967-12-15", "lang": "es"},
        headers=auth,
    ).json()
    assert spanish["reasons"] == found["reasons"]  # scripts keep reading English reasons
    assert "la fecha de nacimiento 1967-12-15 coincide con la de la lista, 1967-12-15" in spanish["reasons_text"]
    assert "MIGUEL = MIGUEL (exacto)" in spanish["reasons_text"]
    assert spanish["explanations"][0] == {
        "template": "{query} = {listed} (exact)",
        "params": {"query": "MIGUEL", "listed": "MIGUEL"},
    }
    assert client.get("/api/v1/finance/search", params={"name": "X", "lang": "fr"}, headers=auth).status_code == 422
    by_curp = client.post(
        "/api/v1/finance/screen", json={"name": "Otro Nombre", "curp": "AIMM671215HCHRRG06"}, headers=auth
    ).json()
    assert by_curp["decision"] == "match" and any("CURP" in r for r in by_curp["reasons"])
    customers = (
        "nombre,rfc\nGrupo Inmobiliario del Norte SA de CV,\nJuan Hernández García,\nCliente X,GIN0501019K3\n,\n"
    )
    made = client.post(
        "/api/v1/finance/screenings", files={"file": ("clientes.csv", customers.encode(), "text/csv")}, headers=auth
    )
    assert made.status_code == 201, made.text
    summary = made.json()["summary"]
    assert summary["match"] == 2 and summary["no-match"] == 1 and summary["error"] == 1
    rows = client.get(f"/api/v1/finance/screenings/{made.json()['id']}/rows", headers=auth).json()
    assert [r["decision"] for r in rows] == ["match", "no-match", "match", "error"]
    rows_es = client.get(
        f"/api/v1/finance/screenings/{made.json()['id']}/rows", params={"lang": "es"}, headers=auth
    ).json()
    assert rows_es[1]["reasons"] == ["no listed name is close enough"]
    assert rows_es[1]["reasons_text"] == ["ningún nombre de la lista es suficientemente parecido"]
    assert rows_es[3]["reasons_text"] == rows_es[3]["reasons"]  # an error row has no template: English as stored
    sheet = load_workbook(
        io.BytesIO(
            client.get(
                f"/api/v1/finance/screenings/{made.json()['id']}/rows", params={"format": "xlsx"}, headers=auth
            ).content
        )
    ).active
    assert sheet is not None and sheet.cell(1, 2).value == "decision"
    assert (
        client.get(f"/api/v1/finance/screenings/{made.json()['id']}", headers=api_token(db, "fincen")).status_code
        == 404
    )


def test_pages_in_spanish(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "jefa", "UIF", "agency_admin")
    _import_national(client, api_token(db, "jefa"))
    sign_in(client, "jefa")
    client.cookies.set("bc_lang", "es")
    page = client.get("/finance", params={"name": "Arriola Marquez Miguel Angel"})
    assert page.status_code == 200 and "coincidencia" in page.text and "ARRIOLA MARQUEZ" in page.text
    upload = client.post(
        "/finance/screenings",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("c.csv", b"nombre\nMiguel Angel Arriola Marquez\n", "text/csv")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    assert "MIGUEL = MIGUEL (exacto)" in page.text and "(exact)<" not in page.text
    table = client.get(upload.headers["location"])
    assert "ARRIOLA MARQUEZ" in table.text
    assert "ARRIOLA = ARRIOLA (exacto)" in table.text and "(exact)<" not in table.text
    link = re.search(r'href="(/finance/entities/[^"]+)"', table.text)
    assert link is not None
    entity = client.get(link.group(1))
    assert entity.status_code == 200 and "El Gordo" in entity.text
    assert client.get("/finance/lists").status_code == 200


def test_transactions_are_analysed_with_designated_links(client, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "jefa", "UIF", "agency_admin")
    auth = api_token(db, "jefa")
    _import_national(client, auth)
    transactions, _truth = generate(300, 60, 3, {"structuring_us": 3, "funnel": 3, "designated": 2})
    path = tmp_path / "movs.csv"
    write_csv(path, transactions)
    with path.open("a", encoding="utf-8") as f:
        f.write("not,a,valid,row\n")
    made = client.post(
        "/api/v1/finance/analyses", files={"file": ("movs.csv", path.read_bytes(), "text/csv")}, headers=auth
    )
    assert made.status_code == 201, made.text
    body = client.get(f"/api/v1/finance/analyses/{made.json()['id']}", headers=auth).json()
    assert body["summary"]["alerts"] > 0 and body["summary"]["bad_rows"] == 1 and body["summary"]["synthetic"]
    assert body["network"]["components"] and body["alerts"][0]["rule"]
    assert all(a["text"] == a["rule"] and a["template"] for a in body["alerts"])
    spanish = client.get(f"/api/v1/finance/analyses/{made.json()['id']}", params={"lang": "es"}, headers=auth).json()
    assert [a["rule"] for a in spanish["alerts"]] == [a["rule"] for a in body["alerts"]]
    structuring = next(a for a in spanish["alerts"] if a["typology"] == "structuring_us")
    assert "depósitos en efectivo de USD 8,000" in structuring["text"]
    assert "cash deposits" not in structuring["text"]
    top = spanish["network"]["components"][0]
    assert re.match(r"\d+ alertas?: ", top["text"][0]) and top["text"] != top["explanation"]
    sign_in(client, "jefa")
    page = client.get(f"/finance/analyses/{made.json()['id']}")
    assert page.status_code == 200 and "chart-net" in page.text
    client.cookies.set("bc_lang", "es")
    page = client.get(f"/finance/analyses/{made.json()['id']}")
    assert "depósitos en efectivo de USD 8,000" in page.text and re.search(r"\d+ alertas?: ", page.text)


def test_platform_parties_on_the_list(client, db) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.precursors import notifications as pen

    make_user(db, "jefa", "COFEPRIS", "agency_admin")
    auth = api_token(db, "jefa")
    _import_national(client, auth)
    with db.session() as s:
        from bicentennial.access import service as access

        actor = access.get_user(session=s, username="jefa")
        draft = pen.NotificationDraft(
            importing_agency="DEA", exporter="Grupo Inmobiliario del Norte S.A. de C.V.", exporter_country="MX",
            importer="Midwest Fine Chemicals Inc.", importer_country="US", substance="acetone", quantity=100, unit="kg",
        )  # fmt: skip
        pen.file_notification(session=s, actor=actor, draft=draft)
    hits = client.get("/api/v1/finance/parties", params={"lang": "es"}, headers=auth).json()
    assert [(h["role"], h["decision"]) for h in hits] == [("exporter", "match")]
    assert "GRUPO = GRUPO (exact)" in hits[0]["reasons"] and "GRUPO = GRUPO (exacto)" in hits[0]["reasons_text"]
    sign_in(client, "jefa")
    client.cookies.set("bc_lang", "es")
    assert "GRUPO = GRUPO (exacto)" in client.get("/finance/parties").text
    assert SHARED.exists()


def test_hits_show_on_the_records_own_pages(client, db) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.access import service as access
    from bicentennial.cooperation import service as coop
    from bicentennial.precursors import notifications as pen

    make_user(db, "jefa", "COFEPRIS", "agency_admin")
    _import_national(client, api_token(db, "jefa"))
    with db.session() as s:
        actor = access.get_user(session=s, username="jefa")
        draft = pen.NotificationDraft(
            importing_agency="DEA", exporter="Grupo Inmobiliario del Norte S.A. de C.V.", exporter_country="MX",
            importer="Midwest Fine Chemicals Inc.", importer_country="US", substance="acetone", quantity=100, unit="kg",
        )  # fmt: skip
        notification = pen.file_notification(session=s, actor=actor, draft=draft).id
        request = coop.create_request(
            session=s,
            actor=actor,
            draft=coop.RequestDraft(
                type="mutual_legal_assistance", receiving_agency="DEA", subject="Arriola Márquez, Miguel Ángel"
            ),
        ).id
    sign_in(client, "jefa")
    page = client.get(f"/precursors/notifications/{notification}")
    assert "Sanctions screening" in page.text and "GRUPO INMOBILIARIO DEL NORTE" in page.text
    page = client.get(f"/cooperation/requests/{request}")
    assert "Sanctions screening" in page.text and "ARRIOLA MARQUEZ" in page.text
    client.cookies.set("bc_lang", "es")
    page = client.get(f"/cooperation/requests/{request}")
    assert "ARRIOLA = ARRIOLA (exacto)" in page.text and "(exact)" not in page.text
