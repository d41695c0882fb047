"""Outputs written safely (issue 19): staged inside the output folder, switched in one
rename, and every operating-system failure one message with exit status 2."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from equalqi.cli.main import app
from equalqi.services.outputs import BOARD, FILES, SETS, _os_problem

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
"""


def extract(n_days: int) -> pd.DataFrame:
    """Two sites, one record a day each: 2 x n_days records."""
    days = pd.date_range("2024-01-01", periods=n_days, freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame(
        [{"event_date": d, "site": s, "dna": i % 3 == 0} for i, d in enumerate(days) for s in "AB"]
    ).astype({"dna": int})


def plan() -> str:
    return PLAN


def analyse(tmp_path: Path, out: Path, rows: int) -> tuple[int, dict]:
    data = tmp_path / f"x{rows}.csv"
    extract(rows).to_csv(data, index=False)
    (tmp_path / "plan.toml").write_text(plan())
    args = ["analyse", str(tmp_path / "plan.toml"), "--data", str(data), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_second_run_switches_the_whole_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert analyse(tmp_path, out, 60)[0] == 0
    first = os.readlink(out / SETS / "current")
    assert analyse(tmp_path, out, 90)[0] == 0
    second = os.readlink(out / SETS / "current")
    assert first != second and not (out / SETS / first).exists()  # old set removed
    # Every visible name reads through the one link: all six files are the new run's.
    for name in FILES:
        assert (out / name).resolve() == (out / SETS / second / name).resolve()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["records"] == 180  # 90 days x 2 sites
    # Nothing is left behind but the visible files and the sets folder.
    assert {p.name for p in out.iterdir()} == {*FILES, BOARD, SETS}
    assert {p.name for p in (out / SETS).iterdir()} == {second, "current"}


def test_over_an_old_style_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in FILES:
        (out / name).write_text("old")
    assert analyse(tmp_path, out, 60)[0] == 0
    assert json.loads((out / "summary.json").read_text())["records"] == 120


def test_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("I am a file")
    code, payload = analyse(tmp_path, out, 60)
    assert code == 2
    assert "a file is in the way where a folder should be" in payload["problems"][0]["what"]
    assert out.read_text() == "I am a file"


def test_a_failed_write_leaves_the_previous_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert analyse(tmp_path, out, 60)[0] == 0
    # A folder where the staging area's sets folder must be: writing fails before the switch.
    before = {n: (out / n).read_bytes() for n in FILES}
    (out / SETS).rename(tmp_path / "kept")
    (out / SETS).write_text("blocking")
    code, payload = analyse(tmp_path, out, 90)
    assert code == 2 and "nothing was changed" in payload["problems"][0]["what"]
    (out / SETS).unlink()
    (tmp_path / "kept").rename(out / SETS)
    assert {n: (out / n).read_bytes() for n in FILES} == before


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the place is read-only"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_os_errors_become_one_message(tmp_path: Path, number: int, words: str) -> None:
    problem = _os_problem(OSError(number, os.strerror(number), str(tmp_path)), tmp_path)
    assert problem.what.startswith(f"the outputs could not be written: {words}")
    assert problem.fix


@pytest.mark.parametrize("extra", [[], ["--quiet"]])
def test_no_progress_line_when_not_a_terminal_or_quiet(tmp_path: Path, extra: list[str]) -> None:
    data = tmp_path / "x.csv"
    extract(60).to_csv(data, index=False)
    (tmp_path / "plan.toml").write_text(plan())
    args = ["analyse", str(tmp_path / "plan.toml"), "--data", str(data)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), *extra])
    assert result.exit_code == 0, result.output
    assert "aggregating" not in result.stderr and "…" not in result.stderr
    assert "Analysed 120 records" in result.stdout
