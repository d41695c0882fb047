"""The CLI: messages not tracebacks, exit status 2 on bad input, nothing partial written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equalqi.cli.main import app
from equalqi.synthetic import generate

PLAN = """
[measure]
name = "DNA rate"
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "event_date"
ethnicity = "ethnic_category"
imd_decile = "imd_decile"
[[dimensions]]
kind = "imd_quintile"
[intervention]
date = 2024-01-01
"""

runner = CliRunner()


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    frame, _ = generate("dna_sms", 40_000, seed=7)
    path = folder / "extract.csv"
    frame[["event_date", "ethnic_category", "imd_decile", "dna"]].to_csv(path, index=False)
    (folder / "plan.toml").write_text(PLAN)
    return path


def test_analyse_writes_report_and_json(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "analyse",
            str(extract.parent / "plan.toml"),
            "--data",
            str(extract),
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert payload["records"] == 40_000
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {
        "report.html",
        "measures.csv",
        "gaps.csv",
        "completeness.csv",
        "summary.json",
        "plan.toml",
        "board",
    }
    # The board pack (issue 16): both PDFs, the workbook, the slides and the charts.
    assert {p.name for p in (out / "board").iterdir()} == {
        "board.pdf",
        "report.pdf",
        "tables.xlsx",
        "board.pptx",
        "board.html",
        "charts",
    }
    assert payload["board"] == str((out / "board").absolute())
    html = (out / "report.html").read_text()
    # Self-contained: no external scripts, styles or fonts.
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda f: f.rename(columns={"dna": "did_not_attend"}), "column for the numerator"),
        (
            lambda f: f.assign(ethnic_category=f["ethnic_category"].where(f.index != 5, "Q")),
            "not a recognised NHS ethnic category",
        ),
        (
            lambda f: f.assign(event_date=f["event_date"].astype(str).where(f.index != 9, "soon")),
            "not a date",
        ),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    extract: Path, tmp_path: Path, mutate: object, expected: str
) -> None:
    import pandas as pd

    frame = pd.read_csv(extract, dtype=str)
    bad = tmp_path / "bad.csv"
    mutate(frame).to_csv(bad, index=False)  # type: ignore[operator]
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["analyse", str(extract.parent / "plan.toml"), "--data", str(bad), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert expected in result.output
    assert "bad.csv" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_json_errors_are_machine_readable(extract: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_date;imd_decile;dna\n2024-01-01;1;0\n")
    result = runner.invoke(
        app,
        [
            "analyse",
            str(extract.parent / "plan.toml"),
            "--data",
            str(bad),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["problems"][0]["row"] == 1
    assert "semicolons" in payload["problems"][0]["what"]


def test_missing_plan_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["analyse", str(tmp_path / "nope.toml"), "--data", "x.csv", "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "file does not exist" in result.output


def test_failed_rerun_keeps_the_previous_report(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = str(extract.parent / "plan.toml")
    ok = runner.invoke(app, ["analyse", plan, "--data", str(extract), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    before = (out / "report.html").read_bytes()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    failed = runner.invoke(app, ["analyse", plan, "--data", str(empty), "--out", str(out)])
    assert failed.exit_code == 2
    assert (out / "report.html").read_bytes() == before


def test_database_table_by_url(extract: Path, tmp_path: Path) -> None:
    import sqlite3

    import pandas as pd

    db = tmp_path / "warehouse.db"
    with sqlite3.connect(db) as conn:
        pd.read_csv(extract, dtype=str).to_sql("outpatients", conn, index=False)
    plan = str(extract.parent / "plan.toml")
    args = ["analyse", plan, "--out", str(tmp_path / "o"), "--format", "json"]
    from_db = runner.invoke(app, [*args, "--data", f"sqlite:///{db}", "--table", "outpatients"])
    assert from_db.exit_code == 0, from_db.output
    from_csv = runner.invoke(
        app,
        ["analyse", plan, "--out", str(tmp_path / "c"), "--format", "json", "--data", str(extract)],
    )
    # The same records give the same numbers whichever way they arrive.
    a, b = json.loads(from_db.stdout), json.loads(from_csv.stdout)
    assert a["records"] == b["records"] == 40_000
    assert a["impact"] == b["impact"]
    no_table = runner.invoke(app, [*args, "--data", f"sqlite:///{db}"])
    assert no_table.exit_code == 2
    assert "needs a table name" in no_table.output
