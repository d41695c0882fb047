"""A centre line fixed by the user (qicharts2's ``cl``), chart by chart, against hand sums.

qicharts2 (R/helper.functions.R, ``qic.*``) uses a given ``cl`` in place of the calculated
centre for the runs analysis and as the centre, and where the chart's sigma depends on the
centre (P, C, U, Laney, MR, S, G) in the sigma as well; the spread estimates from the data
(moving ranges, s-bar) are unchanged. The expected numbers below are worked by hand from
those formulas (Montgomery's constants for Xbar/S).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.spc import spc
from equalqi.spc.result import SPCResult

Y = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0, 12.0]  # moving ranges 2,1,2,1,2,1,1: mean 10/7
MR_BAR = 10.0 / 7.0


def _frame(y: list[float], n: list[float] | None = None) -> pd.DataFrame:
    data = pd.DataFrame({"x": range(1, len(y) + 1), "y": y})
    if n is not None:
        data["n"] = n
    return data


def _last(result: SPCResult) -> pd.Series:
    return result.to_frame().iloc[-1]


def test_run_chart_runs_around_the_given_line() -> None:
    # 1..10 around 3: 3 is on the line, 1-2 below, 4-10 above: 9 useful, 1 crossing, run 7
    result = spc(_frame([float(v) for v in range(1, 11)]), x="x", y="y", cl=3, rules="anhoej")
    s = result.summary().iloc[0]
    assert (s["cl"], s["n_useful"], s["n_crossings"], s["longest_run"]) == (3, 9, 1, 7)
    assert bool(s["cl_fixed"])
    assert "centre line fixed by the user at 3" in result.method


def test_i_chart_keeps_the_moving_range_sigma() -> None:
    last = _last(spc(_frame(Y), x="x", y="y", chart="i", cl=11))
    sigma = MR_BAR / 1.128
    assert last["cl"] == 11
    assert last["ucl"] == pytest.approx(11 + 3 * sigma, rel=1e-12)
    assert last["lcl"] == pytest.approx(11 - 3 * sigma, rel=1e-12)
    assert last["ucl_2s"] == pytest.approx(11 + 2 * sigma, rel=1e-12)


def test_xmr_chart() -> None:
    last = _last(spc(_frame(Y), x="x", y="y", chart="xmr", cl=11))
    assert last["ucl"] == pytest.approx(11 + 2.66 * MR_BAR, rel=1e-12)
    assert last["lcl_2s"] == pytest.approx(11 - 2 / 3 * 2.66 * MR_BAR, rel=1e-12)


def test_mr_chart_takes_the_centre_as_mean_moving_range() -> None:
    last = _last(spc(_frame(Y), x="x", y="y", chart="mr", cl=2))
    assert (last["cl"], last["lcl"]) == (2, 0)
    assert last["ucl"] == pytest.approx(3.267 * 2, rel=1e-12)


def _subgroups() -> pd.DataFrame:
    values = {1: [1, 2, 3, 4], 2: [2, 3, 4, 5], 3: [3, 5, 7, 9]}
    return pd.DataFrame([{"x": x, "y": float(v)} for x, vs in values.items() for v in vs])


def test_xbar_chart() -> None:
    # s_i = 1.2910, 1.2910, 2.5820; equal sizes: s-bar = their mean; A3(4) = 1.628
    s_bar = (2 * np.std([1, 2, 3, 4], ddof=1) + np.std([3, 5, 7, 9], ddof=1)) / 3
    last = _last(spc(_subgroups(), x="x", y="y", chart="xbar", cl=4))
    assert last["cl"] == 4
    assert last["ucl"] == pytest.approx(4 + 1.628 * s_bar, rel=1e-3)
    assert last["lcl"] == pytest.approx(4 - 1.628 * s_bar, rel=1e-3)


def test_s_chart_takes_the_centre_as_s_bar() -> None:
    # B3(4) = 0, B4(4) = 2.266 (Montgomery, Appendix VI)
    last = _last(spc(_subgroups(), x="x", y="y", chart="s", cl=1.5))
    assert (last["cl"], last["lcl"]) == (1.5, 0)
    assert last["ucl"] == pytest.approx(2.266 * 1.5, rel=1e-3)


def test_t_chart_centre_is_a_time_between_events() -> None:
    times = [5.0, 10.0, 8.0, 12.0, 6.0, 9.0, 11.0, 7.0]
    z = np.power(times, 1 / 3.6)
    mr = np.abs(np.diff(z))
    assert (mr < 3.267 * mr.mean()).all()  # nothing screened
    centre = 8 ** (1 / 3.6)
    last = _last(spc(_frame(times), x="x", y="y", chart="t", cl=8))
    assert last["cl"] == pytest.approx(8, rel=1e-12)
    assert last["ucl"] == pytest.approx((centre + 3 * mr.mean() / 1.128) ** 3.6, rel=1e-12)
    assert last["lcl"] == pytest.approx((centre - 3 * mr.mean() / 1.128) ** 3.6, rel=1e-12)


def test_p_chart_sigma_from_the_given_proportion() -> None:
    # sqrt(0.1 x 0.9 / 100) = 0.03
    data = _frame([8, 12, 10, 9, 11], [100] * 5)
    last = _last(spc(data, x="x", y="y", n="n", chart="p", cl=0.1))
    assert (last["lcl"], last["lcl_2s"], last["ucl_2s"], last["ucl"]) == pytest.approx(
        (0.01, 0.04, 0.16, 0.19), abs=1e-12
    )
    per_cent = _last(spc(data, x="x", y="y", n="n", chart="p", cl=10, multiplier=100))
    assert (per_cent["cl"], per_cent["ucl"]) == pytest.approx((10, 19), abs=1e-10)


def test_laney_p_prime() -> None:
    # z = (p - 0.1) / 0.03 = -2/3, 2/3, 0, -1/3, 1/3; moving ranges 4/3, 2/3, 1/3, 2/3
    data = _frame([8, 12, 10, 9, 11], [100] * 5)
    last = _last(spc(data, x="x", y="y", n="n", chart="pp", cl=0.1))
    sigma_z = 0.75 / 1.128
    assert last["ucl"] == pytest.approx(0.1 + 3 * 0.03 * sigma_z, rel=1e-12)


def test_c_chart() -> None:
    last = _last(spc(_frame([3, 5, 4, 6, 2]), x="x", y="y", chart="c", cl=4))
    # 4 +/- 3 x 2 and 4 +/- 2 x 2, lower lines clipped at 0
    assert (last["lcl"], last["lcl_2s"], last["ucl_2s"], last["ucl"]) == (0, 0, 8, 10)


def test_u_and_u_prime_charts() -> None:
    data = _frame([6, 10, 8], [4, 4, 4])
    sigma = math.sqrt(2 / 4)
    last = _last(spc(data, x="x", y="y", n="n", chart="u", cl=2))
    assert (last["lcl"], last["ucl"]) == pytest.approx((0, 2 + 3 * sigma), abs=1e-12)
    # z = (1.5 - 2, 2.5 - 2, 2 - 2) / sigma; moving ranges 1/sigma, 0.5/sigma
    sigma_z = (0.75 / sigma) / 1.128
    prime = _last(spc(data, x="x", y="y", n="n", chart="up", cl=2))
    assert prime["ucl"] == pytest.approx(2 + 3 * sigma * sigma_z, rel=1e-12)


def test_g_chart_centre_is_the_mean_and_the_line_its_median() -> None:
    result = spc(_frame([10, 25, 5, 40, 15]), x="x", y="y", chart="g", cl=20, rules="anhoej")
    last = _last(result)
    assert last["ucl"] == pytest.approx(20 + 3 * math.sqrt(20 * 21), rel=1e-12)
    assert last["lcl"] == 0
    assert last["cl"] == pytest.approx(0.693 * 20, rel=1e-12)
    # runs around 13.86: 10 below, 25 above, 5 below, 40 above, 15 above -> 3 crossings
    assert result.summary().iloc[0]["n_crossings"] == 3
    assert "mean of 20" in result.method


def test_one_centre_per_phase_and_per_group() -> None:
    data = _frame(Y)
    result = spc(data, x="x", y="y", chart="i", cl=[11, 13], phases=[5])
    assert list(result.summary()["cl"]) == [11, 13]
    assert "11 (phase 1), 13 (phase 2)" in result.method
    two = pd.concat([data.assign(g="A"), data.assign(g="B")])
    by_group = spc(two, x="x", y="y", group="g", chart="i", cl={"A": 11})
    s = by_group.summary()
    assert list(s["cl"]) == [11, pytest.approx(np.mean(Y))]
    assert list(s["cl_fixed"]) == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chart": "i", "cl": float("nan")}, "must be a finite number"),
        ({"chart": "i", "cl": "11"}, "must be a finite number"),
        ({"chart": "i", "cl": [11, 12], "phases": None}, "gives 2 centre line"),
        ({"chart": "i", "cl": {"Z": 11}}, "'Z', which is not in the data"),
        ({"chart": "i", "cl": []}, "empty list"),
        ({"chart": "c", "cl": -1}, "a count of 0 or more"),
        ({"chart": "t", "cl": 0}, "greater than 0"),
    ],
)
def test_bad_centre_lines_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        spc(_frame(Y), x="x", y="y", **kwargs)  # type: ignore[arg-type]


def test_p_chart_centre_must_be_a_proportion_on_the_plotted_scale() -> None:
    data = _frame([8, 12, 10, 9, 11], [100] * 5)
    with pytest.raises(InputError, match="between 0 and 1"):
        spc(data, x="x", y="y", n="n", chart="p", cl=1.2)
    with pytest.raises(InputError, match="times the multiplier 100"):
        spc(data, x="x", y="y", n="n", chart="p", cl=150, multiplier=100)
    assert _last(spc(data, x="x", y="y", n="n", chart="p", cl=50, multiplier=100))["cl"] == 50


@pytest.mark.parametrize(
    ("chart", "kind"),
    [
        ("run", "value"),
        ("i", "value"),
        ("xmr", "value"),
        ("mr", "value"),
        ("t", "value"),
        ("xbar", "subgroups"),
        ("s", "subgroups"),
        ("p", "counts"),
        ("pp", "counts"),
        ("c", "value"),
        ("u", "counts"),
        ("up", "counts"),
    ],
)
def test_fixing_the_calculated_centre_changes_nothing(chart: str, kind: str) -> None:
    # Property: giving, as cl, the centre line the data give anyway reproduces every line
    # (two phases, so each phase takes its own value).
    rng = np.random.default_rng(7)
    if kind == "subgroups":
        data = pd.DataFrame({"x": np.repeat(np.arange(1, 21), 5), "y": rng.normal(10, 2, 100)})
        n = None
    elif kind == "counts":
        data = pd.DataFrame(
            {"x": range(1, 21), "y": rng.integers(5, 40, 20), "n": rng.integers(80, 120, 20)}
        )
        n = "n"
    else:
        data = pd.DataFrame({"x": range(1, 21), "y": rng.integers(1, 30, 20).astype(float)})
        n = None
    kwargs = {"x": "x", "y": "y", "n": n, "chart": chart, "phases": [11], "multiplier": 1}
    free = spc(data, **kwargs)  # type: ignore[arg-type]
    fixed = spc(data, cl=list(free.summary()["cl"]), **kwargs)  # type: ignore[arg-type]
    cols = ["cl", "lcl", "ucl", "lcl_2s", "ucl_2s"]
    np.testing.assert_allclose(
        fixed.to_frame()[cols].to_numpy(dtype=float),
        free.to_frame()[cols].to_numpy(dtype=float),
        rtol=1e-12,
        atol=1e-12,
    )
    assert list(fixed.to_frame()["signal"]) == list(free.to_frame()["signal"])
