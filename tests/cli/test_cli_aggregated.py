"""Published, pre-aggregated data through the CLI: rows of counts by quintile and quarter.

The extract is generated here in the shape of published vaccine-uptake tables (COVER,
Fingertips): one row per financial quarter, local authority and IMD quintile with the
number vaccinated and the number eligible, the quintile published with 5 = most deprived,
and one empty group (eligible = 0). Expected values are sums of the generated counts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from equalqi.cli.main import app

PLAN = """
[measure]
name = "MMR1 uptake at 24 months"
kind = "proportion"
numerator = "vaccinated"
denominator = "eligible"
improvement = "increase"

[data]
counts = true
date = "quarter"
imd_quintile = "imd_quintile"
most_deprived = 5

[period]
unit = "quarter"

[[dimensions]]
kind = "imd_quintile"
name = "Deprivation"

[[dimensions]]
kind = "column"
column = "la"
name = "Local authority"

[intervention]
date = 2023-10-01
name = "Outreach clinics"

[output]
suppress_below = 10
"""

QUARTERS = [f"{y}/{str(y + 1)[2:]} Q{q}" for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)]
LAS = ["Hull", "York", "East Riding"]


def published_uptake(seed: int = 3) -> pd.DataFrame:
    """Counts by quarter x LA x quintile; uptake rises 2 points a year, less deprived higher."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, quarter in enumerate(QUARTERS):
        for la in LAS:
            for published_q in range(1, 6):  # 5 = most deprived in this (published) file
                least_deprived_rank = 5 - published_q  # 0 for the most deprived
                p = 0.78 + 0.025 * least_deprived_rank + 0.005 * i
                eligible = int(rng.integers(150, 400))
                rows.append(
                    {
                        "quarter": quarter,
                        "la": la,
                        "imd_quintile": published_q,
                        "vaccinated": int(rng.binomial(eligible, min(p, 0.99))),
                        "eligible": eligible,
                    }
                )
    frame = pd.DataFrame(rows)
    # An empty group, as published tables have: nobody eligible, nobody vaccinated.
    empty = (frame["quarter"] == QUARTERS[5]) & (frame["la"] == "York")
    empty &= frame["imd_quintile"] == 1
    frame.loc[empty, ["vaccinated", "eligible"]] = 0
    return frame


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("uptake")
    frame = published_uptake()
    data = folder / "uptake.csv"
    frame.to_csv(data, index=False)
    plan = folder / "plan.toml"
    plan.write_text(PLAN)
    out = folder / "out"
    result = CliRunner().invoke(
        app,
        ["analyse", str(plan), "--data", str(data), "--out", str(out), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    return frame, out, json.loads(result.stdout)


def test_quintiles_are_reoriented_and_labelled(
    run: tuple[pd.DataFrame, Path, dict[str, object]],
) -> None:
    frame, out, _ = run
    measures = pd.read_csv(out / "measures.csv")
    dep = measures[measures["dimension"] == "Deprivation"]
    first = dep[dep["period"] == "2021-04-01"].set_index("group")
    # Published quintile 5 is the most deprived: it must come out as "1 - most deprived".
    q5 = frame[(frame["quarter"] == QUARTERS[0]) & (frame["imd_quintile"] == 5)]
    q1 = frame[(frame["quarter"] == QUARTERS[0]) & (frame["imd_quintile"] == 1)]
    assert first.loc["1 - most deprived", "numerator"] == q5["vaccinated"].sum()
    assert first.loc["1 - most deprived", "denominator"] == q5["eligible"].sum()
    assert first.loc["5 - least deprived", "denominator"] == q1["eligible"].sum()
    # Completeness of rows of counts is over the people counted, not over the rows.
    complete = pd.read_csv(out / "completeness.csv")
    first_c = complete[complete["period"] == "2021-04-01"]
    q = frame[frame["quarter"] == QUARTERS[0]]
    assert (first_c["records"] == q["eligible"].sum()).all()
    assert (first_c["missing"] == 0).all()
    # Financial quarters: 2021/22 Q1 starts in April 2021, 2023/24 Q4 in January 2024.
    assert sorted(dep["period"].unique())[0] == "2021-04-01"
    assert sorted(dep["period"].unique())[-1] == "2024-01-01"


def test_zero_denominator_row_is_left_out_with_a_note(
    run: tuple[pd.DataFrame, Path, dict[str, object]],
) -> None:
    frame, out, payload = run
    notes = " ".join(map(str, payload["notes"]))  # type: ignore[call-overload]
    assert "1 row with a zero denominator (eligible, first at row" in notes
    measures = pd.read_csv(out / "measures.csv")
    overall = measures[(measures["dimension"] == "Overall") & (measures["period"] == "2022-07-01")]
    q = frame[frame["quarter"] == QUARTERS[5]]
    assert overall["denominator"].iloc[0] == q["eligible"].sum()


def test_verdict_and_wording_speak_of_counts(
    run: tuple[pd.DataFrame, Path, dict[str, object]],
) -> None:
    frame, out, payload = run
    assert payload["records"] == len(frame)
    gaps = pd.read_csv(out / "gaps.csv")
    dep = gaps[(gaps["dimension"] == "Deprivation") & (gaps["measure"] == "difference")]
    # Planted: the most deprived are 10 points below the least deprived in every quarter.
    assert dep["estimate"].between(-16, -4).all()
    assert set(gaps[gaps["dimension"] == "Deprivation"]["measure"]) >= {"sii", "rii"}


def test_national_ranks_in_the_plan(tmp_path: Path) -> None:
    """With England's population equal across quintiles the national ranks are 0.1 ... 0.9;
    the SII per quarter is then the slope of uptake on those ranks weighted by the local
    eligible population (numpy's weighted polyfit, computed here from measures.csv)."""
    frame = published_uptake()
    data = tmp_path / "uptake.csv"
    frame.to_csv(data, index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        PLAN.replace(
            'name = "Deprivation"',
            'name = "Deprivation"\nreference_population = [1.0, 1.0, 1.0, 1.0, 1.0]',
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyse", str(plan), "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    measures = pd.read_csv(out / "measures.csv")
    gaps = pd.read_csv(out / "gaps.csv")
    sii = gaps[(gaps["dimension"] == "Deprivation") & (gaps["measure"] == "sii")]
    assert len(sii) == len(QUARTERS)
    for _, row in sii.iterrows():
        q = measures[
            (measures["dimension"] == "Deprivation") & (measures["period"] == row["period"])
        ]
        q = q[q["group"] != "Not known"].sort_values("group_order")
        slope = np.polyfit(
            [0.1, 0.3, 0.5, 0.7, 0.9], q["value"] * 100, 1, w=np.sqrt(q["denominator"])
        )[0]
        assert row["estimate"] == pytest.approx(slope, rel=1e-9)


def test_no_better_direction_is_never_judged(tmp_path: Path) -> None:
    """Issue 19: without `improvement` a fall in uptake was called "improved" (lower was
    silently better). Now the verdict reports the changes and judges nothing."""
    frame = published_uptake()
    data = tmp_path / "uptake.csv"
    frame.to_csv(data, index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.replace('improvement = "increase"\n', ""))
    out = tmp_path / "out"
    args = ["analyse", str(plan), "--data", str(data), "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    text = json.dumps(summary).lower()
    impact = json.loads(result.stdout)["impact"]["Deprivation"]
    assert impact["overall"] == impact["gap_change"] == "no better direction set"
    verdicts = impact["verdict"].lower()
    assert "no better direction" in verdicts
    for word in ("improved", "worsened", "narrowed", "widened"):
        assert word not in verdicts
    assert "no better direction set" in text


def test_report_speaks_of_people_counted_not_records(
    run: tuple[pd.DataFrame, Path, dict[str, object]],
) -> None:
    """Issue 19: the report called rows of published counts "records" ("All records",
    "Share of records missing"). Its words now come from the plan's `counts` flag."""
    _, out, _ = run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="overall">All groups together</h2>' in html
    assert "Share of people counted missing" in html
    assert "these people counted cannot be placed in any group" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert "All records" not in text
    assert "records missing" not in text


def test_published_national_rank_sii_through_the_cli(tmp_path: Path) -> None:
    """NHS England North East and Yorkshire's published SII for CVDP003CHOL, Humber and North
    Yorkshire ICB, 12 months to December 2023: -10.97 (RII 0.83), with each quintile placed
    at England's cumulative mid-point and weighted by the local patients. Inputs: the ICB's
    treated and eligible patients by quintile and England's eligible patients by quintile,
    CVDPREVENT figures as packaged in github.com/nhsengland/NEY-Inequalities-Methodologies
    ("Data Files/CVDP003CHOL.xlsx"; the figure is in its methodology document, section 2d).
    The rows of counts go through the plan as an analyst would give them."""
    data = tmp_path / "cholesterol.csv"
    pd.DataFrame(
        {
            "period": ["2023-12-01"] * 5,
            "imd_quintile": [1, 2, 3, 4, 5],
            "treated": [8595, 7475, 10185, 12920, 12530],
            "eligible": [13105, 12355, 17775, 22550, 22595],
        }
    ).to_csv(data, index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        """
[measure]
name = "QRISK 20% or more, on lipid-lowering therapy"
kind = "proportion"
numerator = "treated"
denominator = "eligible"
improvement = "increase"

[data]
counts = true
date = "period"
imd_quintile = "imd_quintile"
most_deprived = 1

[period]
unit = "quarter"

[[dimensions]]
kind = "imd_quintile"
name = "Deprivation"
reference_population = [520394, 538827, 573381, 583265, 566305]
"""
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyse", str(plan), "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    gaps = pd.read_csv(out / "gaps.csv").set_index("measure")
    assert round(gaps.loc["sii", "estimate"], 2) == -10.97
    assert round(gaps.loc["rii", "estimate"], 2) == 0.83
    assert gaps.loc["sii", "lower"] < -10.97 < gaps.loc["sii", "upper"]
