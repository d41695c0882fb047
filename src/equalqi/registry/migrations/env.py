"""Alembic environment: run on the connection :func:`equalqi.registry.db.migrate` passes."""

from __future__ import annotations

from alembic import context

from equalqi.registry.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the programmatic route is supported
    raise RuntimeError("run migrations through equalqi.registry.db.migrate(url)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
