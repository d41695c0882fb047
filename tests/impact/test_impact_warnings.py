"""Honest warnings: too few points, too few events, recording changed, trends, dates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from equalqi.impact import evaluate_gap
from equalqi.impact.warnings import completeness_rows

DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"


def _run(planted, **kw: object):
    return evaluate_gap(
        planted.table, dimension=DIM, groups=(D, A), intervention=planted.intervention, **kw
    )


def test_too_few_points_skips_the_time_series(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(1), n_pre=2, n_post=6)
    res = _run(planted)
    assert any("Only 2 period(s) before" in w and "not fitted" in w for w in res.warnings)
    assert any("Only 6 period(s) after" in w and "caution" in w for w in res.warnings)
    assert res.its.empty
    assert np.isfinite(res.gap["change"])  # the before/after comparison still works


def test_enough_points_gives_no_point_warning(simulate_table: Callable) -> None:
    res = _run(simulate_table(np.random.default_rng(2), n_pre=8, n_post=8))
    assert not any("period(s)" in w for w in res.warnings)


def test_few_events_in_a_group(simulate_table: Callable) -> None:
    # about 40 people a month and a 3% event rate in A: about 1 event a month
    planted = simulate_table(
        np.random.default_rng(3), base=(0.30, 0.03, 0.2), n=40.0, step=(0.0, 0.0, 0.0), noise=0.0
    )
    res = _run(planted)
    few = [w for w in res.warnings if w.startswith("Few events")]
    assert any("5 - least deprived before the intervention" in w for w in few)
    assert not any("1 - most deprived" in w for w in few)  # ~12 events a month there


def test_completeness_change_at_the_intervention(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(4), n_pre=12, n_post=12)
    periods = pd.date_range("2021-01-01", periods=24, freq="MS")
    # the engine's completeness table uses the field name ('imd_decile'), not the dimension
    complete = pd.DataFrame(
        {
            "period": periods,
            "dimension": "imd_decile",
            "share_missing": np.where(periods < planted.intervention, 0.18, 0.04),
        }
    )
    res = _run(planted, completeness=complete)
    hit = [w for w in res.warnings if w.startswith("Recording of")]
    assert len(hit) == 1 and "18%" in hit[0] and "4%" in hit[0] and "improved" in hit[0]
    # a change under 5 points is not flagged
    small = complete.assign(share_missing=np.where(periods < planted.intervention, 0.06, 0.04))
    assert not any(w.startswith("Recording of") for w in _run(planted, completeness=small).warnings)


@pytest.mark.parametrize(
    ("dimension", "fields", "expected"),
    [
        ("IMD quintile", ["ethnic_code", "imd_decile"], ["imd_decile"]),
        ("Ethnic group", ["ethnic_code", "imd_decile"], ["ethnic_code"]),
        ("Age band", ["age_band", "sex_code"], ["age_band"]),
        ("Sex", ["age_band", "sex_code"], ["sex_code"]),
        ("Ethnic group", ["Ethnic group", "ethnic_code"], ["Ethnic group"]),  # exact name first
        ("Site", ["ethnic_code"], []),
    ],
)
def test_completeness_field_matching(
    dimension: str, fields: list[str], expected: list[str]
) -> None:
    frame = pd.DataFrame(
        {"period": pd.Timestamp("2024-01-01"), "dimension": fields, "share_missing": 0.1}
    )
    assert list(completeness_rows(frame, dimension)["dimension"]) == expected


def test_gap_already_trending_before(simulate_table: Callable) -> None:
    # D's rate rises 0.2 points a month throughout (A flat): the gap widens before and after
    # the intervention alike, which the difference in differences would call a widening.
    planted = simulate_table(
        np.random.default_rng(5), step=(0.0, 0.0, 0.0), ramp=(0.0, 0.0, 0.0), n=2000.0, noise=0.003
    )
    t = planted.table.copy()
    months = (t["period"].dt.year - 2021) * 12 + t["period"].dt.month - 1
    is_d = t["group"] == D
    extra = np.round(t.loc[is_d, "denominator"] * 0.002 * months[is_d])
    t.loc[is_d, "numerator"] += extra
    res = evaluate_gap(t, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    assert res.gap_change == "widened"
    assert any(w.startswith("The gap was already changing") for w in res.warnings)
    level = res.its[(res.its["role"] == "gap") & (res.its["term"] == "level change")].iloc[0]
    assert level["lower"] <= 0 <= level["upper"]  # the ITS sees no jump at the intervention


def test_intervention_inside_a_period(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(6), n_pre=12, n_post=12)
    res = _run(
        planted.__class__(
            planted.table, planted.intervention + pd.Timedelta(days=14), planted.gap_change
        )
    )
    assert any("falls inside the period starting 2022-01-01" in w for w in res.warnings)
    # the month containing the date counts as before: 13 periods before, 11 after
    assert int(res.before_after["periods_before"].iloc[0]) == 13


def test_disadvantaged_group_not_behind_at_baseline(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(7), base=(0.20, 0.30, 0.25))
    res = _run(planted)
    assert any("was not worse off" in w for w in res.warnings)


def test_missing_overall_rows_are_summed_with_a_note(simulate_table: Callable) -> None:
    planted = simulate_table(np.random.default_rng(8), n_pre=10, n_post=10)
    table = planted.table[planted.table["dimension"] != "Overall"]
    res = evaluate_gap(table, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    assert any("no 'Overall'" in w for w in res.warnings)
    full = _run(planted)
    # the three groups add up to the overall series, so the overall results agree
    a = res.before_after.set_index("role").loc["overall", "change"]
    b = full.before_after.set_index("role").loc["overall", "change"]
    assert a == pytest.approx(b, rel=1e-9)
