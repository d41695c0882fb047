"""Load test of the web app with Locust, on SQLite and on PostgreSQL.

Run with ``.venv/bin/python -m benchmarks.bench_web [--users 50] [--spawn-rate 10]
[--seconds 75] [--backends sqlite,postgresql] [--no-write]``.

For each backend: a fresh registry is seeded with ``--users`` accounts and one project
analysed from a synthetic extract (``equalqi.synthetic``) through the job runner; a real
``equalqi serve`` runs on loopback (one process); Locust (:mod:`benchmarks.locustfile`) runs
headless for ``--seconds``: every user signs in with its own account, then requests HTML
pages, the JSON API, static files and a form POST with its CSRF token, 1 to 3 s apart.
Reported per route: requests, p50, p95, failures (target: p95 under 300 ms, no failures).
Straight after, the server must still answer ``/sign-in`` and a static file normally.

The PostgreSQL server is ``$EQUALQI_TEST_POSTGRES_URL`` or a throwaway one started with
``scripts/postgres-test.sh``. Results go into ``benchmarks/RESULTS.md`` between the
``web-load`` markers (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- web-load:start -->", "<!-- web-load:end -->"
PASSWORD = "benchmark password 2024"
PG = ROOT / "scripts" / "postgres-test.sh"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, folder: Path, users: int) -> tuple[list[str], int, int]:
    """``users`` editors in one organisation and a project analysed through a job (run here,
    not in a request); returns (e-mails, project id, job id)."""
    from equalqi.registry import datasets, jobs, projects
    from equalqi.registry.analyses import save_plan
    from equalqi.registry.db import open_registry
    from equalqi.registry.organisations import create_organisation
    from equalqi.registry.users import create_user
    from equalqi.services.demo import demo_plan
    from equalqi.services.jobs import analyse_now
    from equalqi.synthetic import generate

    reg = open_registry(url, data_dir=folder)
    emails = [f"user{i:03d}@bench.example.nhs.uk" for i in range(users)]
    frame, _truth = generate("dna_sms", 50_000, 11)
    extract = folder / "extract.csv"
    frame.to_csv(extract, index=False)
    with reg.session() as s, s.begin():
        org = create_organisation(s, "Benchmark NHS Trust")
        people = [create_user(s, org, e, e.split("@")[0], "editor", PASSWORD) for e in emails]
        p = projects.create_project(s, people[0], projects.ProjectInput(title="Load test"))
        with extract.open("rb") as fh:
            d = datasets.store_upload(
                s, people[0], p.id, extract.name, fh, data_dir=folder, max_bytes=1 << 40
            )
        plan = save_plan(s, people[0], p.id, demo_plan("dna_sms"))
        job = jobs.queue_analysis(s, people[0], p.id, d.id, plan.id)
        project_id, job_id = p.id, job.id
    analyse_now(reg, job_id)
    reg.close()
    return emails, project_id, job_id


def serve(url: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EQUALQI_SECRET_KEY": uuid.uuid4().hex, "EQUALQI_HOME": str(folder)}
    cmd = [str(BIN / "equalqi"), "serve", "--db", url, "--data-dir", str(folder)]
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sign-in").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("equalqi serve did not start")


def locust(
    base: str, emails: list[str], project: int, job: int, args: argparse.Namespace, out: Path
) -> list[Row]:
    env = {
        **os.environ,
        "EQUALQI_BENCH_EMAILS": ",".join(emails),
        "EQUALQI_BENCH_PASSWORD": PASSWORD,
        "EQUALQI_BENCH_PROJECT": str(project),
        "EQUALQI_BENCH_JOB": str(job),
        "EQUALQI_BENCH_RAMP_FILE": f"{out}_ramp.json",
        "EQUALQI_BENCH_SETTLE": str(args.settle),
    }
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.seconds}s",
            "--host",
            base,
            "--csv",
            str(out),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,  # locust exits 1 when any request failed; the table shows them
    )
    rows = []
    with open(f"{out}_stats.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if int(r["Request Count"]) == 0:  # e.g. sign-in: all of them were in the ramp-up
                continue
            rows.append(
                Row(
                    r["Name"],
                    int(r["Request Count"]),
                    int(r["Failure Count"]),
                    float(r["50%"]),
                    float(r["95%"]),
                )
            )
    ramp = [Row(**r) for r in json.loads(Path(f"{out}_ramp.json").read_text(encoding="utf-8"))]
    return ramp, rows


def after(base: str) -> str:
    """Straight after the load: the sign-in page and a static file, answered normally?"""
    codes = []
    with httpx.Client(base_url=base) as c:
        for path in ("/sign-in", "/static/equalqi.css", "/api/projects"):
            codes.append(f"{path} {c.get(path).status_code}")
    return ", ".join(codes)


def run_backend(name: str, url: str, args: argparse.Namespace) -> tuple[list[Row], list[Row], str]:
    with tempfile.TemporaryDirectory(prefix=f"equalqi-bench-{name}-") as tmp:
        folder = Path(tmp)
        emails, project, job = seed(url, folder, args.users)
        port = _free_port()
        proc = serve(url, folder, port)
        try:
            ramp, rows = locust(
                f"http://127.0.0.1:{port}", emails, project, job, args, folder / "l"
            )
            check = after(f"http://127.0.0.1:{port}")
        finally:
            proc.terminate()
            proc.wait(30)
    return ramp, rows, check


def _postgres() -> tuple[str, str | None]:
    """(server URL, state folder to stop afterwards or None when given by the environment)."""
    given = os.environ.get("EQUALQI_TEST_POSTGRES_URL")
    if given:
        return given, None
    state = f"/tmp/equalqi-pg-bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "EQUALQI_PG_STATE": state}
    out = subprocess.run(["bash", str(PG), "start"], env=env, capture_output=True, text=True)
    out.check_returncode()
    return out.stdout.strip().splitlines()[-1], state


def _fresh_database(server: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def table(name: str, ramp: list[Row], rows: list[Row], check: str) -> str:
    """Steady state and ramp-up side by side, one line per route."""
    lines = [
        f"### {name}",
        "",
        "| route | steady: requests | p50 ms | p95 ms | failures | ramp-up: requests | p50 ms "
        "| p95 ms | failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_name = {r.name: r for r in ramp}
    names = sorted({r.name for r in rows} | set(by_name), key=lambda n: (n == "Aggregated", n))
    steady = {r.name: r for r in rows}
    for n in names:
        label = "**all routes**" if n == "Aggregated" else f"`{n}`"
        cells = []
        for r in (steady.get(n), by_name.get(n)):
            cells.append(
                f"{r.requests:,} | {r.p50:.0f} | {r.p95:.0f} | {r.failures}"
                if r
                else "– | – | – | –"
            )
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    over = sorted({f"`{r.name}`" for r in [*rows, *ramp] if r.p95 > 300 and r.name != "Aggregated"})
    failures = sum(r.failures for r in [*rows, *ramp] if r.name == "Aggregated")
    lines += [
        "",
        f"Over the 300 ms target (p95, either phase): {', '.join(over) or 'none'}. "
        f"Failures: {failures}.",
        f"Straight after the load (not signed in): {check}.",
        "",
    ]
    return "\n".join(lines)


def write(sections: list[str], args: argparse.Namespace) -> None:
    head = [
        START,
        "## Web app under load (Locust)",
        "",
        f"`python -m benchmarks.bench_web` on {dt.date.today().isoformat()}: {args.users} "
        f"users (spawn rate {args.spawn_rate}/s) for {args.seconds} s, each signing in with its "
        "own account, then 1 to 3 s between clicks; one `equalqi serve` process (uvicorn) on "
        f"loopback; {os.cpu_count()} CPUs shared by the server, Locust and the database; "
        f"Python {platform.python_version()}. Target: p95 under 300 ms on every route, "
        "no failures.",
        "",
        f"*Ramp-up* is from the first user to {args.settle} s after the last one started: it "
        "holds every sign-in (argon2id, about 0.2 s of CPU per password check by design, at "
        "most one check per two CPUs at a time); *steady* is the rest of the run. The analysis "
        "page draws its Vega-Lite specs from the run's precomputed view in the registry.",
        "",
    ]
    block = "\n".join([*head, *sections, END])
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument(
        "--settle", type=int, default=20, help="seconds of ramp-up after the last user starts"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sections = []
    load_before = os.getloadavg()[0]
    for name in args.backends.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                ramp, rows, check = run_backend(name, f"sqlite:///{tmp}/equalqi.db", args)
            sections.append(table("SQLite", ramp, rows, check))
        else:
            server, state = _postgres()
            try:
                ramp, rows, check = run_backend(name, _fresh_database(server), args)
            finally:
                if state:
                    env = {**os.environ, "EQUALQI_PG_STATE": state}
                    subprocess.run(["bash", str(PG), "stop"], env=env, check=False)
            sections.append(table("PostgreSQL", ramp, rows, check))
        print(sections[-1])
    load = f"Load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}."
    print(load)
    if not args.no_write:
        write([*sections, load, ""], args)


if __name__ == "__main__":
    main()
