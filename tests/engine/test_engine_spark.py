"""The same analysis on PySpark (a real local session) and on DuckDB gives the same answers.

One Spark session serves the whole module (starting the JVM is most of the cost). The
property under test is agreement: the same records through the same plan give identical
counts (exactly) and identical values (to float precision) on both engines, and a bad file
gives the same problems, at the same rows, on both.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from equalqi.engine.aggregate import aggregate_cube
from equalqi.engine.connect import connect
from equalqi.engine.prepare import prepare
from equalqi.engine.readers import open_records
from equalqi.errors import InputError, Problem
from equalqi.plan import parse_plan
from equalqi.services.analysis.pipeline import analyse
from equalqi.services.demo import demo_plan
from equalqi.synthetic import write_parquet

COUNTS = ["numerator", "denominator", "n_records"]

CSV_PLAN = """
[measure]
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "date"
ethnicity = "eth"
imd_decile = "decile"
sex = "sex"
[[dimensions]]
kind = "imd_quintile"
[[dimensions]]
kind = "ethnicity"
[[dimensions]]
kind = "column"
name = "Site"
column = "site"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def connect_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def spark(connect_port: int) -> Iterator[Any]:
    """A local session that also serves Spark Connect (its plugin, on a free port)."""
    conf = {
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(connect_port),
    }
    backend = connect("pyspark", **conf)
    yield backend
    backend._session.stop()


@pytest.fixture(scope="module")
def spark_connect(spark: Any, connect_port: int) -> Iterator[Any]:
    """A Spark Connect client of the local session's server, through ``sc://`` as users do."""
    backend = connect(f"sc://127.0.0.1:{connect_port}")
    yield backend
    backend._session.stop()


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "dna_sms.parquet"
    write_parquet("dna_sms", path, 30_000, seed=7, chunk_rows=10_000)
    return path


def _write(tmp_path: Path, lines: list[str], name: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _problems(path: Path, con: Any) -> list[Problem]:
    with pytest.raises(InputError) as exc:
        prepare(open_records(path, con=con), parse_plan(CSV_PLAN))
    return list(exc.value.problems)


def test_connect_gives_a_local_pyspark_backend(spark: Any) -> None:
    assert spark.name == "pyspark"
    conf = spark._session.sparkContext.getConf()
    assert conf.get("spark.master").startswith("local[")
    assert conf.get("spark.ui.enabled") == "false"
    # An existing session is accepted as it is and wrapped, not restarted.
    assert connect(spark._session)._session is spark._session


def test_sc_url_gives_a_spark_connect_client(spark_connect: Any) -> None:
    # A real Connect client (gRPC to the server in the local session), not a classic session.
    assert spark_connect.name == "pyspark"
    assert type(spark_connect._session).__module__ == "pyspark.sql.connect.session"


SPARKS = ["spark", "spark_connect"]  # a classic local session, and a Spark Connect client


@pytest.mark.parametrize("engine", SPARKS)
def test_same_measure_table_on_spark_and_duckdb(
    engine: str, records: Path, request: pytest.FixtureRequest
) -> None:
    spark = request.getfixturevalue(engine)
    plan = demo_plan("dna_sms")
    on_duckdb = analyse(records, plan)
    on_spark = analyse(records, plan, con=spark)
    assert (on_spark.n_rows, on_spark.n_in_window) == (on_duckdb.n_rows, on_duckdb.n_in_window)
    assert on_spark.n_rows == 30_000
    assert (on_spark.first_date, on_spark.last_date) == (on_duckdb.first_date, on_duckdb.last_date)
    a, b = on_duckdb.measures, on_spark.measures
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    # Counts exactly; values and intervals to float precision.
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)
    for column in ("numerator", "denominator"):
        assert (a[column].to_numpy() == b[column].to_numpy()).all()
    pd.testing.assert_frame_equal(
        on_duckdb.gaps, on_spark.gaps, check_exact=False, rtol=1e-9, atol=1e-12
    )


def test_same_cube_on_spark_and_duckdb(spark: Any, records: Path) -> None:
    plan = demo_plan("dna_sms")
    cubes = [
        aggregate_cube(prepare(open_records(records, con=c), plan)) for c in (connect(), spark)
    ]
    a, b = cubes
    pd.testing.assert_frame_equal(a.drop(columns=COUNTS), b.drop(columns=COUNTS))
    for column in COUNTS:
        assert (a[column].to_numpy() == b[column].to_numpy()).all()
    # Every record is in exactly one cell.
    assert int(b["n_records"].sum()) == 30_000


def test_csv_text_is_cleaned_the_same_on_both(spark: Any, tmp_path: Path) -> None:
    # 'f' and ' v ' end in letters that a naive TRIM on Spark would strip (see _strip);
    # ' a ' and 'f' are the NHS codes A and F; blank ethnicity is 'Not known' (99).
    lines = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03, a ,1,1,1,Clif",
        "2024-01-09,f,2,0,2, v ",
        "2024-02-01,Z,10,0,F,Clif",
        "2024-02-11,,9,1,M,Kingsway",
    ]
    path = _write(tmp_path, lines, "clean.csv")
    cubes = [
        aggregate_cube(prepare(open_records(path, con=c), parse_plan(CSV_PLAN)))
        for c in (connect(), spark)
    ]
    pd.testing.assert_frame_equal(cubes[0], cubes[1])
    assert sorted(cubes[1]["ethnic_code"]) == ["99", "A", "F", "Z"]
    assert sorted(cubes[1]["site"]) == ["Clif", "Clif", "Kingsway", "v"]


@pytest.mark.parametrize("engine", SPARKS)
def test_same_problems_for_a_bad_file_on_both(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    spark = request.getfixturevalue(engine)
    # Hand-made: line 3 has a date that is not a date, line 4 an IMD decile of 11, line 5 a
    # numerator of 2 for a proportion, line 6 an unknown ethnic code; the header is line 1.
    lines = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03,A,1,1,1,North",
        "March 2024,A,1,1,1,North",
        "2024-01-09,H,11,0,2,North",
        "2024-02-01,Z,10,2,1,South",
        "2024-02-11,Q7,9,1,2,South",
        "2024-02-12,A,3,0,1,South",
    ]
    path = _write(tmp_path, lines, "bad.csv")
    on_duckdb = _problems(path, connect())
    on_spark = _problems(path, spark)
    assert on_spark == on_duckdb
    found = {(p.row, p.column, p.value) for p in on_spark}
    assert found == {
        (3, "date", "March 2024"),
        (4, "decile", "11"),
        (5, "dna", "2"),
        (6, "eth", "Q7"),
    }
