"""Which engine runs the row-level work.

Ibis keeps the expressions apart from the backend that runs them (Ibis docs, "Backends").
DuckDB, embedded and in-process, is the default; any Ibis connection string (``duckdb://``,
``postgres://``, ``pyspark``...) or an existing Ibis backend can be passed instead.
"""

from __future__ import annotations

import os
from typing import Any

import ibis
from ibis.backends import BaseBackend


def connect(engine: str | BaseBackend | None = None, **kwargs: Any) -> BaseBackend:
    """Return an Ibis backend: DuckDB in memory unless told otherwise."""
    if isinstance(engine, BaseBackend):
        return engine
    if engine is None or engine in ("duckdb", "duckdb://"):
        threads = kwargs.pop("threads", None) or os.cpu_count() or 1
        return ibis.duckdb.connect(threads=threads, **kwargs)
    return ibis.connect(engine, **kwargs)
