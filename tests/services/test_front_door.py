"""`import equalqi` is the front door (issue 19): analyse, read_plan, disclose, spc, stats,
impact; data frames from pandas, Polars and PyArrow give the same result as the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import equalqi

PLAN = """
[measure]
name = "DNA rate"
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "event_date"
[[dimensions]]
kind = "column"
column = "site"
compare = ["A", "B"]
[intervention]
date = 2024-03-01
"""


def frame() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=150, freq="D").strftime("%Y-%m-%d")
    rows = [{"event_date": d, "site": s, "dna": int((i + (s == "B")) % 4 == 0)}
            for i, d in enumerate(days) for s in "AB"]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("front")
    (folder / "plan.toml").write_text(PLAN)
    frame().to_csv(folder / "x.csv", index=False)
    return folder / "plan.toml", folder / "x.csv"


def test_front_door_names() -> None:
    import equalqi.impact
    import equalqi.spc
    import equalqi.stats

    assert equalqi.stats is equalqi.stats and callable(equalqi.stats.sii)
    assert callable(equalqi.spc.spc) and callable(equalqi.impact.evaluate_gap)
    for name in ("analyse", "read_plan", "disclose", "write_outputs"):
        assert callable(getattr(equalqi, name))


def test_analyse_file_and_frames_agree(files: tuple[Path, Path]) -> None:
    plan_path, csv = files
    plan = equalqi.read_plan(plan_path)
    from_file = equalqi.analyse(csv, plan_path)
    counts = from_file.measures[["period", "dimension", "group", "numerator", "denominator"]]
    for data in (frame(), pl.from_pandas(frame()), pa.Table.from_pandas(frame())):
        result = equalqi.analyse(data, plan)
        other = result.measures[["period", "dimension", "group", "numerator", "denominator"]]
        pd.testing.assert_frame_equal(other, counts)
    assert from_file.n_rows == 300
    assert "DNA rate" in repr(from_file) and "NOT disclosed" in repr(from_file)
    text = from_file.summary()
    assert text.startswith("DNA rate: 300 records from x.csv") and "Not disclosed" in text
    shared = equalqi.disclose(from_file)
    assert "NOT disclosed" not in repr(shared)


def test_confidence_as_fraction_or_percentage() -> None:
    data = pd.DataFrame({"x": [30], "n": [100]})
    a = equalqi.stats.proportion_ci(data, "x", "n", confidence=0.95)
    b = equalqi.stats.proportion_ci(data, "x", "n", confidence=95)
    pd.testing.assert_frame_equal(a, b)


def test_stats_take_polars_and_arrow() -> None:
    data = pd.DataFrame({"x": [30, 12], "n": [100, 80]})
    want = equalqi.stats.proportion_ci(data, "x", "n")
    for other in (pl.from_pandas(data), pa.Table.from_pandas(data)):
        pd.testing.assert_frame_equal(equalqi.stats.proportion_ci(other, "x", "n"), want)
