"""Load: 50 concurrent simulated users create, move and read requests for 60 seconds.

Runs the real app (uvicorn, several worker processes) on loopback against PostgreSQL
(BICENTENNIAL_BENCH_DATABASE_URL, else BICENTENNIAL_TEST_DATABASE_URL, in a schema of
its own). Half the users are DEA analysts who create and send extradition and visa
requests; the other half are FGR analysts who acknowledge, work and close the requests
addressed to them; everyone reads. Prints p50/p95/p99 latency per operation, the error
count, and reconciles the server's records with what the clients were told.

    python benchmarks/bench_requests_load.py [--users 50] [--seconds 60] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import httpx2 as httpx
from sqlalchemy import func, select, text

from bicentennial.access import credentials
from bicentennial.access import service as access
from bicentennial.audit import service as audit
from bicentennial.bootstrap import seed_reference_data
from bicentennial.cooperation.models import Request, RequestTransition
from bicentennial.core.db import Database
from bicentennial.core.migrate import upgrade

FLOW = ("acknowledged", "in_progress", "fulfilled")


def prepare(url: str, users: int) -> tuple[Database, list[tuple[str, str]]]:
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.session() as s:
        seed_reference_data(session=s)
    tokens = []
    with db.session() as s:
        for i in range(users):
            agency = "DEA" if i % 2 == 0 else "FGR"
            name = f"load-{agency.lower()}-{i}"
            access.create_user(
                session=s, spec=access.NewUser(name, agency, "analyst"), password=secrets.token_hex(12), actor=None
            )
            tokens.append((agency, credentials.create_token(session=s, username=name)[1]))
    return db, tokens


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.created: set[int] = set()
        self.moves: dict[int, int] = defaultdict(int)  # request id -> transitions acknowledged by the server

    def timed(self, op: str, started: float, response: httpx.Response, ok: tuple[int, ...]) -> bool:
        self.latency[op].append(time.perf_counter() - started)
        if response.status_code not in ok:
            self.errors.append(f"{op}: {response.status_code} {response.text[:120]}")
            return False
        return True


async def requester(
    client: httpx.AsyncClient, token: str, peer_box: asyncio.Queue[int], stats: Stats, until: float, rng: random.Random
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        kind = rng.choice(["extradition", "agent_visa", "mutual_legal_assistance"])
        to = "SRE" if kind == "agent_visa" else "FGR"
        body = {"type": kind, "receiving_agency": to, "subject": f"load {rng.random():.6f}", "handling_code": "H1"}
        t = time.perf_counter()
        r = await client.post("/api/v1/requests", json=body, headers=auth)
        if not stats.timed("create", t, r, (201,)):
            continue
        rid = r.json()["id"]
        stats.created.add(rid)
        t = time.perf_counter()
        r = await client.post(f"/api/v1/requests/{rid}/transitions", json={"to": "sent"}, headers=auth)
        if stats.timed("transition", t, r, (200,)):
            stats.moves[rid] += 1
            if to == "FGR":
                await peer_box.put(rid)
        t = time.perf_counter()
        stats.timed("list", t, await client.get("/api/v1/requests", params={"limit": 20}, headers=auth), (200,))


async def receiver(
    client: httpx.AsyncClient, token: str, inbox: asyncio.Queue[int], stats: Stats, until: float
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        try:
            rid = await asyncio.wait_for(inbox.get(), timeout=0.5)
        except TimeoutError:
            continue
        t = time.perf_counter()
        r = await client.get(f"/api/v1/requests/{rid}", headers=auth)
        if not stats.timed("read", t, r, (200,)):
            continue
        for to in FLOW:
            t = time.perf_counter()
            r = await client.post(f"/api/v1/requests/{rid}/transitions", json={"to": to}, headers=auth)
            if not stats.timed("transition", t, r, (200,)):
                break
            stats.moves[rid] += 1


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(q * (len(data) - 1)))] * 1000 if data else float("nan")


async def drive(base: str, tokens: list[tuple[str, str]], seconds: float) -> Stats:
    stats, until, rng = Stats(), time.monotonic() + seconds, random.Random(7)
    limits = httpx.Limits(max_connections=len(tokens) + 10, max_keepalive_connections=len(tokens) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        dea = [t for a, t in tokens if a == "DEA"]
        fgr = [t for a, t in tokens if a == "FGR"]
        boxes = [asyncio.Queue() for _ in fgr]
        tasks = [
            requester(client, tok, boxes[i % len(boxes)], stats, until, random.Random(rng.random()))
            for i, tok in enumerate(dea)
        ]
        tasks += [receiver(client, tok, boxes[i], stats, until + 5) for i, tok in enumerate(fgr)]
        await asyncio.gather(*tasks)
    return stats


def reconcile(db: Database, stats: Stats) -> list[str]:
    problems = []
    with db.session() as s:
        stored = set(s.scalars(select(Request.id).where(Request.subject.like("load %"))))
        if stored != stats.created:
            problems.append(f"requests: server has {len(stored)}, clients were told {len(stats.created)}")
        counts = dict(
            s.execute(
                select(RequestTransition.request_id, func.count())
                .where(RequestTransition.request_id.in_(stored), RequestTransition.from_status.is_not(None))
                .group_by(RequestTransition.request_id)
            ).all()
        )
        lost = [rid for rid, n in stats.moves.items() if counts.get(rid, 0) != n]
        if lost:
            problems.append(f"transitions differ for {len(lost)} request(s), e.g. {lost[:5]}")
        verdict = audit.verify_database(s)
        if not verdict.ok:
            problems.append(f"audit chain: {verdict.describe()}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    pg = os.environ.get("BICENTENNIAL_BENCH_DATABASE_URL") or os.environ.get("BICENTENNIAL_TEST_DATABASE_URL")
    if not pg:
        print("bench_requests_load: skipped, set BICENTENNIAL_BENCH_DATABASE_URL to a PostgreSQL database")
        return
    schema = f"bench_load_{secrets.token_hex(3)}"
    admin = Database.from_url(pg)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    server = None
    try:
        db, tokens = prepare(url, args.users)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "BICENTENNIAL_DATABASE_URL": url,
            "BICENTENNIAL_DATA_DIR": tempfile.mkdtemp(),
            "BICENTENNIAL_SECRET_KEY": secrets.token_urlsafe(40),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bicentennial.web.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        started = time.perf_counter()
        stats = asyncio.run(drive(base, tokens, args.seconds))
        elapsed = time.perf_counter() - started
        every = [v for values in stats.latency.values() for v in values]
        print(f"{args.users} users, {elapsed:.0f} s, {args.workers} server workers, PostgreSQL, loopback")
        print(f"{'operation':>11} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for op, values in [*sorted(stats.latency.items()), ("all", every)]:
            p50, p95, p99 = (pct(values, q) for q in (0.5, 0.95, 0.99))
            print(f"{op:>11} {len(values):>7} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}")
        print(f"throughput: {len(every) / elapsed:.0f} requests/s; errors: {len(stats.errors)}")
        for error in stats.errors[:10]:
            print("  ", error)
        problems = reconcile(db, stats)
        print("reconciled: " + ("OK, no lost writes" if not problems else "; ".join(problems)))
        if stats.errors or problems:
            sys.exit(1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
