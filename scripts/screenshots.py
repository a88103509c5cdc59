"""Render the main pages in headless Chromium, in English and Spanish, for a visual check.

    python scripts/screenshots.py [--out screenshots]

Uses a throw-away SQLite database with synthetic requests; never touches your data.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from bicentennial.access import service as access
from bicentennial.bootstrap import seed_reference_data
from bicentennial.cooperation import demo
from bicentennial.core.config import Settings
from bicentennial.core.db import Database
from bicentennial.core.migrate import upgrade
from bicentennial.firearms import service as firearms
from bicentennial.web.app import create_app

PASSWORD = "screenshot password"
PAGES = [
    "/",
    "/outcomes",
    "/outcomes/indicators/mx_homicide_rate",
    "/outcomes/indicators/us_overdose_deaths",
    "/outcomes/imports",
    "/firearms",
    "/firearms/networks",
    "/firearms/traces",
    "/hotspots",
    "/hotspots/runs/1",
    "/hotspots/runs/2",
    "/hotspots/targets",
    "/hotspots/deployments/1",
    "/hotspots/datasets",
    "/evaluation",
    "/evaluation/runs/1",
    "/evaluation/runs/2",
    "/evaluation/plans",
    "/cooperation",
    "/cooperation/requests",
    "/cooperation/requests/1",
    "/cooperation/delays",
    "/cooperation/access",
    "/cooperation/requests/new",
    "/precursors",
    "/precursors/screenings/1",
    "/precursors/substances",
    "/precursors/substances/C028",
    "/precursors/lists",
    "/precursors/notifications",
    "/precursors/notifications/1",
    "/precursors/notifications/new",
    "/finance",
    "/finance?name=Miguel+Angel+Arriola&dob=1967-12-15",
    "/finance/screenings/1",
    "/finance/entities/ofac-sdn:9338",
    "/finance/typologies",
    "/finance/analyses/1",
    "/finance/parties",
    "/finance/lists",
    "/admin/audit",
    "/account",
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _hotspot_demo(s) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from bicentennial.hotspots import deployments, runs
    from bicentennial.hotspots import service as hotspots

    d = hotspots.load_demo(session=s, owner=access.get_agency(session=s, code="FGR"))
    assert d is not None
    analyst = access.get_user(session=s, username="fgr.admin")
    runs.run_now(session=s, actor=analyst, dataset_id=d.id, method="scan", parameters={"replicas": 99})
    runs.run_now(session=s, actor=analyst, dataset_id=d.id, method="emerging")
    deployment = deployments.create_deployment(
        session=s, actor=analyst, name="Fuerza de tarea (demo)", area_codes=["mx:08037"], start=date(2025, 6, 1)
    )
    from bicentennial.evaluation import plans
    from bicentennial.evaluation import service as evaluation

    evaluation.evaluate_accord(session=s, actor=analyst)
    evaluation.evaluate_deployment(session=s, actor=analyst, deployment_id=deployment.id, dataset_id=d.id)
    plans.create_plan(
        session=s,
        actor=analyst,
        name="Acuerdo: homicidios",
        method="its",
        spec_text=(
            "time: period\noutcome: mx_homicide_victims_sesnsp\ntreatment_start: 2022\nseasonal: false\nperiod: 1\n"
        ),
    )


def _precursors_demo(s, username: str) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    from bicentennial.precursors import screenings
    from bicentennial.precursors.demo import load_demo_notifications

    load_demo_notifications(s)
    sample = resources.files("bicentennial.precursors").joinpath("data", "sample_manifest.csv")
    with resources.as_file(sample) as path:
        actor = access.get_user(session=s, username=username)
        screenings.screen_file(session=s, actor=actor, path=path, file_name="sample_manifest.csv")


def _finance_demo(s, username: str, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    from bicentennial.finance import analyses, list_service, screenings, service
    from bicentennial.finance.synthetic import generate, write_csv

    actor = access.get_user(session=s, username=username)
    list_service.load_bundled(session=s, agency_id=actor.agency_id)
    customers = tmp / "clientes.csv"
    customers.write_text(
        "nombre,fecha_nacimiento,curp,pais\n"
        "Miguel Ángel Arriola Márquez,1967-12-15,,México\nJuan Pérez,,AIMO681106HCHRRS01,\n"
        "María Guadalupe Hernández López,1980-03-02,,MX\nRafael Caro Quintero,1970-01-01,,\n"
        "Grupo Inmobiliario Siete S.A. de C.V.,,,\n",
        encoding="utf-8",
    )
    screenings.screen_file(session=s, actor=actor, path=customers, file_name="clientes.csv")
    transactions, _ = generate(600, 90, 7, {"structuring_us": 4, "funnel": 3, "round_trip": 3, "designated": 2})
    movements = tmp / "movimientos_sinteticos.csv"
    write_csv(movements, transactions)
    found = service.screener(session=s)
    analyses.analyse_file(
        session=s,
        actor=actor,
        path=movements,
        file_name=movements.name,
        designated=found.designated_score if found else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--user", default="fgr.admin")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = Database.from_url(f"sqlite:///{tmp / 'shots.sqlite3'}")
    upgrade(db.engine)
    with db.session() as s:
        seed_reference_data(session=s)
        for name, agency, role in [("fgr.admin", "FGR", "agency_admin"), ("dea.admin", "DEA", "agency_admin")]:
            access.create_user(session=s, spec=access.NewUser(name, agency, role, name), password=PASSWORD, actor=None)
        demo.generate(session=s, count=400, seed=7)
        firearms.load_demo(session=s, owner=access.get_agency(session=s, code="FGR"), count=5000)
        _hotspot_demo(s)
        _precursors_demo(s, args.user)
        _finance_demo(s, args.user, tmp)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(data_dir=tmp), db), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS)
        for lang in ("en", "es"):
            page = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900}).new_page()
            page.goto(base + "/login")
            page.fill("#username", args.user)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            for path in PAGES:
                page.goto(base + path)
                page.wait_for_timeout(400)
                name = path.strip("/").replace("/", "-") or "home"
                page.screenshot(path=str(args.out / f"{name}-{lang}.png"), full_page=True)
        browser.close()
    server.should_exit = True
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
