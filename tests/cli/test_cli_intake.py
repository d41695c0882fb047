"""Honest intake through the CLI (issue 19): each case is a message, exit status 2 or a
note, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from equalqi.cli.main import app

PLAN = """
[measure]
name = "DNA rate"
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "event_date"
{data}
[[dimensions]]
kind = "column"
column = "site"
name = "Site"
{dimension}
"""

SITES = ["Café Street", "Hôpital Road"]


def extract(n_days: int = 120, start: dt.date = dt.date(2024, 1, 1)) -> pd.DataFrame:
    """Two sites, one record a day each; DNA on every third day (hand-countable)."""
    rows = []
    for i in range(n_days):
        day = start + dt.timedelta(days=i)
        for site in SITES:
            rows.append({"event_date": day.isoformat(), "site": site, "dna": int(i % 3 == 0)})
    return pd.DataFrame(rows)


def run(tmp_path: Path, data: Path, plan: str, *extra: str) -> tuple[int, dict, str]:
    (tmp_path / "plan.toml").write_text(plan)
    args = ["analyse", str(tmp_path / "plan.toml"), "--data", str(data)]
    args += ["--out", str(tmp_path / "out"), "--format", "json", *extra]
    result = CliRunner().invoke(app, args)
    # A message, never a traceback: the only exception is typer's exit.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout), result.output


def plan(data: str = "", dimension: str = "") -> str:
    return PLAN.format(data=data, dimension=dimension)


def test_cp1252_is_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(extract().to_csv(index=False).encode("cp1252"))
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 0
    assert any("Windows-1252" in n for n in payload["notes"])
    measures = pd.read_csv(tmp_path / "out" / "measures.csv")
    assert set(measures[measures["dimension"] == "Site"]["group"]) == set(SITES)


def test_utf8_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(extract().to_csv(index=False).encode("utf-8-sig"))
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 0 and payload["records"] == 240
    assert not any("Windows-1252" in n for n in payload["notes"])


def test_unreadable_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    body = extract().to_csv(index=False).encode("utf-8")
    path.write_bytes(body + b"2024-05-01,Bad \x81 site,0\n")  # 0x81: not cp1252 either
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 2
    problem = payload["problems"][0]
    assert "encoding" in problem["what"] and problem["row"] == 242


def test_duplicate_column_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("event_date,site,dna,site\n2024-01-01,A,0,B\n")
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 2
    assert "more than once: 'site'" in payload["problems"][0]["what"]


def test_future_dates_are_counted(tmp_path: Path) -> None:
    frame = extract()
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    frame.loc[:2, "event_date"] = future  # 3 records dated after today
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 0
    assert any(n.startswith("3 records are dated after today") for n in payload["notes"])
    code, payload, _ = run(tmp_path, path, plan('future_dates = "leave_out"'))
    assert code == 0 and payload["records_analysed"] == 240 - 3
    assert any("left out" in n and n.startswith("3 records") for n in payload["notes"])


def test_delimiter_option(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    extract().to_csv(path, index=False, sep=";")
    code, payload, _ = run(tmp_path, path, plan())
    assert code == 2 and "--delimiter" in payload["problems"][0]["fix"]
    code, payload, _ = run(tmp_path, path, plan(), "--delimiter", ";")
    assert code == 0 and payload["records"] == 240


def test_excel_sheet_and_header_row(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        extract().to_excel(writer, sheet_name="Data", index=False, startrow=2)
    code, payload, _ = run(tmp_path, path, plan('sheet = "Data"\nheader_row = 3'))
    assert code == 0 and payload["records"] == 240


def test_compare_group_not_in_data_names_plan_and_dimension(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    extract().to_csv(path, index=False)
    code, payload, _ = run(tmp_path, path, plan(dimension='compare = ["Cafe Street", "X"]'))
    assert code == 2
    problem = payload["problems"][0]
    assert problem["file"] == "plan.toml"
    assert "#1 'Site' compare: the group 'Cafe Street' is not in the data" in problem["what"]


def test_plan_problem_names_file_line_and_dimension(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    extract().to_csv(path, index=False)
    code, payload, _ = run(tmp_path, path, plan(dimension='compare = ["Café Street"]'))
    assert code == 2
    problem = payload["problems"][0]
    assert (problem["file"], problem["row"]) == ("plan.toml", 14)  # line 14 of PLAN as formatted
    assert problem["what"].startswith("[[dimensions]] #1 'Site' compare")
