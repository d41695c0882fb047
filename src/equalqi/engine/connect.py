"""Which engine runs the row-level work.

Ibis keeps the expressions apart from the backend that runs them (Ibis docs, "Backends").
DuckDB, embedded and in-process, is the default; any Ibis connection string (``duckdb://``,
``postgres://``...), an existing Ibis backend, or Spark can be passed instead:

* ``"pyspark"`` (or ``"spark"``): a local Spark session sized for one machine (``local[N]``
  with N the number of cores, few shuffle partitions, no web UI, bound to 127.0.0.1);
* an existing ``pyspark.sql.SparkSession`` (a Databricks notebook's ``spark``, a cluster's);
* a Spark Connect URL ``sc://host:port`` (needs ``pyspark[connect]``, i.e. grpcio).

Spark is imported only when asked for, so the default install never starts a JVM.
"""

from __future__ import annotations

import os
from typing import Any

import ibis
from ibis.backends import BaseBackend

from equalqi.errors import InputError, Problem

#: Spark settings for a local session on a small machine (2 cores, a few GB free).
LOCAL_SPARK_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def connect(engine: Any = None, **kwargs: Any) -> BaseBackend:
    """Return an Ibis backend: DuckDB in memory unless told otherwise.

    ``engine`` is ``None``/``"duckdb"``, an Ibis backend, an Ibis connection string,
    ``"pyspark"``, a Spark Connect URL (``sc://...``) or a ``SparkSession``.
    """
    if isinstance(engine, BaseBackend):
        return engine
    if engine is None or engine in ("duckdb", "duckdb://"):
        threads = kwargs.pop("threads", None) or os.cpu_count() or 1
        return ibis.duckdb.connect(threads=threads, **kwargs)
    if isinstance(engine, str) and engine in ("pyspark", "spark", "pyspark://"):
        return ibis.pyspark.connect(local_spark_session(**kwargs))
    if isinstance(engine, str) and engine.startswith("sc://"):
        return ibis.pyspark.connect(_spark_connect_session(engine))
    if _is_spark_session(engine):
        return ibis.pyspark.connect(engine, **kwargs)
    if isinstance(engine, str):
        return ibis.connect(engine, **kwargs)
    raise InputError(
        Problem(
            what=f"the engine {type(engine).__name__!r} is not one equalqi can use",
            fix="Pass nothing (DuckDB), a connection string such as 'duckdb://' or "
            "'pyspark', a Spark Connect URL 'sc://host:15002', a SparkSession or an Ibis "
            "backend.",
            value=repr(engine)[:80],
        )
    )


def local_spark_session(cores: int | None = None, **conf: str) -> Any:
    """Get (or create) a local Spark session with :data:`LOCAL_SPARK_CONF` plus ``conf``.

    Spark keeps one session per JVM: if one is already running it is reused as it is
    (``getOrCreate``), so a notebook's own settings win.
    """
    from pyspark.sql import SparkSession

    n = cores or os.cpu_count() or 1
    builder = SparkSession.builder.master(f"local[{n}]").appName("equalqi")
    for key, value in {**LOCAL_SPARK_CONF, **conf}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _spark_connect_session(url: str) -> Any:
    """A Spark Connect session for ``url``.

    The Connect client's own builder is used, not ``pyspark.sql.SparkSession``'s: the latter
    refuses a remote URL while a classic session runs in the same process (a notebook that
    has both, or the tests, which serve Connect from their local session).
    """
    try:
        from pyspark.sql.connect.session import SparkSession

        return SparkSession.builder.remote(url).getOrCreate()
    except ImportError as exc:  # pyspark[connect] extras (grpcio) missing
        raise InputError(
            Problem(
                what=f"Spark Connect needs extra packages that are not installed ({exc})",
                fix="Install them with: pip install 'equalqi[spark-connect]' (pyspark[connect]).",
                value=url,
            )
        ) from exc


def _is_spark_session(obj: object) -> bool:
    """A classic or Spark Connect ``SparkSession``, without importing pyspark eagerly."""
    return any(
        cls.__name__ == "SparkSession" and cls.__module__.startswith("pyspark.sql")
        for cls in type(obj).__mro__
    )


def backend_name(backend: BaseBackend | None) -> str:
    """The Ibis backend's name (``"duckdb"``, ``"pyspark"``...), or ``""`` if unknown."""
    return str(getattr(backend, "name", "") or "")
