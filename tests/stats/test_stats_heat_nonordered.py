"""WHO HEAT measures for non-ordered dimensions (healthequal), checked by hand.

The worked example: three subgroups with estimates 10, 20, 30, populations 100, 300, 600
(shares 0.1, 0.3, 0.6) and standard errors 1, 2, 3; the weighted mean is
μ = 0.1·10 + 0.3·20 + 0.6·30 = 25.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import heat
from equalqi.stats.heat._simulation import truncated_draws

GROUPS = pd.DataFrame(
    {
        "group": ["a", "b", "c"],
        "est": [10.0, 20.0, 30.0],
        "pop": [100.0, 300.0, 600.0],
        "se": [1.0, 2.0, 3.0],
        "ref": [1, 0, 0],
    }
)
SHARE = np.array([0.1, 0.3, 0.6])
RATIO = np.array([10.0, 20.0, 30.0]) / 25


def _value(frame: pd.DataFrame) -> float:
    assert len(frame) == 1
    return float(frame.iloc[0]["estimate"])


def test_difference_and_ratio_without_reference_use_extremes() -> None:
    # no reference: highest − lowest, whichever subgroup is largest (here the highest)
    d = heat.d(GROUPS, est="est", se="se", favourable_indicator=1, ordered_dimension=0)
    assert _value(d) == 20
    assert d.iloc[0]["se"] == pytest.approx(math.sqrt(3**2 + 1**2))
    r = heat.r(GROUPS, est="est", se="se", favourable_indicator=0, ordered_dimension=0)
    assert _value(r) == pytest.approx(3.0)


def test_largest_group_is_never_a_silent_reference() -> None:
    # the middle subgroup is the largest; D still compares the extremes
    middle_largest = GROUPS.assign(pop=[100.0, 900.0, 100.0])
    d = heat.d(middle_largest, est="est", favourable_indicator=1, ordered_dimension=0)
    assert _value(d) == 20


def test_difference_with_chosen_reference() -> None:
    data = GROUPS.assign(ref=[0, 1, 0])  # reference: b (20)
    fav = heat.d(data, est="est", se="se", favourable_indicator=1, ordered_dimension=0,
                 reference_subgroup="ref")  # fmt: skip
    assert _value(fav) == 10  # reference − lowest other = 20 − 10
    assert fav.iloc[0]["se"] == pytest.approx(math.sqrt(2**2 + 1**2))
    adverse = heat.d(data, est="est", se="se", favourable_indicator=0, ordered_dimension=0,
                     reference_subgroup="ref")  # fmt: skip
    assert _value(adverse) == 10  # highest other − reference = 30 − 20
    assert adverse.iloc[0]["se"] == pytest.approx(math.sqrt(3**2 + 2**2))


def test_bgv_and_its_standard_error_by_hand() -> None:
    # BGV = 0.1·15² + 0.3·5² + 0.6·5² = 45
    # var = 4 Σp²se²(y−μ)² + 2[(Σp²se²)² − Σp⁴se⁴ + Σp²(1−p)²se⁴]
    s2 = np.array([1.0, 4.0, 9.0])
    dev2 = (np.array([10.0, 20, 30]) - 25) ** 2
    var = 4 * np.sum(SHARE**2 * s2 * dev2) + 2 * (
        np.sum(SHARE**2 * s2) ** 2
        - np.sum(SHARE**4 * s2**2)
        + np.sum(SHARE**2 * (1 - SHARE) ** 2 * s2**2)
    )
    row = heat.bgv(GROUPS, est="est", pop="pop", se="se").iloc[0]
    assert row["estimate"] == pytest.approx(45.0)
    assert row["se"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert row["lowerci"] == pytest.approx(45 - 1.959963984540054 * math.sqrt(var))


def test_spread_measures_by_hand() -> None:
    assert _value(heat.bgsd(GROUPS, est="est", pop="pop")) == pytest.approx(math.sqrt(45))
    assert _value(heat.cov(GROUPS, est="est", pop="pop")) == pytest.approx(math.sqrt(45) / 25 * 100)


def test_mean_difference_measures_by_hand() -> None:
    # MDMU = (15 + 5 + 5)/3; MDMW = 0.1·15 + 0.3·5 + 0.6·5 = 6
    assert _value(heat.mdmu(GROUPS, est="est", pop="pop")) == pytest.approx(25 / 3)
    assert _value(heat.mdmu(GROUPS, est="est", setting_average=20.0)) == pytest.approx(20 / 3)
    assert _value(heat.mdmw(GROUPS, est="est", pop="pop")) == pytest.approx(6.0)
    # best performing: 30 if favourable (0.1·20 + 0.3·10 = 5), 10 if adverse (0.3·10 + 0.6·20)
    assert _value(heat.mdbw(GROUPS, est="est", pop="pop", favourable_indicator=1)) == pytest.approx(
        5.0
    )
    assert _value(heat.mdbw(GROUPS, est="est", pop="pop", favourable_indicator=0)) == pytest.approx(
        15.0
    )
    assert _value(heat.mdbu(GROUPS, est="est", favourable_indicator=1)) == pytest.approx(10.0)
    # reference a (10): MDRU = (0 + 10 + 20)/3; MDRW = 0.3·10 + 0.6·20 = 15
    assert _value(heat.mdru(GROUPS, est="est", reference_subgroup="ref")) == pytest.approx(10.0)
    assert _value(
        heat.mdrw(GROUPS, est="est", pop="pop", reference_subgroup="ref")
    ) == pytest.approx(15.0)


def test_index_of_disparity_by_hand() -> None:
    # IDISU = (100/3)·(15 + 5 + 5)/25; IDISW = 100·6/25
    assert _value(heat.idisu(GROUPS, est="est", pop="pop")) == pytest.approx(100 / 3)
    assert _value(heat.idisw(GROUPS, est="est", pop="pop")) == pytest.approx(24.0)


def test_theil_and_mld_by_hand() -> None:
    ti = 1000 * np.sum(SHARE * RATIO * np.log(RATIO))
    mld = 1000 * np.sum(SHARE * -np.log(RATIO))
    row = heat.ti(GROUPS, est="est", pop="pop", se="se").iloc[0]
    assert row["estimate"] == pytest.approx(ti, rel=1e-12)
    centre = np.sum(RATIO * (1 + np.log(RATIO)) * SHARE)
    se = math.sqrt(np.sum((1 + np.log(RATIO) - centre) ** 2 * SHARE**2 * [1, 4, 9] / 25**2))
    assert row["se"] == pytest.approx(se, rel=1e-12)
    # healthequal's interval: estimate (x1000) ± z × se (not x1000)
    assert row["upperci"] == pytest.approx(ti + 1.959963984540054 * se, rel=1e-12)
    assert _value(heat.mld(GROUPS, est="est", pop="pop")) == pytest.approx(mld, rel=1e-12)


def test_par_paf_non_ordered_and_walter_se_by_hand() -> None:
    options = {"est": "est", "pop": "pop", "ordered_dimension": 0, "scaleval": 100}
    par = heat.par(GROUPS, favourable_indicator=1, **options).iloc[0]
    assert par["estimate"] == pytest.approx(5.0)  # best (30) − mean (25)
    paf = heat.paf(GROUPS, favourable_indicator=1, **options).iloc[0]
    assert paf["estimate"] == pytest.approx(20.0)
    # Walter: c = 0.30·600 = 180, d = 420, a = 0.25·1000 − 180 = 70, b = 330, N = 1000
    se = math.sqrt(180 * 1000 * (70 * 420 * 820 + 330 * 180**2) / (250**3 * 600**3))
    assert paf["se"] == pytest.approx(se, rel=1e-12)
    assert par["se"] == pytest.approx(25 * se, rel=1e-12)
    adverse = heat.par(GROUPS, favourable_indicator=0, **options).iloc[0]
    assert adverse["estimate"] == pytest.approx(-15.0)  # best for adverse is 10


def test_par_is_zero_when_reference_is_not_better_than_mean() -> None:
    # ordered: reference = most advantaged (order 3, est 10) is below the mean -> 0
    data = GROUPS.assign(order=[3, 2, 1])
    par = heat.par(data, est="est", pop="pop", favourable_indicator=1, ordered_dimension=1,
                   subgroup_order="order", scaleval=100)  # fmt: skip
    assert _value(par) == 0


def test_equal_groups_give_zero_inequality_everywhere() -> None:
    equal = GROUPS.assign(est=20.0)
    out = heat.summary_measures(
        equal, est="est", pop="pop", se="se", favourable_indicator=1, ordered_dimension=0,
        reference_subgroup="ref", scaleval=100,
    )  # fmt: skip
    values = out.set_index("measure")["estimate"]
    assert values["r"] == pytest.approx(1.0)
    zero = values.drop("r")
    assert np.allclose(zero.to_numpy(float), 0.0, atol=1e-12)


def test_simulated_intervals_reproducible_and_around_estimate() -> None:
    small_se = GROUPS.assign(se=0.05)
    a = heat.bgsd(small_se, est="est", pop="pop", se="se", scaleval=100)
    b = heat.bgsd(small_se, est="est", pop="pop", se="se", scaleval=100)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["lowerci"] < row["estimate"] < row["upperci"]
    assert row["upperci"] - row["lowerci"] < 0.2
    other = heat.bgsd(small_se, est="est", pop="pop", se="se", scaleval=100, seed=1)
    assert other.iloc[0]["lowerci"] != row["lowerci"]


def test_no_simulated_interval_without_se_or_scale() -> None:
    row = heat.mdmw(GROUPS, est="est", pop="pop", se="se").iloc[0]  # no scaleval
    assert math.isnan(row["lowerci"]) and np.isfinite(row["estimate"])


def test_truncated_draws_stay_within_the_scale() -> None:
    rng = np.random.default_rng(0)
    draws = truncated_draws(
        np.array([1.0, 99.0, 5.0]), np.array([5.0, 5.0, 50.0]), np.array([100.0, 100, 1000]),
        500, rng,
    )  # fmt: skip
    assert (draws >= 0).all()
    assert (draws[:, :2] <= 100).all()
    assert draws[:, 2].max() > 100  # a rate per 1,000 is not capped at 100


def test_fifteen_percent_missing_rule() -> None:
    seven = pd.DataFrame({"est": [10.0, 12, 14, 16, 18, 20, 22], "pop": [100.0] * 7})
    one_missing = seven.assign(est=[np.nan, 12, 14, 16, 18, 20, 22])  # 14% missing: dropped
    assert _value(heat.mdmw(one_missing, est="est", pop="pop")) == pytest.approx(
        _value(heat.mdmw(seven.iloc[1:], est="est", pop="pop"))
    )
    two_missing = seven.assign(est=[np.nan, np.nan, 14, 16, 18, 20, 22])  # 29%: blocked
    blocked = heat.mdmw(two_missing, est="est", pop="pop").iloc[0]
    assert math.isnan(blocked["estimate"]) and "15%" in blocked["note"]
    forced = heat.mdmw(two_missing, est="est", pop="pop", force=True).iloc[0]
    assert np.isfinite(forced["estimate"])


def test_reference_measures_need_a_marked_reference() -> None:
    out = heat.mdru(GROUPS.assign(ref=0), est="est", reference_subgroup="ref").iloc[0]
    assert math.isnan(out["estimate"]) and "reference" in out["note"]
    with pytest.raises(InputError, match="more than one"):
        heat.mdru(GROUPS.assign(ref=1), est="est", reference_subgroup="ref")


def test_two_subgroups_are_too_few_for_complex_measures() -> None:
    out = heat.bgv(GROUPS.iloc[:2], est="est", pop="pop").iloc[0]
    assert "more than two" in out["note"]
    d = heat.d(GROUPS.iloc[:2], est="est", favourable_indicator=1, ordered_dimension=0)
    assert _value(d) == 10  # simple measures work for binary dimensions


def test_summary_measures_chooses_by_dimension_and_inputs() -> None:
    out = heat.summary_measures(
        GROUPS, est="est", pop="pop", se="se", favourable_indicator=1, ordered_dimension=0,
        scaleval=100,
    )  # fmt: skip
    assert out["measure"].tolist() == [
        "d", "r", "bgv", "bgsd", "cov", "mdmu", "mdmw", "mdbu", "mdbw", "idisu", "idisw",
        "ti", "mld", "par", "paf",
    ]  # fmt: skip
    with pytest.raises(InputError, match="cannot be computed"):
        heat.summary_measures(GROUPS, est="est", favourable_indicator=1, ordered_dimension=0,
                              measures=["mdrw"])  # fmt: skip
    with pytest.raises(InputError, match="not a WHO HEAT"):
        heat.summary_measures(GROUPS, est="est", favourable_indicator=1, ordered_dimension=0,
                              measures=["gini"])  # fmt: skip


def test_problems_name_the_callers_row_even_after_sorting() -> None:
    # settings are sorted internally; the error must point at the row as the user gave it
    data = pd.DataFrame(
        {"year": [2024, 2023, 2023, 2023], "est": [1.0, 2, 3, 4], "pop": [10.0, 10, -5, 10]}
    )
    with pytest.raises(InputError) as caught:
        heat.bgv(data, est="est", pop="pop", group_by="year")
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (4, "pop", "-5")
    flags = data.assign(pop=10.0, fav=[1, 1, 0, 1])
    with pytest.raises(InputError) as caught:
        heat.d(flags, est="est", favourable_indicator="fav", ordered_dimension=0, group_by="year")
    assert caught.value.problems[0].column == "fav"


def test_results_as_frozen_records() -> None:
    from equalqi.stats import estimates_from_frame

    frame = heat.bgv(GROUPS, est="est", pop="pop", se="se")
    (record,) = estimates_from_frame(frame)
    assert record.measure == "bgv" and record.estimate == pytest.approx(45.0)
    assert record.lower < record.estimate < record.upper
    assert record.to_frame().loc[0, "method"].startswith("between-group variance")
    with pytest.raises(AttributeError):
        record.estimate = 1.0  # type: ignore[misc]
