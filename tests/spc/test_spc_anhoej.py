"""Anhøj runs rules: published critical values and properties that must hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.spc import spc
from equalqi.spc.rules import anhoej, crossings_limit, longest_run_limit

# Anhøj J, Olesen AV. Run charts revisited. PLoS ONE 2014;9:e113825, Table 1:
# number of useful observations -> (upper limit for the longest run, lower limit for crossings)
ANHOEJ_TABLE = {
    10: (6, 2), 11: (6, 2), 12: (7, 3), 13: (7, 3), 14: (7, 4), 15: (7, 4), 16: (7, 4),
    17: (7, 5), 18: (7, 5), 19: (7, 6), 20: (7, 6), 21: (7, 6), 22: (7, 7), 23: (8, 7),
    24: (8, 8), 25: (8, 8), 26: (8, 8), 27: (8, 9), 28: (8, 9), 29: (8, 10), 30: (8, 10),
    31: (8, 11), 32: (8, 11), 33: (8, 11), 34: (8, 12), 35: (8, 12), 36: (8, 13),
    37: (8, 13), 38: (8, 14), 39: (8, 14), 40: (8, 14),
}  # fmt: skip


def test_critical_values_match_published_table() -> None:
    n = np.array(list(ANHOEJ_TABLE), dtype=float)
    expected = np.array(list(ANHOEJ_TABLE.values()), dtype=float)
    np.testing.assert_array_equal(longest_run_limit(n), expected[:, 0])
    np.testing.assert_array_equal(crossings_limit(n), expected[:, 1])


def test_crossings_limit_is_the_binomial_5th_percentile() -> None:
    # qbinom(0.05, n - 1, 0.5): the smallest c with P(C <= c) >= 0.05. For n = 100 (99 trials)
    # R gives 41; P(C <= 40) = 0.0443 and P(C <= 41) = 0.0666 by the binomial sum.
    from math import comb

    def cdf(c: int, m: int) -> float:
        return sum(comb(m, k) for k in range(c + 1)) / 2**m

    assert cdf(40, 99) < 0.05 <= cdf(41, 99)
    assert crossings_limit(np.array([100.0]))[0] == 41


def test_crossings_limit_of_many_distinct_lengths_is_each_lengths_own() -> None:
    # a national chart has phases of every length: 100 distinct lengths (more than fit one
    # vectorised quantile call) give, for each, the limit computed for that length alone;
    # the published table fixes the values for 10-40 useful points
    n = np.arange(0.0, 100.0)[::-1]
    together = crossings_limit(n)
    alone = np.array([crossings_limit(np.array([v]))[0] for v in n])
    np.testing.assert_array_equal(together, alone)
    table = np.array([ANHOEJ_TABLE[int(v)][1] for v in n if int(v) in ANHOEJ_TABLE])
    np.testing.assert_array_equal(together[np.isin(n, list(ANHOEJ_TABLE))], table)
    assert np.isnan(together[n == 0]).all()


def _runs(y: list[float], cl: float) -> tuple[float, float]:
    arr = np.asarray(y, dtype=float)
    r = anhoej(
        arr,
        np.full(arr.size, cl),
        np.zeros(arr.size, dtype=np.int64),
        np.ones(arr.size, dtype=bool),
        1,
    )
    return float(r.longest_run[0]), float(r.n_crossings[0])


def test_hand_counted_runs() -> None:
    # signs + + - + - - - + : runs ++, -, +, ---, + -> longest 3, crossings 4
    assert _runs([2, 3, -1, 1, -2, -3, -1, 4], 0.0) == (3.0, 4.0)


def test_points_on_the_centre_line_are_ignored() -> None:
    # the zeros neither break nor extend a run: + + 0 + - 0 -  -> runs +++, -- -> (3, 1)
    assert _runs([1, 2, 0, 3, -1, 0, -2], 0.0) == (3.0, 1.0)


signs = st.lists(st.sampled_from([-1.0, 1.0]), min_size=2, max_size=60)


@given(signs)
@settings(max_examples=200, deadline=None)
def test_moving_an_end_point_across_the_line_changes_crossings_by_one(s: list[float]) -> None:
    _, before = _runs(s, 0.0)
    flipped = [-s[0], *s[1:]]
    _, after = _runs(flipped, 0.0)
    assert abs(after - before) == 1


@given(signs.filter(lambda s: len(s) >= 3), st.data())
@settings(max_examples=200, deadline=None)
def test_moving_an_inner_point_changes_crossings_by_0_or_2(
    s: list[float], data: st.DataObject
) -> None:
    i = data.draw(st.integers(min_value=1, max_value=len(s) - 2))
    _, before = _runs(s, 0.0)
    flipped = list(s)
    flipped[i] = -flipped[i]
    _, after = _runs(flipped, 0.0)
    assert abs(after - before) in (0, 2)


@given(signs)
@settings(max_examples=200, deadline=None)
def test_runs_partition_the_useful_points(s: list[float]) -> None:
    longest, crossings = _runs(s, 0.0)
    # crossings + 1 runs, none longer than the longest, covering every point
    assert crossings + 1 <= len(s)
    assert longest >= len(s) / (crossings + 1)


def test_long_run_flags_points_and_phase() -> None:
    # 20 points, mean (11 + 5 x 5 + 4 x 9) / 20 = 3.6: eleven 1s below it, then nine points
    # above -> longest run 11 > 7 (the limit for n = 20)
    y = [1.0] * 11 + [5.0, 9.0] * 4 + [5.0]
    res = spc(pd.DataFrame({"x": range(20), "y": y}), x="x", y="y", chart="i", rules="anhoej")
    s = res.summary().iloc[0]
    assert s["longest_run"] == 11 and s["longest_run_max"] == 7
    assert bool(s["runs_signal"])
    frame = res.to_frame()
    assert frame["rule"].iloc[:11].tolist() == ["longest_run"] * 11
    assert frame["runs_signal"].all()


def test_mr_chart_and_categorical_x_have_no_runs_analysis() -> None:
    # qicharts2: runs analysis is ignored for MR charts and for categorical subgroups
    y = [1.0] * 11 + [5.0, 9.0] * 4 + [5.0]
    mr = spc(pd.DataFrame({"x": range(20), "y": y}), x="x", y="y", chart="mr", rules="anhoej")
    assert not mr.to_frame()["runs_signal"].any()
    cat = pd.DataFrame({"x": [f"u{i:02d}" for i in range(20)], "y": y})
    res = spc(cat, x="x", y="y", chart="i", rules="anhoej")
    assert not res.to_frame()["runs_signal"].any()


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_too_few_useful_points_warn(n: int) -> None:
    y = list(np.linspace(0, 1, n))
    res = spc(pd.DataFrame({"x": range(n), "y": y}), x="x", y="y", chart="run", rules="anhoej")
    assert "runs rules have little power" in res.summary().iloc[0]["warnings"]
