"""Making Data Count conventions, checked against NHSRplotthedots' published outputs and tests.

Sources: NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots) test snapshots
``tests/testthat/_snaps/ptd_spc_standard.md`` and ``ptd_spc.md`` (data: R's
``set.seed(123); rnorm(20)``), the vignette "Deviations from Excel defaults", and the unit
tests of the rule helpers in ``test-ptd_calculate_point_type.R``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.spc import spc
from equalqi.spc.rules.combine import combine
from equalqi.spc.rules.mdc import MDCFlags, shift_flags, trend_flags, two_of_three_flags

# R: set.seed(123); rnorm(20)
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def _frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"x": pd.date_range("2020-01-02", periods=len(values), freq="D"), "y": values}
    )


def test_xmr_limits_match_ptd_snapshot() -> None:
    # _snaps/ptd_spc_standard.md r1: mean_col 0.1416238, lpl -3.01138, upl 3.294627
    s = spc(_frame(RNORM_123), x="x", y="y", chart="xmr").summary().iloc[0]
    assert s["cl"] == pytest.approx(0.1416238, abs=5e-8)
    assert s["lcl"] == pytest.approx(-3.01138, abs=5e-6)
    assert s["ucl"] == pytest.approx(3.294627, abs=5e-7)
    assert s["variation"] == "common_cause"


@pytest.mark.parametrize(
    ("screen", "lcl", "ucl"),
    [(True, -2.383666, 3.722497), (False, -4.596625, 5.935457)],
)
def test_outlier_screening_matches_ptd_snapshot(screen: bool, lcl: float, ucl: float) -> None:
    # _snaps r2 / r3: y[15] <- 10, with and without screen_outliers
    values = list(RNORM_123)
    values[14] = 10.0
    s = spc(_frame(values), x="x", y="y", chart="xmr", screen_outliers=screen).summary().iloc[0]
    assert s["cl"] == pytest.approx(0.6694159, abs=5e-8)
    assert s["lcl"] == pytest.approx(lcl, abs=5e-7)
    assert s["ucl"] == pytest.approx(ucl, abs=5e-7)


def test_facets_match_ptd_summary_snapshot() -> None:
    # _snaps/ptd_spc.md, summary(s3): facet 0 -> 0.0746 -2.60 2.75; facet 1 -> 0.209 -3.28 3.70
    data = _frame(RNORM_123).assign(facet=[0] * 10 + [1] * 10)
    s = spc(data, x="x", y="y", chart="xmr", group="facet").summary()
    assert s["group"].tolist() == [0, 1]
    np.testing.assert_allclose(s["cl"], [0.0746, 0.209], atol=5e-4)
    np.testing.assert_allclose(s["lcl"], [-2.60, -3.28], atol=5e-3)
    np.testing.assert_allclose(s["ucl"], [2.75, 3.70], atol=5e-3)
    # ten points per facet: NHSRplotthedots' short_group_warning (n < 13)
    assert s["short_group_warning"].all()
    assert (s["warnings"] != "").all()


@pytest.mark.parametrize(("screen", "upl", "lpl"), [(True, 4.6, -0.72), (False, 6.95, -3.06)])
def test_vignette_screening_example(screen: bool, upl: float, lpl: float) -> None:
    # vignette "Deviations from Excel defaults": UPL / mean / LPL rounded to 2 d.p.;
    # screen_outliers = FALSE reproduces the MDC Excel tool.
    data = pd.DataFrame(
        {"x": range(18), "y": [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]}
    )
    res = spc(data, x="x", y="y", chart="xmr", screen_outliers=screen, improvement="increase")
    s = res.summary().iloc[0]
    assert round(s["cl"], 2) == 1.94
    assert round(s["ucl"], 2) == upl
    assert round(s["lcl"], 2) == lpl
    # the figure caption: the fifth point (10) is the only special cause (improvement)
    frame = res.to_frame()
    assert frame["signal"].tolist() == [i == 4 for i in range(18)]
    assert frame.loc[4, "classification"] == "improvement"
    assert frame.loc[4, "rule"] == "outside_limits"


def test_two_in_three_needs_the_same_side() -> None:
    # test-ptd_spc_standard.R: two successive points close to opposite limits are common cause
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    frame = spc(_frame(values), x="x", y="y", chart="xmr", trend_length=7).to_frame()
    assert frame["point_type"].tail(2).tolist() == ["common_cause", "common_cause"]


# ---- rule helpers, translated from test-ptd_calculate_point_type.R -------------------------


def _seg(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ([1] * 6, [0] * 6),
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [1] * 8 + [0]),
        ([-1] * 8 + [1], [1] * 8 + [0]),
    ],
)
def test_seven_points_one_side(side: list[int], expected: list[int]) -> None:
    got = shift_flags(np.array(side, dtype=np.int64), _seg(len(side)), 7)
    assert got.astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("y", "flagged", "increasing"),
    [
        (list(range(1, 7)), [0] * 6, None),
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7, None),  # a tie breaks the trend
        (list(range(1, 8)), [1] * 7, True),
        ([2, *range(1, 8), 3], [0] + [1] * 7 + [0], True),
        (list(range(7, 0, -1)), [1] * 7, False),
        ([2, *range(7, 0, -1), 3], [0] + [1] * 7 + [0], False),
    ],
)
def test_seven_point_trend(y: list[int], flagged: list[int], increasing: bool | None) -> None:
    got, direction = trend_flags(np.array(y, dtype=float), _seg(len(y)), 7)
    assert got.astype(int).tolist() == flagged
    if increasing is not None:
        assert set(direction[got].tolist()) == {1 if increasing else -1}


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),  # opposite sides of the mean
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
    ],
)
def test_two_in_three(close: list[int], side: list[int], expected: list[int]) -> None:
    got = two_of_three_flags(
        np.array(close, dtype=bool), np.array(side, dtype=np.int64), _seg(len(close))
    )
    assert got.astype(int).tolist() == expected


def test_precedence_and_labels() -> None:
    # test-ptd_calculate_point_type.R, ptd_special_cause_type: outside limits beats trend
    # beats 2-in-3 beats shift; labels as NHSRplotthedots prints them.
    size = 8
    b = lambda v: np.array(v, dtype=bool)  # noqa: E731
    i = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    flags = MDCFlags(
        outside=b([0, 0, 0, 0, 0, 1, 1, 0]),
        outside_side=i([0, 0, 0, 0, 0, -1, -1, 0]),
        trend=b([1, 1, 0, 0, 0, 0, 0, 0]),
        trend_direction=i([1, 1, 0, 0, 0, 0, 0, 0]),
        two_of_three=b([0, 0, 0, 0, 1, 0, 0, 0]),
        shift=b([1, 1, 1, 1, 0, 0, 0, 0]),
        side=i([1, 1, 1, 1, -1, -1, -1, -1]),
    )
    sig = combine(
        size,
        outside=flags.outside,
        outside_side=flags.outside_side,
        mdc=flags,
        runs=None,
        improvement="increase",
        trend_length=7,
        shift_length=7,
    )
    assert sig.label.tolist() == [
        "7 Point Trend (Increasing)",
        "7 Point Trend (Increasing)",
        "7 Points Above CL",
        "7 Points Above CL",
        "2 in 3 Below CL",
        "Below LCL",
        "Below LCL",
        "Common Cause",
    ]
    assert sig.rule.tolist() == [
        "trend",
        "trend",
        "shift",
        "shift",
        "two_of_three",
        "outside_limits",
        "outside_limits",
        "",
    ]
    assert sig.classification.tolist() == ["improvement"] * 4 + ["concern"] * 3 + ["common"]


@pytest.mark.parametrize(
    ("improvement", "up", "down"),
    [
        ("increase", "improvement", "concern"),
        ("decrease", "concern", "improvement"),
        ("neutral", "neutral", "neutral"),
    ],
)
def test_improvement_direction_maps_signals(improvement: str, up: str, down: str) -> None:
    # one point far above and one far below a flat series (hand-made: MR-bar = 0.5 apart
    # from the two outliers, which screening removes)
    values = [10.0, 10.5] * 10
    values[5], values[14] = 30.0, -10.0
    frame = spc(_frame(values), x="x", y="y", chart="xmr", improvement=improvement).to_frame()
    assert frame.loc[5, "classification"] == up
    assert frame.loc[14, "classification"] == down
    expected_type = {
        "improvement": "special_cause_improvement",
        "concern": "special_cause_concern",
        "neutral": None,
    }
    if improvement == "neutral":
        assert frame.loc[5, "point_type"] == "special_cause_neutral_high"
        assert frame.loc[14, "point_type"] == "special_cause_neutral_low"
    else:
        assert frame.loc[5, "point_type"] == expected_type[up]


def test_trend_and_shift_lengths_are_configurable() -> None:
    # six rising points: a trend when trend_length = 6, not when 7
    values = [5.0, 4.0, 5.0, 4.0, 5.0, 4.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 4.0, 5.0, 4.0]
    six = spc(_frame(values), x="x", y="y", chart="xmr", trend_length=6).to_frame()
    seven = spc(_frame(values), x="x", y="y", chart="xmr", trend_length=7).to_frame()
    assert (six["rule"].iloc[6:12] != "").all()
    assert "trend" in set(six["rule"].iloc[6:12])
    assert "trend" not in set(seven["rule"])
    # six points below the mean: a shift when shift_length = 6, not when 7
    side = [10.0] * 4 + [1.0, 2.0, 1.0, 2.0, 1.0, 2.0] + [10.0] * 4
    s6 = spc(_frame(side), x="x", y="y", chart="run", shift_length=6).to_frame()
    s7 = spc(_frame(side), x="x", y="y", chart="run", shift_length=7).to_frame()
    assert s6["rule"].iloc[4:10].tolist() == ["shift"] * 6
    assert "shift" not in set(s7["rule"])
