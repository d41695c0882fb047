"""Bad input gets a clear message: where (table, row, column), what (value), what to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.impact import evaluate_gap

DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"


@pytest.fixture
def planted(simulate_table: Callable):
    return simulate_table(np.random.default_rng(1), n_pre=6, n_post=6)


def _problems(err: pytest.ExceptionInfo[InputError]) -> list[tuple]:
    return [(p.file, p.row, p.column) for p in err.value.problems]


def test_options_are_checked_together(planted) -> None:
    with pytest.raises(InputError) as err:
        evaluate_gap(
            planted.table,
            dimension=DIM,
            groups=(D, D),
            intervention=dt.date(2021, 7, 1),
            kind="odds",
            improvement="lower",  # "neutral" is accepted: no judgement (issue 19)
            scale="log",
            seasonality="weekly",
            hac_lags=-1,
            confidence=150,  # 95 is read as 95% (0.95 or 95 alike)
            multiplier=0,
            errors="robust",
        )
    columns = {p.column for p in err.value.problems}
    assert columns == {
        "kind",
        "improvement",
        "scale",
        "seasonality",
        "groups",
        "hac_lags",
        "confidence",
        "multiplier",
        "errors",
    }
    assert "better side" in err.value.summary()


def test_unknown_dimension_and_group_list_the_choices(planted) -> None:
    with pytest.raises(InputError, match="Use one of: IMD quintile") as err:
        evaluate_gap(
            planted.table, dimension="Ethnicity", groups=(D, A), intervention=planted.intervention
        )
    assert _problems(err) == [("measure table", None, "dimension")]
    with pytest.raises(InputError, match="has no group '9'") as err:
        evaluate_gap(
            planted.table, dimension=DIM, groups=(D, "9"), intervention=planted.intervention
        )
    assert "5 - least deprived" in err.value.summary()


def test_bad_rows_are_located(planted) -> None:
    table = planted.table.copy()
    i = table.index[(table["group"] == D)][2]
    table.loc[i, "numerator"] = table.loc[i, "denominator"] + 5  # more events than people
    j = table.index[(table["group"] == A)][0]
    table.loc[j, "denominator"] = np.nan
    with pytest.raises(InputError) as err:
        evaluate_gap(table, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    got = {(p.row, p.column, p.what) for p in err.value.problems}
    assert (i + 2, "numerator", "the numerator is larger than the denominator") in got
    assert (j + 2, "denominator", "the denominator is missing") in got


def test_duplicated_rows_and_bad_dates(planted) -> None:
    table = pd.concat([planted.table, planted.table.iloc[[0]]], ignore_index=True)
    table["period"] = table["period"].astype(str)
    table.loc[5, "period"] = "not a date"
    with pytest.raises(InputError) as err:
        evaluate_gap(table, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    whats = {(p.row, p.what) for p in err.value.problems}
    assert (7, "this period is not a date") in whats
    assert (len(table) + 1, "this period, dimension and group appear more than once") in whats


def test_missing_columns(planted) -> None:
    with pytest.raises(InputError, match="no column") as err:
        evaluate_gap(
            planted.table.drop(columns=["denominator"]),
            dimension=DIM,
            groups=(D, A),
            intervention=planted.intervention,
        )
    assert err.value.problems[0].column == "denominator"


@pytest.mark.parametrize("when", [dt.date(2020, 1, 1), dt.date(2030, 1, 1)])
def test_intervention_outside_the_data(planted, when: dt.date) -> None:
    with pytest.raises(InputError, match="no period of the data falls") as err:
        evaluate_gap(planted.table, dimension=DIM, groups=(D, A), intervention=when)
    assert "2021-01-01 to 2021-12-01" in err.value.summary()


def test_intervention_dates_must_increase(planted) -> None:
    with pytest.raises(InputError, match="increasing order"):
        evaluate_gap(
            planted.table,
            dimension=DIM,
            groups=(D, A),
            intervention=[dt.date(2021, 9, 1), dt.date(2021, 5, 1)],
        )


def test_uneven_periods(planted) -> None:
    table = planted.table.copy()
    table.loc[table["period"] == pd.Timestamp("2021-03-01"), "period"] = pd.Timestamp("2021-02-15")
    with pytest.raises(InputError, match="not evenly spaced"):
        evaluate_gap(table, dimension=DIM, groups=(D, A), intervention=planted.intervention)


def test_completeness_table_is_checked(planted) -> None:
    bad = pd.DataFrame(
        {"period": ["2021-01-01"], "dimension": ["imd_decile"], "share_missing": [18.0]}
    )
    with pytest.raises(InputError) as err:
        evaluate_gap(
            planted.table,
            dimension=DIM,
            groups=(D, A),
            intervention=planted.intervention,
            completeness=bad,
        )
    assert _problems(err) == [("completeness table", 2, "share_missing")]


def test_input_is_not_modified(planted) -> None:
    before = planted.table.copy(deep=True)
    evaluate_gap(planted.table, dimension=DIM, groups=(D, A), intervention=planted.intervention)
    pd.testing.assert_frame_equal(planted.table, before)


def test_several_phases(simulate_table: Callable) -> None:
    # three phases: before, a transition, after; the before/after comparison uses the first
    # and the last, the time series reports a level and slope change at each date
    planted = simulate_table(np.random.default_rng(3), n_pre=12, n_post=24)
    second = planted.intervention + pd.DateOffset(months=6)
    res = evaluate_gap(
        planted.table,
        dimension=DIM,
        groups=(D, A),
        intervention=[planted.intervention.date(), second.date()],
    )
    assert res.intervention == (planted.intervention.date(), second.date())
    row = res.before_after.iloc[0]
    assert (row["periods_before"], row["periods_after"]) == (12, 18)
    gap = res.its[res.its["role"] == "gap"]
    assert list(gap["term"]) == [
        "pre-intervention slope",
        "level change",
        "slope change",
        "level change",
        "slope change",
        "average change after",
    ]
    assert (
        list(gap["change_point"].dropna().dt.date)
        == [planted.intervention.date()] * 2 + [second.date()] * 3
    )
