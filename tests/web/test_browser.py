"""End to end in real headless Chromium: sign in, switch to Spanish, see the pillars, sign out."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bicentennial.core.config import Settings
from bicentennial.core.db import Database
from bicentennial.core.migrate import upgrade
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from bicentennial.bootstrap import seed_reference_data
    from bicentennial.web.app import create_app

    data = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{data / 'e2e.sqlite3'}"
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.session() as s:
        seed_reference_data(session=s)
    make_user(db, "ana", "SSPC", "system_admin")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(data_dir=data), db)  # type: ignore[call-arg]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    SERVER_DB[f"http://127.0.0.1:{port}"] = url
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium missing: `make test` installs it (Debian package chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("BICENTENNIAL_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_sign_in_switch_language_and_sign_out(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server + "/")
    assert page.url.startswith(server + "/login")
    shot(page, "login-en")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/")
    nav = page.get_by_role("navigation", name="Pillars")
    for name in ("Outcomes", "Hotspots", "Firearms", "Precursors", "Cooperation"):
        assert nav.get_by_role("link", name=name).is_visible()
    shot(page, "home-en")

    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    nav = page.get_by_role("navigation", name="Pilares")
    for name in ("Resultados", "Puntos críticos", "Armas de fuego", "Precursores", "Cooperación"):
        assert nav.get_by_role("link", name=name).is_visible()
    shot(page, "home-es")
    nav.get_by_role("link", name="Precursores").click()
    page.get_by_role("heading", name="Revisar un manifiesto").wait_for()
    page.get_by_role("link", name="Administración").click()
    shot(page, "admin-users-es")

    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(server + "/login")
    page.get_by_role("button", name="Iniciar sesión").wait_for()
    page.goto(server + "/")
    assert "/login" in page.url  # the session is gone
    context.close()


def test_request_send_grant_and_acknowledge_in_the_browser(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.core.db import Database

    db = Database.from_url(server_db_url(server))
    make_user(db, "dea.agent", "DEA", "analyst")
    make_user(db, "fgr.agent", "FGR", "analyst")
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.get_by_label("Username").fill("dea.agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(server + "/cooperation/requests/new")
    page.get_by_label("Type").select_option("extradition")
    page.get_by_label("Receiving agency").select_option("FGR")
    page.get_by_label("Subject").fill("Extradition of a fentanyl broker")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url("**/cooperation/requests/*")
    page.get_by_role("button", name="Sent").click()
    expect(page.locator(".facts .status")).to_have_text("Sent")
    page.get_by_text("Grant access…").click()
    page.get_by_label("Agency", exact=True).select_option("SSPC")
    page.get_by_label("Until (inclusive)").fill("2099-01-01")
    page.get_by_role("button", name="Grant", exact=True).click()
    page.get_by_role("alert").wait_for()  # more than a year ahead: refused, with the reason shown
    page.get_by_text("Grant access…").click()
    page.get_by_label("Agency", exact=True).select_option("SSPC")
    page.get_by_label("Until (inclusive)").fill(soon())
    page.get_by_role("button", name="Grant", exact=True).click()
    expect(page.locator("#grants tbody tr").first).to_contain_text("SSPC")
    shot(page, "request-detail-en")
    url = page.url
    page.get_by_role("button", name="Sign out").click()

    page.get_by_label("Username").fill("fgr.agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server + "/")
    page.get_by_text("Extradition of a fentanyl broker").first.wait_for()  # awaiting action on home
    page.goto(url)
    page.get_by_role("button", name="Acknowledged").click()
    expect(page.locator(".facts .status")).to_have_text("Acknowledged")


def soon() -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def server_db_url(server: str) -> str:
    return SERVER_DB[server]


SERVER_DB: dict[str, str] = {}


def test_scorecard_and_indicator_charts_render(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.core.db import Database

    make_user(Database.from_url(server_db_url(server)), "analyst.mx", "SSPC", "analyst")
    page = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.get_by_role("link", name="Español").click()
    page.get_by_label("Usuario").fill("analyst.mx")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto(server + "/outcomes")
    page.get_by_role("heading", name="Dos conteos oficiales de homicidios").wait_for()
    page.wait_for_selector("#chart-compare .main-svg")
    assert page.locator("table.scorecard tbody tr").count() >= 8
    shot(page, "scorecard-es")
    page.get_by_role("link", name="Tasa de homicidios").click()
    page.wait_for_selector("#chart-map .main-svg")
    assert page.locator("#chart-map path").count() > 32  # one filled shape per state, and more
    page.get_by_label("Área").select_option("mx:09")
    page.get_by_role("button", name="Mostrar").click()
    page.wait_for_url("**area=mx%3A09**")
    page.get_by_role("heading", name="Ciudad de México").wait_for()  # raises if it never shows
    shot(page, "indicator-es")


def test_hotspot_scan_runs_in_the_background_and_maps(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.access import service as access
    from bicentennial.core.db import Database
    from bicentennial.hotspots import service as hotspots
    from tests.hotspots.test_service import states_panel

    db = Database.from_url(server_db_url(server))
    make_user(db, "analyst.hs", "SSPC", "analyst")
    with db.session() as s:
        owner = access.get_agency(session=s, code="SSPC")
        dataset = hotspots.create_dataset(
            session=s,
            actor=None,
            owner=owner,
            panel=states_panel(),
            name="Estados (prueba)",
            source="test",
            level="state",
        ).id
    page = browser.new_context(locale="en", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.get_by_label("Username").fill("analyst.hs")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server}/hotspots?dataset={dataset}")
    page.get_by_label("Monte Carlo replicas").select_option("99")
    page.get_by_role("button", name="Run scan").click()
    page.wait_for_url("**/hotspots/runs/*")
    try:
        page.wait_for_selector("#chart-map .main-svg", timeout=90_000)  # the page polls until the thread is done
    except Exception:
        print(page.content()[-3000:])  # what the run page said instead (a failed run shows its reason)
        raise
    expect(page.get_by_role("heading", name="Clusters, most likely first")).to_be_visible()
    assert page.locator("table tbody tr").count() >= 1
    shot(page, "hotspots-run-en")
    page.get_by_role("link", name="Targeting").click()
    page.get_by_role("heading", name="Task-force targeting").wait_for()
    assert page.locator("table tbody tr").count() == 10


def test_manifest_screening_in_the_browser(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = Database.from_url(server_db_url(server))
    make_user(db, "cofe.br", "COFEPRIS", "analyst")
    manifest = tmp_path / "manifiesto.csv"
    manifest.write_text(
        "Nombre,CAS,SMILES,Cantidad,Unidad,Importador\n"
        "Clorhidrato de efedrina,50-98-6,,25,kg,Farmacéutica del Norte\n"
        "Strawberry aldehyde,77-83-8,CCOC(=O)C1OC1(C)c1ccccc1,100,kg,Sabores SA\n"
        ",,CC(=O)Cc1ccc(F)cc1,5,kg,Quimica Z\n"
        ",103-79-8,,1,kg,X\n",
        encoding="utf-8",
    )
    page = browser.new_context(locale="es", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.locator("#username").fill("cofe.br")
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(server + "/precursors")
    page.get_by_label("Manifiesto").set_input_files(str(manifest))
    page.get_by_role("button", name="Revisar", exact=True).click()
    page.wait_for_url("**/precursors/screenings/*")
    rows = page.locator("table.screened tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Efedrina")
    expect(rows.nth(0)).to_contain_text("controlada")
    expect(rows.nth(2)).to_contain_text("análogo halogenado en el anillo")
    expect(rows.nth(3)).to_contain_text("error")
    shot(page, "precursors-screening-es")
    page.get_by_label("Dictamen").select_option("review")
    page.get_by_role("button", name="Aplicar").click()
    expect(page.locator("table.screened tbody tr")).to_have_count(1)
    page.locator("table.screened tbody tr a").first.click()
    page.wait_for_url("**/precursors/substances/C020")
    expect(page.locator("figure.structure svg")).to_be_visible()
    shot(page, "precursors-substance-es")


def test_finance_search_and_network_in_the_browser(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.access import service as access
    from bicentennial.finance import analyses, list_service, service
    from bicentennial.finance.synthetic import generate, write_csv

    db = Database.from_url(server_db_url(server))
    make_user(db, "uif.br", "UIF", "analyst")
    movements = tmp_path / "movimientos.csv"
    transactions, _ = generate(300, 60, 5, {"structuring_us": 3, "round_trip": 2})
    write_csv(movements, transactions)
    with db.session() as s:
        actor = access.get_user(session=s, username="uif.br")
        list_service.load_bundled(session=s, agency_id=actor.agency_id)
        found = service.screener(session=s)
        analysis = analyses.analyse_file(
            session=s,
            actor=actor,
            path=movements,
            file_name=movements.name,
            designated=found.designated_score if found else None,
        ).id
    page = browser.new_context(locale="es", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.locator("#username").fill("uif.br")
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(server + "/finance")
    page.get_by_label("Nombre").fill("Rafael Caro Quintero")
    page.get_by_role("button", name="Buscar").click()
    expect(page.locator(".lookup-result")).to_contain_text("CARO QUINTERO, Rafael")
    expect(page.locator(".lookup-result .badge")).to_contain_text("coincidencia")
    shot(page, "finance-search-es")
    page.goto(f"{server}/finance/analyses/{analysis}")
    page.wait_for_selector("#chart-net .main-svg", timeout=30_000)
    page.wait_for_selector("#chart-typ .main-svg", timeout=30_000)
    shot(page, "finance-analysis-es")


def test_ballistics_comparison_in_the_browser(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.access import service as access
    from bicentennial.ballistics import service

    fadul = Path(__file__).resolve().parents[1] / "data" / "ballistics" / "fadul"
    db = Database.from_url(server_db_url(server))
    make_user(db, "lab.br", "FGR", "analyst")
    with db.session() as s:
        actor = access.get_user(session=s, username="lab.br")
        ids = [
            service.store_scan(
                session=s, actor=actor, data=(fadul / f"Fadul_{n}.x3p").read_bytes(), file_name=f"Fadul_{n}.x3p",
                case_number=f"CI-{n}", exhibit=n, preprocessed=True,
            ).id
            for n in ("1-1", "1-2")
        ]  # fmt: skip
    page = browser.new_context(locale="en", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server + "/login")
    page.locator("#username").fill("lab.br")
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(f"{server}/ballistics/scans/{ids[0]}")
    page.wait_for_selector("#chart-scan .main-svg", timeout=30_000)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table tbody tr").first).to_contain_text("CI-1-2")
    page.get_by_role("link", name="compare").first.click()
    page.wait_for_selector("#chart-cmp .main-svg", timeout=30_000)
    expect(page.locator(".kpi").first).to_contain_text("Identification")
    shot(page, "ballistics-compare-en")
