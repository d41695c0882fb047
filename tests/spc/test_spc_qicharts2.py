"""qicharts2 conventions, checked against its stored reference outputs and Montgomery's text.

Expected values come from qicharts2's own test fixtures for Montgomery's worked examples
(see data/README.md) and from the published numbers in Montgomery DC, *Introduction to
Statistical Quality Control*, 6th/7th ed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from equalqi.spc import spc

DATA = Path(__file__).parent / "data"
TABLES = pd.read_csv(DATA / "montgomery_tables.csv", dtype={"table": str})
EXPECTED = pd.read_csv(DATA / "qicharts2_expected.csv")

# case in qicharts2's tests -> (Montgomery table, qic() call translated to spc())
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "ex_6.3_1": ("6.3", {"chart": "xbar"}),
    "ex_6.3_2": ("6.3", {"chart": "s"}),
    "ex_6.4_1": ("6.4", {"chart": "xbar"}),
    "ex_6.4_2": ("6.4", {"chart": "s"}),
    "ex_6.5_3": ("6.7", {"chart": "i", "freeze": 20}),
    "ex_6.5_4": ("6.7", {"chart": "mr", "freeze": 20}),
    # qic(part = 30) == a new phase from the 31st subgroup
    "ex_7.1_5": ("7.3", {"chart": "p", "n": "n", "exclude": [15, 23], "phases": [31]}),
    "tbl_7.4_1": ("7.4", {"chart": "p", "n": "n"}),
    "ex_7.3_3": ("7.8", {"chart": "c", "exclude": [6, 20], "freeze": 26}),
    "ex_7.4_1": ("7.10", {"chart": "u", "n": "n"}),
    "ex_7.5_1": ("7.11", {"chart": "u", "n": "n", "multiplier": 50}),
    "ex_7.6_1": ("7.14", {"chart": "t"}),
    "NA_test": ("NA_test", {"chart": "xbar"}),
}


def _chart(case: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    table, kwargs = CASES[case]
    data = TABLES[TABLES["table"] == table]
    res = spc(data, x="x", y="y", rules="anhoej", **kwargs)
    return res.to_frame(), res.summary(), EXPECTED[EXPECTED["case"] == case]


@pytest.mark.parametrize("case", list(CASES))
def test_lines_match_qicharts2(case: str) -> None:
    got, _, ref = _chart(case)
    assert len(got) == len(ref)
    for col in ("y", "cl", "lcl", "ucl"):
        np.testing.assert_allclose(
            got[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-10, equal_nan=True
        )


@pytest.mark.parametrize("case", list(CASES))
def test_signals_match_qicharts2(case: str) -> None:
    got, summary, ref = _chart(case)
    assert (got["sigma_signal"].to_numpy() == ref["sigma_signal"].to_numpy().astype(bool)).all()
    assert (got["runs_signal"].to_numpy() == ref["runs_signal"].to_numpy().astype(bool)).all()
    per_part = ref.groupby("part").first()
    for ours, theirs in (
        ("longest_run", "longest_run"),
        ("longest_run_max", "longest_run_max"),
        ("n_crossings", "n_crossings"),
        ("n_crossings_min", "n_crossings_min"),
    ):
        np.testing.assert_array_equal(summary[ours].to_numpy(float), per_part[theirs].to_numpy())


def test_montgomery_example_6_3_published_limits() -> None:
    # Montgomery example 6.3 (piston rings, n = 5): grand mean 74.001, s-bar 0.0094,
    # Xbar limits 73.988 and 74.014; S chart limits 0 and 0.0196 (A3 = 1.427, B4 = 2.089).
    data = TABLES[TABLES["table"] == "6.3"]
    xbar = spc(data, x="x", y="y", chart="xbar").summary().iloc[0]
    s = spc(data, x="x", y="y", chart="s").summary().iloc[0]
    # the book rounds s-bar to 0.0094 before multiplying, hence the 0.001 tolerance
    assert round(xbar["cl"], 3) == 74.001
    assert xbar["lcl"] == pytest.approx(73.988, abs=1e-3)
    assert xbar["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert round(s["cl"], 4) == 0.0094
    assert s["lcl"] == 0.0
    assert round(s["ucl"], 4) == 0.0196


def test_montgomery_example_6_5_published_limits() -> None:
    # Montgomery example 6.5 (cost, first 20 weeks): mean 300.5, MR-bar 7.79,
    # limits 300.5 +/- 3 x 7.79 / 1.128 = 279.78 and 321.22; MR chart UCL 3.267 x 7.79 = 25.45
    data = TABLES[TABLES["table"] == "6.7"]
    i = spc(data, x="x", y="y", chart="i", freeze=20).summary().iloc[0]
    mr = spc(data, x="x", y="y", chart="mr", freeze=20).summary().iloc[0]
    assert i["cl"] == pytest.approx(300.5)
    assert i["lcl"] == pytest.approx(279.78, abs=0.005)
    assert i["ucl"] == pytest.approx(321.22, abs=0.005)
    assert mr["cl"] == pytest.approx(7.79, abs=0.005)
    assert mr["ucl"] == pytest.approx(25.45, abs=0.005)


def test_montgomery_example_7_1_revised_p_chart() -> None:
    # Montgomery example 7.1: after dropping samples 15 and 23 (assignable causes),
    # p-bar = 0.2150, UCL = 0.3893, LCL = 0.0407 for n = 50. By hand:
    # 0.215 +/- 3 sqrt(0.215 x 0.785 / 50) = 0.215 +/- 0.17430
    data = TABLES[TABLES["table"] == "7.3"].iloc[:30]
    res = spc(data, x="x", y="y", n="n", chart="p", exclude=[15, 23]).summary().iloc[0]
    assert res["cl"] == pytest.approx(0.215)
    assert res["ucl"] == pytest.approx(0.215 + 3 * np.sqrt(0.215 * 0.785 / 50))
    assert round(res["ucl"], 4) == 0.3893
    assert round(res["lcl"], 4) == 0.0407


def test_montgomery_example_7_3_c_chart() -> None:
    # Montgomery example 7.3 (nonconformities in 26 samples): c-bar = 19.85,
    # limits 19.85 +/- 3 sqrt(19.85) = 6.48 and 33.22 (from the rounded centre line)
    data = TABLES[TABLES["table"] == "7.8"].iloc[:26]
    res = spc(data, x="x", y="y", chart="c").summary().iloc[0]
    assert round(res["cl"], 2) == 19.85
    assert res["lcl"] == pytest.approx(6.48, abs=0.01)
    assert res["ucl"] == pytest.approx(33.22, abs=0.01)
    assert res["ucl"] == pytest.approx(res["cl"] + 3 * np.sqrt(res["cl"]))


HAI = pd.read_csv(DATA / "hospital_infections.csv", parse_dates=["month"])
HAI_SUMMARY = pd.read_csv(DATA / "qicharts2_hai_summary.csv")


def _hai(case: str) -> pd.DataFrame:
    if case == "hai_1":
        return spc(HAI, x="month", y="n", n="days", chart="u", rules="anhoej").summary()
    if case == "hai_2":
        return spc(
            HAI, x="month", y="n", n="days", chart="u", group="infection", rules="anhoej"
        ).summary()
    if case == "hai_3":
        data = HAI.assign(cell=HAI["hospital"] + "|" + HAI["infection"])
        return spc(data, x="month", y="n", n="days", chart="u", group="cell").summary()
    # funnel: hospitals (categorical x) in the last six months, per infection, per 10,000 days;
    # qicharts2's test orders hospitals by mean risk days, reorder(hospital, days)
    recent = HAI[HAI["month"] >= "2016-07-01"].copy()
    levels = recent.groupby("hospital")["days"].mean().sort_values().index
    recent["hospital"] = pd.Categorical(recent["hospital"], categories=list(levels))
    return spc(
        recent, x="hospital", y="n", n="days", chart="u", group="infection", multiplier=10000
    ).summary()


@pytest.mark.parametrize("case", ["hai_1", "hai_2", "hai_3", "hai_4"])
def test_u_chart_summaries_match_qicharts2(case: str) -> None:
    got = _hai(case)
    ref = HAI_SUMMARY[HAI_SUMMARY["case"] == case]
    pairs = {
        "n_obs": "n.obs",
        "n_useful": "n.useful",
        "longest_run": "longest.run",
        "longest_run_max": "longest.run.max",
        "n_crossings": "n.crossings",
        "n_crossings_min": "n.crossings.min",
        "runs_signal": "runs.signal",
        "mean_lcl": "aLCL",
        "mean_cl": "CL",
        "mean_ucl": "aUCL",
        "sigma_signals": "sigma.signal",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(
            got[ours].to_numpy(float), ref[theirs].to_numpy(float), rtol=1e-9, err_msg=ours
        )
