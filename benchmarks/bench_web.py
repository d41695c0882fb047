"""Benchmark: the web app on loopback with the default SQLite registry.

Run with ``.venv/bin/python -m benchmarks.bench_web [--users 50] [--requests 1000]
[--rows 1000000]``.

1. **Project page under load**: ``--users`` concurrent signed-in clients request the project
   page (``/projects/{id}``) until ``--requests`` responses or ``--seconds`` have passed; p50
   and p95 latency are reported (target: p95 under 300 ms). Baseline in the same run: the
   same load on a static file (``/static/equalqi.css``), i.e. the server's floor.
2. **Upload and analyse**: a ``--rows``-record CSV of the demo scenario is uploaded through
   the upload wizard (upload, match columns, check, confirm) and the seconds reported (target:
   under 30 s). Baseline in the same run: ``equalqi.services.analysis.pipeline.analyse`` on
   the same file directly, without the web app.

The server runs in its own process (uvicorn, one worker) so the load generator does not
share its interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

PASSWORD = "benchmark password 2024"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVER = """
import sys, uvicorn
from pathlib import Path
from equalqi.web import Settings, create_app
folder = Path(sys.argv[1])
settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'equalqi.db'}",
                    secret_key="benchmark-only-secret")
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(folder: Path, csv: Path) -> int:
    """Organisation, a user and one analysed project; returns the project id."""
    from equalqi.registry import analyses, datasets, projects
    from equalqi.registry.db import open_registry
    from equalqi.registry.organisations import create_organisation
    from equalqi.registry.users import create_user
    from equalqi.services.demo import demo_plan

    reg = open_registry(f"sqlite:///{folder / 'equalqi.db'}", data_dir=folder)
    with reg.session() as s, s.begin():
        org = create_organisation(s, "Benchmark Trust")
        user = create_user(s, org, "bench@example.nhs.uk", "Bench", "admin", PASSWORD)
        p = projects.create_project(s, user, projects.ProjectInput(title="Load test"))
        with csv.open("rb") as fh:
            d = datasets.store_upload(
                s, user, p.id, csv.name, fh, data_dir=folder, max_bytes=1 << 40
            )
        analyses.run_analysis(s, user, p.id, d.id, demo_plan("dna_sms"), data_dir=folder)
        pid = p.id
    reg.close()
    return pid


