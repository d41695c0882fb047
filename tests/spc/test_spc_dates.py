"""spc() with dates as text (what read_csv gives): read as dates, or refused (issue 19)."""

from __future__ import annotations

import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.spc import spc

# 7 rising points then flat: a 7-point trend (MDC, NHSRplotthedots' default trend length),
# which a categorical x would silently lose.
VALUES = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, *([13.0] * 13)]
DATES = pd.date_range("2024-01-01", periods=len(VALUES), freq="MS")


def test_iso_text_dates_give_the_same_chart_as_dates() -> None:
    as_dates = pd.DataFrame({"month": DATES, "y": VALUES})
    as_text = as_dates.assign(month=DATES.strftime("%Y-%m-%d"))
    a = spc(as_dates, x="month", y="y", chart="xmr", rules="mdc", improvement="increase")
    b = spc(as_text, x="month", y="y", chart="xmr", rules="mdc", improvement="increase")
    assert a.points["point_type"].tolist() == b.points["point_type"].tolist()
    assert (
        (a.points["point_type"] == "special_cause_improvement").sum()
        == (b.points["point_type"] == "special_cause_improvement").sum()
        > 0
    )


def test_text_that_is_mostly_dates_is_refused_naming_the_column() -> None:
    text = list(DATES.strftime("%Y-%m-%d"))
    text[4] = "2024-13-01"
    frame = pd.DataFrame({"month": text, "y": VALUES})
    with pytest.raises(InputError) as exc:
        spc(frame, x="month", y="y", chart="xmr")
    problem = exc.value.problems[0]
    assert (problem.column, problem.row, problem.value) == ("month", 6, "2024-13-01")
