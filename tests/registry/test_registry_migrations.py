"""Migrations run on open, on SQLite and PostgreSQL, and round-trip down and up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from equalqi.registry.db import downgrade, migrate, open_registry
from equalqi.registry.models import Base

TABLES = {
    "organisations",
    "users",
    "projects",
    "plans",
    "datasets",
    "analyses",
    "assessments",
    "involvement",
    "audit",
    "sessions",
    "jobs",
    "learning_attempts",
}


def test_open_creates_every_table(backend: tuple[str, Path]) -> None:
    url, folder = backend
    reg = open_registry(url, data_dir=folder)
    try:
        assert TABLES | {"alembic_version"} == set(reg.tables())
    finally:
        reg.close()


def test_migration_matches_the_models(backend: tuple[str, Path]) -> None:
    # Property: the schema Alembic builds has exactly the columns the ORM models declare.
    url, folder = backend
    reg = open_registry(url, data_dir=folder)
    try:
        insp = inspect(reg.engine)
        for table in Base.metadata.sorted_tables:
            built = {c["name"] for c in insp.get_columns(table.name)}
            assert built == {c.name for c in table.columns}, table.name
    finally:
        reg.close()


def test_downgrade_then_upgrade_round_trips(backend: tuple[str, Path]) -> None:
    url, folder = backend
    reg = open_registry(url, data_dir=folder)
    try:
        downgrade(reg.engine, "base")
        assert set(reg.tables()) <= {"alembic_version"}
        migrate(reg.engine)
        assert set(reg.tables()) >= TABLES
        migrate(reg.engine)  # idempotent: already at head
        assert set(reg.tables()) >= TABLES
    finally:
        reg.close()
