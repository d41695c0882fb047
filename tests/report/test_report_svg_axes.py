"""Scales, nice ticks, time ticks and number formatting behind the SVG charts."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from equalqi.services.report.svg_axes import (
    LinearScale,
    nice_step,
    nice_ticks,
    step_decimals,
    time_domain,
    time_ticks,
    to_days,
)
from equalqi.services.report.svg_format import (
    axis_title,
    format_number,
    format_period,
    format_tick,
    format_value,
    period_style,
    resolve_unit,
    text_width,
    truncate,
    wrap_text,
)

# ---------------------------------------------------------------------------------------------
# nice ticks: hand-worked examples (step = smallest 1-2-5 x 10^k >= span / (max_ticks - 1))
# ---------------------------------------------------------------------------------------------

NICE_CASES = [
    # lo, hi, max_ticks, expected ticks; working in the comment
    (0.0, 100.0, 6, (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)),  # 100/5 = 20 -> step 20
    (3.2, 17.8, 6, (0.0, 5.0, 10.0, 15.0, 20.0)),  # 14.6/5 = 2.92 -> 5; floor(0.64)=0, ceil(3.56)=4
    (0.12, 0.18, 4, (0.12, 0.14, 0.16, 0.18)),  # 0.06/3 = 0.02 -> 0.02 exactly
    (-4.3, 6.1, 6, (-5.0, 0.0, 5.0, 10.0)),  # 10.4/5 = 2.08 -> 5; floor(-0.86)=-1, ceil(1.22)=2
    # one value is widened by 10% to 4.5..5.5; 1/5 = 0.2 -> step 0.2 needs 4.4..5.6 = 7 ticks > 6,
    # so the next step, 0.5: 4.5, 5.0, 5.5
    (5.0, 5.0, 6, (4.5, 5.0, 5.5)),
    (0.0, 0.0, 6, (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)),  # zero widens to 0..1; 1/5 = 0.2
    (1200.0, 4875.0, 5, (1000.0, 2000.0, 3000.0, 4000.0, 5000.0)),  # 3675/4=918.75 -> 1000
]


@pytest.mark.parametrize(("lo", "hi", "max_ticks", "expected"), NICE_CASES)
def test_nice_ticks_worked_examples(
    lo: float, hi: float, max_ticks: int, expected: tuple[float, ...]
) -> None:
    ticks = nice_ticks(lo, hi, max_ticks)
    assert ticks.values == pytest.approx(expected)


def test_nice_step_and_decimals_by_hand() -> None:
    assert nice_step(2.92) == 5.0
    assert nice_step(0.02) == pytest.approx(0.02)
    assert nice_step(11.0) == 20.0
    assert nice_step(0.7) == 1.0
    assert step_decimals(0.5) == 1
    assert step_decimals(0.02) == 2
    assert step_decimals(20.0) == 0


def _is_nice(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1.0, 2.0, 5.0))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(a=finite, b=finite, max_ticks=st.integers(min_value=2, max_value=10))
def test_nice_ticks_cover_the_data_with_a_1_2_5_step(a: float, b: float, max_ticks: int) -> None:
    lo, hi = min(a, b), max(a, b)
    ticks = nice_ticks(lo, hi, max_ticks)
    v = np.array(ticks.values)
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert v[0] <= lo + tol and v[-1] >= hi - tol  # the axis covers every value
    assert 2 <= v.size <= max(3, max_ticks)  # three are needed when the range straddles 0
    assert _is_nice(ticks.step)
    assert np.allclose(np.diff(v), ticks.step, rtol=1e-6, atol=1e-12)  # evenly spaced
    # each tick is a whole multiple of the step, so the labels print exactly
    assert np.allclose(v / ticks.step, np.round(v / ticks.step), atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(a=finite, b=finite, r0=st.floats(0, 500), r1=st.floats(0, 500))
def test_linear_scale_is_monotone_and_hits_its_ends(
    a: float, b: float, r0: float, r1: float
) -> None:
    # a domain and a pixel range as charts use them: not degenerate, at least a pixel long
    assume(abs(a - b) >= 1e-6 and abs(r0 - r1) >= 1.0)
    s = LinearScale(min(a, b), max(a, b), r0, r1)
    assert s.one(min(a, b)) == pytest.approx(r0)
    assert s.one(max(a, b)) == pytest.approx(r1)
    xs = np.linspace(min(a, b), max(a, b), 7)
    ys = s(xs)
    assert np.all(np.diff(ys) > 0) if r1 > r0 else np.all(np.diff(ys) < 0)


# ---------------------------------------------------------------------------------------------
# time axis
# ---------------------------------------------------------------------------------------------

MONTH_LABEL = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$")


def _month_ticks_for(periods: int, width: float) -> list[tuple[float, str]]:
    days = to_days(pd.Series(pd.date_range("2021-01-01", periods=periods, freq="MS")))
    d0, d1 = time_domain(days)
    return time_ticks(d0, d1, LinearScale(d0, d1, 50.0, width), size=12.0, data_days=days)


@pytest.mark.parametrize("periods", [3, 12, 24, 60])
@pytest.mark.parametrize("width", [300.0, 600.0, 1000.0])
def test_month_ticks_are_labelled_like_jan_2023_and_do_not_overlap(
    periods: int, width: float
) -> None:
    ticks = _month_ticks_for(periods, width)
    assert len(ticks) >= 1
    for value, label in ticks:
        assert MONTH_LABEL.match(label), label
        ts = pd.Timestamp("1970-01-01") + pd.Timedelta(days=value)
        assert ts.day == 1  # ticks sit on the first of a month
        assert label == f"{ts.strftime('%b')} {ts.year}"
    # labels do not overlap at this width: centre distance >= half of each width
    days = to_days(pd.Series(pd.date_range("2021-01-01", periods=periods, freq="MS")))
    d0, d1 = time_domain(days)
    scale = LinearScale(d0, d1, 50.0, width)
    px = scale([t for t, _ in ticks])
    widths = np.array([text_width(lab, 12.0) for _, lab in ticks])
    assert np.all(np.diff(px) >= (widths[:-1] + widths[1:]) / 2.0)


def test_narrower_axis_never_gets_more_ticks() -> None:
    for periods in (12, 24, 48):
        narrow, wide = _month_ticks_for(periods, 300.0), _month_ticks_for(periods, 1000.0)
        assert len(narrow) <= len(wide)


def test_two_years_of_months_at_full_width_by_hand() -> None:
    # 24 months (Jan 2021 - Dec 2021 + 2022) on ~560 px: a label is ~53 px + 10 px gap, a month
    # is ~560/24.4 = 23 px, so 1- and 2-monthly ticks overlap and 3-monthly (69 px) fit.
    ticks = _month_ticks_for(24, 610.0)
    labels = [lab for _, lab in ticks]
    assert labels[:3] == ["Jan 2021", "Apr 2021", "Jul 2021"]
    assert labels[-1] == "Oct 2022"


def test_single_monthly_point_is_labelled_with_its_month() -> None:
    days = to_days(pd.Series(pd.to_datetime(["2023-01-01"])))
    d0, d1 = time_domain(days)
    ticks = time_ticks(d0, d1, LinearScale(d0, d1, 50.0, 600.0), size=12.0, data_days=days)
    assert [lab for _, lab in ticks] == ["Jan 2023"]


def test_daily_series_gets_day_labels() -> None:
    days = to_days(pd.Series(pd.date_range("2024-03-01", periods=21, freq="D")))
    d0, d1 = time_domain(days)
    ticks = time_ticks(d0, d1, LinearScale(d0, d1, 50.0, 600.0), size=12.0, data_days=days)
    assert all(re.match(r"^\d{1,2} Mar 2024$", lab) for _, lab in ticks)
    assert period_style(days) == "day"


def test_to_days_accepts_dates_timestamps_and_periods() -> None:
    # 2023-01-01 is 19,358 days after 1970-01-01 (53 years incl. 13 leap days: 53*365+13)
    expected = 53 * 365 + 13
    assert to_days(pd.Series([pd.Timestamp("2023-01-01")]))[0] == expected
    assert to_days(pd.Series([pd.Timestamp("2023-01-01").date()], dtype=object))[0] == expected
    assert to_days(pd.Series(pd.period_range("2023-01", periods=1, freq="M")))[0] == expected
    assert math.isnan(to_days(pd.Series([pd.NaT]))[0])


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (12.345, "%", 1, "12.3%"),
        (1234.56, "per 1,000", 1, "1,234.6 per 1,000"),
        (-0.04, "%", 1, "0.0%"),  # no "-0.0"
        (4.5, "days", 1, "4.5 days"),
        (1200.0, "£", 0, "£1,200"),
        (-3.25, "£", 2, "-£3.25"),
        (2.0, "pp", 1, "2.0 percentage points"),
        (7.0, "", 0, "7"),
        (float("nan"), "%", 1, "no value"),
    ],
)
def test_format_value(value: float, unit: str, decimals: int, expected: str) -> None:
    assert format_value(value, unit, decimals) == expected


def test_tick_labels_carry_percent_and_currency_only() -> None:
    assert format_tick(20.0, 0, "%") == "20%"
    assert format_tick(2.5, 1, "per 1,000") == "2.5"
    assert format_tick(1000.0, 0, "£") == "£1,000"
    assert format_number(-1e-9, 1) == "0.0"


def test_units_and_axis_titles() -> None:
    assert resolve_unit("", 100) == "%"
    assert resolve_unit("", 1000) == "per 1,000"
    assert resolve_unit("", 100_000) == "per 100,000"
    assert resolve_unit("days", 100) == "days"
    assert resolve_unit("", 1) == ""
    assert axis_title("%") == "Percentage (%)"
    assert axis_title("per 1,000") == "Rate per 1,000"
    assert axis_title("days") == "Days"
    assert axis_title("") == "Value"
    assert axis_title("pp", prefix="Gap") == "Gap (percentage points)"


def test_periods_read_as_month_or_day() -> None:
    jan = float(to_days(pd.Series([pd.Timestamp("2023-01-01")]))[0])
    assert format_period(jan, "month") == "Jan 2023"
    assert format_period(jan + 5, "day") == "6 Jan 2023"


def test_wrap_and_truncate_fit_the_width() -> None:
    title = "Proportion of patients seen within eighteen weeks of referral, by deprivation"
    lines = wrap_text(title, 200.0, 15.0, bold=True)
    assert len(lines) > 1
    assert " ".join(lines) == title  # nothing lost
    assert all(text_width(line, 15.0, bold=True) <= 200.0 for line in lines)
    short = truncate(title, 120.0, 12.0)
    assert short.endswith("…") and text_width(short, 12.0) <= 120.0
    assert truncate("Age", 120.0, 12.0) == "Age"
