"""Registry fixtures: every test runs against SQLite *and* a real PostgreSQL server.

PostgreSQL comes from ``EQUALQI_TEST_POSTGRES_URL`` (``make test`` starts a throwaway server
with ``scripts/postgres-test.sh`` and exports it). When the variable is missing, these
fixtures start their own throwaway server with the same script; if that is impossible the
tests fail (never skip), and under ``CI=true`` the variable is required.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from equalqi.registry.db import Registry, open_registry

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "postgres-test.sh"


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("EQUALQI_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if os.environ.get("CI") == "true":
        pytest.fail("EQUALQI_TEST_POSTGRES_URL is not set; run the tests with `make test`.")
    state = f"/tmp/equalqi-pg-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "EQUALQI_PG_STATE": state}
    started = subprocess.run(
        ["bash", str(SCRIPT), "start"], capture_output=True, text=True, env=env, check=False
    )
    if started.returncode != 0:
        pytest.fail(f"could not start PostgreSQL for the tests: {started.stderr.strip()}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, check=False)


def _fresh_database(server_url: str) -> tuple[str, str]:
    """Create an empty database on the server; return (its URL, its name)."""
    name = f"eq_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}", name


def _drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(registry URL, data folder) on an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}", tmp_path
        return
    server = request.getfixturevalue("postgres_url")
    url, name = _fresh_database(server)
    try:
        yield url, tmp_path
    finally:
        _drop_database(server, name)


@pytest.fixture
def registry(backend: tuple[str, Path]) -> Iterator[Registry]:
    url, folder = backend
    reg = open_registry(url, data_dir=folder)
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 synthetic records of the DNA/SMS demo scenario, as CSV."""
    from equalqi.synthetic import generate

    frame, _ = generate("dna_sms", 5_000, 11)
    path = tmp_path_factory.mktemp("extract") / "extract.csv"
    frame.to_csv(path, index=False)
    return path
