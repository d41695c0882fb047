"""Engine and session factory from a URL, the data folder, and migrations run on start.

Default store: ``sqlite:///<EQUALQI_HOME or ~/.local/share/equalqi>/equalqi.db``; PostgreSQL by
URL (``postgresql+psycopg://user@host/db``). Alembic migrations ship inside the package and
are applied to head when the registry is opened, so a fresh install needs no manual step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def default_data_dir() -> Path:
    """``$EQUALQI_HOME`` or ``~/.local/share/equalqi``: database, uploads, analyses."""
    home = os.environ.get("EQUALQI_HOME")
    return Path(home) if home else Path.home() / ".local" / "share" / "equalqi"


def default_url(data_dir: Path | None = None) -> str:
    return f"sqlite:///{(data_dir or default_data_dir()) / 'equalqi.db'}"


def _normalise(url: str) -> str:
    # psycopg 3 is the installed driver; plain postgresql:// URLs would ask for psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = _normalise(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con: Any, _record: Any) -> None:
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply the shipped Alembic migrations up to ``revision`` on ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


@dataclass(frozen=True)
class Registry:
    """An opened registry: the engine, a session factory and the data folder for files."""

    engine: Engine
    sessions: sessionmaker[Session]
    data_dir: Path

    def session(self) -> Session:
        return self.sessions()

    def tables(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        self.engine.dispose()


def open_registry(
    url: str | None = None, *, data_dir: Path | None = None, run_migrations: bool = True
) -> Registry:
    """Open (and migrate) the registry at ``url``; files go under ``data_dir``."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url or default_url(folder))
    if run_migrations:
        migrate(engine)
    return Registry(engine, sessionmaker(engine, expire_on_commit=False), folder)
