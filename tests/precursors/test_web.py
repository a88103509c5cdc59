"""Precursor pages and API: upload a manifest, read the screened table, look up, substances, lists."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import make_user
from tests.web.web_helpers import api_token, csrf_from, sign_in

MANIFEST = (
    "Nombre,CAS,SMILES,Cantidad,Unidad,Importador\n"
    "Clorhidrato de efedrina,50-98-6,,25,kg,Farmacéutica del Norte\n"
    "Acetona,67-64-1,,2000,L,Pinturas Monterrey\n"
    "Strawberry aldehyde,77-83-8,CCOC(=O)C1OC1(C)c1ccccc1,100,kg,Sabores SA\n"
    ",103-79-8,,1,kg,X\n"
    "4-fluorophenylacetone,,CC(=O)Cc1ccc(F)cc1,5,kg,Quimica Z\n"
)


def test_upload_a_manifest_and_read_the_table(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "cofe", "COFEPRIS", "analyst")
    sign_in(client, "cofe")
    page = client.get("/precursors")
    assert page.status_code == 200 and "Screen a manifest" in page.text
    files = {"file": ("manifiesto.csv", MANIFEST.encode(), "text/csv")}
    posted = client.post(
        "/precursors/screenings",
        data={"csrf_token": csrf_from(page.text), "as_of": "2026-11-01"},
        files=files,
        follow_redirects=False,
    )
    assert posted.status_code == 303
    table = client.get(posted.headers["location"])
    assert table.status_code == 200
    assert "Ephedrine" in table.text and "manifiesto.csv" in table.text
    only_review = client.get(posted.headers["location"], params={"verdict": "review"}).text
    assert "fluorophenylacetone" in only_review and "Farmacéutica del Norte" not in only_review
    client.cookies.set("bc_lang", "es")
    assert "Efedrina" in client.get(posted.headers["location"]).text


def test_form_without_csrf_is_refused(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "cofe", "COFEPRIS", "analyst")
    sign_in(client, "cofe")
    files = {"file": ("m.csv", MANIFEST.encode(), "text/csv")}
    assert client.post("/precursors/screenings", files=files, follow_redirects=False).status_code == 403


def test_api_screening_rows_exports_and_access(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "cofe", "COFEPRIS", "analyst")
    make_user(db, "dea", "DEA", "analyst")
    auth = api_token(db, "cofe")
    created = client.post(
        "/api/v1/precursors/screenings",
        files={"file": ("m.csv", MANIFEST.encode(), "text/csv")},
        data={"as_of": "2026-11-01"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["summary"]["controlled"] == 2 and body["summary"]["review"] == 1 and body["summary"]["error"] == 1
    rows = client.get(f"/api/v1/precursors/screenings/{body['id']}/rows", headers=auth).json()
    assert [r["verdict"] for r in rows] == ["controlled", "controlled", "clear", "error", "review"]
    assert rows[0]["substance"] == "C008" and rows[0]["reasons"][0]["rule"] == "cas-derivative"
    csv_text = client.get(
        f"/api/v1/precursors/screenings/{body['id']}/rows", params={"format": "csv"}, headers=auth
    ).text
    assert csv_text.splitlines()[0].lstrip("\ufeff").startswith("row,line,verdict,substance")
    xlsx = client.get(
        f"/api/v1/precursors/screenings/{body['id']}/rows", params={"format": "xlsx", "lang": "es"}, headers=auth
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.cell(2, 5).value == "Efedrina"
    other = api_token(db, "dea")
    assert client.get(f"/api/v1/precursors/screenings/{body['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/precursors/screenings", headers=other).json() == []


def test_api_screen_one_record_and_lookup(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "cbp", "CBP", "viewer")
    auth = api_token(db, "cbp")
    one = client.post("/api/v1/precursors/screen", json={"name": "methyl anthranilate"}, headers=auth).json()
    assert one["verdict"] == "controlled" and one["lists"] == ["US-ListI"]
    found = client.get(
        "/api/v1/precursors/lookup", params={"q": "clorhidrato de efedrina", "lang": "es"}, headers=auth
    ).json()
    assert found["substance"] == "C008" and found["substance_name"] == "Efedrina"
    assert (
        client.get("/api/v1/precursors/lookup", params={"q": "CC(=O)Cc1ccccc1"}, headers=auth).json()["substance"]
        == "C020"
    )
    bad = client.post("/api/v1/precursors/screen", json={"smiles": "C1CC"}, headers=auth).json()
    assert bad["verdict"] == "error"


def test_substance_pages(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "ana", "FGR", "viewer")
    sign_in(client, "ana")
    listing = client.get("/precursors/substances", params={"jurisdiction": "MX"})
    assert listing.status_code == 200 and "Propionyl chloride" in listing.text and "Benzyl cyanide" not in listing.text
    page = client.get("/precursors/substances/C008")
    assert page.status_code == 200 and "<svg" in page.text and "Efedrina" in page.text and "50-98-6" in page.text
    assert client.get("/precursors/substances/C999").status_code == 404
    looked = client.get("/precursors", params={"q": "clorhidrato de efedrina"})
    assert "Ephedrine" in looked.text and "controlled" in looked.text


LIST_CSV = (
    "id,preferred_name_en,name_es,synonyms,cas,smiles,lists,un_status,us_status,mx_status\n"
    "MX1,Benzyl cyanide,Cianuro de bencilo,fenilacetonitrilo,140-29-4,N#CCc1ccccc1,MX-precursor,,,DOF 01-06-2026\n"
    "MX2,Propionyl chloride,Cloruro de propionilo,,79-03-8,CCC(=O)Cl,MX-precursor,,,DOF 13-05-2021\n"
)


def test_import_a_national_list_changes_screening_from_its_date(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "admin", "COFEPRIS", "agency_admin")
    make_user(db, "ana", "COFEPRIS", "analyst")
    files = {"file": ("mx.csv", LIST_CSV.encode(), "text/csv")}
    denied = client.post(
        "/api/v1/precursors/lists",
        files=files,
        data={"name": "MX 2026", "effective": "2026-06-01"},
        headers=api_token(db, "ana"),
    )
    assert denied.status_code == 403
    auth = api_token(db, "admin")
    made = client.post(
        "/api/v1/precursors/lists", files=files, data={"name": "MX 2026", "effective": "2026-06-01"}, headers=auth
    )
    assert made.status_code == 201 and made.json()["lists"] == ["MX-precursor"]
    manifest = {"file": ("m.csv", b"name\nbenzyl cyanide\nN-phenethyl-4-piperidone\n", "text/csv")}
    after = client.post(
        "/api/v1/precursors/screenings", files=manifest, data={"as_of": "2026-07-01"}, headers=auth
    ).json()
    rows = client.get(f"/api/v1/precursors/screenings/{after['id']}/rows", headers=auth).json()
    assert "MX-precursor" in rows[0]["lists"]  # newly listed in Mexico by the imported list
    assert (
        "MX-precursor" not in rows[1]["lists"]
    )  # NPP is not on the imported Mexican list, which replaces the bundled one
    manifest = {"file": ("m.csv", b"name\nbenzyl cyanide\n", "text/csv")}
    before = client.post(
        "/api/v1/precursors/screenings", files=manifest, data={"as_of": "2026-05-01"}, headers=auth
    ).json()
    rows = client.get(f"/api/v1/precursors/screenings/{before['id']}/rows", headers=auth).json()
    assert rows[0]["lists"] == ["US-ListI"]
    bad = client.post(
        "/api/v1/precursors/lists",
        files={"file": ("bad.csv", b"id,name\n1,x\n", "text/csv")},
        data={"name": "X", "effective": "2026-01-01"},
        headers=auth,
    )
    assert bad.status_code == 422 and "bad.csv" in bad.json()["error"]["message"]


def test_manifest_rows_get_suspicious_order_flags(client, db) -> None:  # type: ignore[no-untyped-def]
    make_user(db, "anam", "ANAM", "analyst")
    auth = api_token(db, "anam")
    lines = ["name,quantity,unit,importer,date"]
    lines += [
        f"acetone,{q},kg,Pinturas Monterrey SA de CV,2026-0{m}-01"
        for m, q in zip(range(1, 6), (200, 210, 190, 205, 5000), strict=True)
    ]
    lines += ["acetone,100,kg,Nuevo Comprador,2026-06-01", "glucose,999999,kg,Dulces SA,2026-06-01"]
    manifest = {"file": ("m.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}
    made = client.post("/api/v1/precursors/screenings", files=manifest, headers=auth).json()
    assert made["summary"]["flagged"] == 1  # the 5,000 kg order; a new importer's first order is only a note
    rows = client.get(f"/api/v1/precursors/screenings/{made['id']}/rows", headers=auth).json()
    assert rows[0]["flags"] == []
    assert any(f["rule"] == "quantity-above-history" and "5,000" in f["message"] for f in rows[4]["flags"])
    assert any(f["rule"] == "new-importer" for f in rows[5]["flags"])
    assert rows[6]["flags"] == []  # not a controlled chemical