def sign_in(base: str) -> tuple[httpx.Cookies, str]:
    with httpx.Client(base_url=base, follow_redirects=True) as c:
        token = CSRF_RE.search(c.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        r = c.post(
            "/sign-in",
            data={
                "email": "bench@example.nhs.uk",
                "password": PASSWORD,
                "csrf_token": token,
                "next": "/projects",
            },
        )
        r.raise_for_status()
        token = CSRF_RE.search(c.get("/projects").text).group(1)  # type: ignore[union-attr]
        return c.cookies, token


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; returns the status code."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def load(
    port: int, path: str, cookie: str, users: int, total: int, seconds: float
) -> np.ndarray:
    """``users`` concurrent keep-alive connections requesting ``path`` back to back.

    A minimal HTTP/1.1 client on asyncio streams, so that the load generator (which shares
    the machine's cores with the server) costs far less CPU per request than the server.
    """
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        "Accept: text/html\r\n\r\n"
    ).encode()

    async def user() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while len(latencies) < total and time.perf_counter() < deadline:
                t0 = time.perf_counter()
                status = await _get(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
        finally:
            writer.close()

    await asyncio.gather(*(user() for _ in range(users)))
    return np.array(latencies)


def upload_and_analyse(
    base: str, cookies: httpx.Cookies, token: str, csv: Path
) -> dict[str, float]:
    times: dict[str, float] = {}
    with httpx.Client(base_url=base, cookies=cookies, timeout=600, follow_redirects=True) as c:
        t0 = time.perf_counter()
        r = c.post("/projects/new", data={"title": "Upload test", "csrf_token": token})
        pid = int(str(r.url).rstrip("/").rsplit("/", 1)[1])
        t1 = time.perf_counter()
        with csv.open("rb") as fh:
            r = c.post(
                f"/projects/{pid}/data",
                data={"csrf_token": token},
                files={"file": (csv.name, fh, "text/csv")},
            )
        r.raise_for_status()
        map_url = str(r.url)
        t2 = time.perf_counter()
        form = {
            "csrf_token": token,
            "measure_name": "DNA rate",
            "numerator": "dna",
            "improvement": "decrease",
            "date": "event_date",
            "imd_decile": "imd_decile",
            "ethnicity": "ethnic_category",
            "age": "age",
            "sex": "sex",
            "extra": "site",
            "intervention": "2024-01-01",
            "period": "month",
        }
        r = c.post(map_url, data=form)  # redirected to the check page, which scans the data
        r.raise_for_status()
        if "passed every check" not in r.text:
            raise RuntimeError("the check step found problems")
        plan_id = str(r.url).split("plan=")[1]
        t3 = time.perf_counter()
        r = c.post(
            map_url.replace("/map", "/analyse"), data={"csrf_token": token, "plan_id": plan_id}
        )
        r.raise_for_status()
        t4 = time.perf_counter()
    times.update(upload=t2 - t1, map_and_check=t3 - t2, analyse=t4 - t3, total=t4 - t1)
    _ = t0
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()

    from equalqi.synthetic import generate

    with tempfile.TemporaryDirectory(prefix="equalqi-bench-web-") as tmp:
        folder = Path(tmp)
        small = folder / "small.csv"
        generate("dna_sms", 20_000, 1)[0].to_csv(small, index=False)
        (folder / "data").mkdir()
        pid = seed(folder / "data", small)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(folder / "data"), str(port)], env=env
        )
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{base}/sign-in", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            cookies, token = sign_in(base)
            print(
                f"Load: {args.users} concurrent users, up to {args.requests} requests "
                f"or {args.seconds:.0f} s per target, SQLite registry, loopback."
            )
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            asyncio.run(load(port, f"/projects/{pid}", cookie, args.users, 100, 10))  # warm up
            results = {}
            for name, path in (
                ("static file (baseline)", "/static/equalqi.css"),
                ("project page", f"/projects/{pid}"),
            ):
                t0 = time.perf_counter()
                lat = asyncio.run(load(port, path, cookie, args.users, args.requests, args.seconds))
                wall = time.perf_counter() - t0
                p50, p95 = np.percentile(lat, [50, 95]) * 1000
                results[name] = (p50, p95)
                print(
                    f"  {name:24s} n={lat.size:5d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"{lat.size / wall:6.0f} req/s"
                )
            base_p95 = results["static file (baseline)"][1]
            page_p95 = results["project page"][1]
            print(
                f"  project page p95 = {page_p95 / base_p95:.2f} x the static-file p95; "
                f"target p95 < 300 ms: {'met' if page_p95 < 300 else 'NOT met'}"
            )

            big = folder / "big.csv"
            t0 = time.perf_counter()
            generate("dna_sms", args.rows, 2024)[0].to_csv(big, index=False)
            print(
                f"\nUpload and analyse: {args.rows:,} rows, "
                f"{big.stat().st_size / 1e6:,.0f} MB CSV (written in "
                f"{time.perf_counter() - t0:.1f} s)."
            )
            from equalqi.services.analysis.pipeline import analyse
            from equalqi.services.demo import demo_plan

            t0 = time.perf_counter()
            analyse(big, demo_plan("dna_sms"))
            direct = time.perf_counter() - t0
            times = upload_and_analyse(base, cookies, token, big)
            print(f"  direct analyse() (baseline)   {direct:6.1f} s")
            print(f"  web: upload                   {times['upload']:6.1f} s")
            print(f"  web: map columns + check      {times['map_and_check']:6.1f} s")
            print(f"  web: analyse and store        {times['analyse']:6.1f} s")
            print(
                f"  web: total                    {times['total']:6.1f} s = "
                f"{times['total'] / direct:.2f} x the direct analysis; target < 30 s: "
                f"{'met' if times['total'] < 30 else 'NOT met'}"
            )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
