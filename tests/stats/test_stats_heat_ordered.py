"""WHO HEAT measures for ordered dimensions (healthequal): D, R, ACI, RCI, SII, RII, PAR, PAF."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import heat

# healthequal tests/testthat/test-sii.R (and aci, rci, rii, parisk, paf): with
# set.seed(123), pop = round(rnorm(5, 100, 40)) = 78, 91, 162, 103, 105 (R's default
# Mersenne-Twister / inversion stream); est = 20, 30, 40, 50, 60; subgroup_order 1..5.
ORDERED = pd.DataFrame(
    {
        "pop": [78.0, 91, 162, 103, 105],
        "est": [20.0, 30, 40, 50, 60],
        "se": [5.0, 7, 10, 12, 14],
        "order": [1, 2, 3, 4, 5],
    }
)


def _row(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


def test_sii_matches_healthequal_test() -> None:
    row = _row(heat.sii(ORDERED, est="est", subgroup_order="order", pop="pop"))
    # expected_sii 44.44502, se 0.02190822, CI 40.15109..48.73895 (tolerance 1e-6)
    assert row["estimate"] == pytest.approx(44.44502, rel=1e-6)
    assert row["se"] == pytest.approx(0.02190822, rel=1e-6)
    assert row["lowerci"] == pytest.approx(40.15109, rel=1e-6)
    assert row["upperci"] == pytest.approx(48.73895, rel=1e-6)


def test_rii_matches_healthequal_test() -> None:
    row = _row(heat.rii(ORDERED, est="est", subgroup_order="order", pop="pop"))
    # expected_rii 3.159506, se 0.07644001, CI 2.719902..3.67016
    assert row["estimate"] == pytest.approx(3.159506, rel=1e-6)
    assert row["se"] == pytest.approx(0.07644001, rel=1e-6)
    assert row["lowerci"] == pytest.approx(2.719902, rel=1e-6)
    assert row["upperci"] == pytest.approx(3.67016, rel=1e-6)


def test_aci_and_rci_match_healthequal_tests() -> None:
    aci = _row(heat.aci(ORDERED, est="est", subgroup_order="order", pop="pop"))
    assert aci["estimate"] == pytest.approx(7.3284202, rel=1e-6)
    assert aci["se"] == pytest.approx(0.29368517, rel=1e-6)
    rci = _row(heat.rci(ORDERED, est="est", subgroup_order="order", pop="pop"))
    assert rci["estimate"] == pytest.approx(0.17776859, rel=1e-6)
    assert rci["se"] == pytest.approx(0.0071240491, rel=1e-6)
    assert rci["lowerci"] == pytest.approx(0.16380545, rel=1e-5)
    # RCI = ACI / weighted mean (22220 / 539)
    assert rci["estimate"] == pytest.approx(aci["estimate"] / (22220 / 539), rel=1e-12)


def test_aci_is_twice_the_covariance_by_hand() -> None:
    # ACI = 2 Σ p_i y_i (r_i − ½); ranks from cumulative shares of 78, 91, 162, 103, 105
    pop = ORDERED["pop"].to_numpy()
    share = pop / pop.sum()
    rank = np.cumsum(share) - share / 2
    expected = 2 * np.sum(share * ORDERED["est"].to_numpy() * (rank - 0.5))
    row = _row(heat.aci(ORDERED, est="est", subgroup_order="order", pop="pop"))
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)


def test_par_and_paf_match_healthequal_tests() -> None:
    options = {"est": "est", "pop": "pop", "subgroup_order": "order", "scaleval": 100,
               "favourable_indicator": 1, "ordered_dimension": 1}  # fmt: skip
    par = _row(heat.par(ORDERED, **options))
    # PAR = 60 − 22220/539 (hand) = 18.7755102; healthequal: 18.775509, se 4.4066348
    assert par["estimate"] == pytest.approx(60 - 22220 / 539, rel=1e-12)
    assert par["se"] == pytest.approx(4.4066348, rel=1e-6)
    # healthequal's expected limits were written with z = 1.96: 10.138505..27.412513
    assert par["lowerci"] == pytest.approx(10.138505, rel=1e-4)
    paf = _row(heat.paf(ORDERED, **options))
    assert paf["estimate"] == pytest.approx(45.544548, rel=1e-6)
    assert paf["se"] == pytest.approx(0.10689361, rel=1e-6)
    assert paf["lowerci"] == pytest.approx(45.335037, rel=1e-6)
    assert paf["upperci"] == pytest.approx(45.75406, rel=1e-6)


def test_d_and_r_use_the_two_ends_of_the_order() -> None:
    options = {"est": "est", "se": "se", "subgroup_order": "order", "ordered_dimension": 1}
    fav_d = _row(heat.d(ORDERED, favourable_indicator=1, **options))
    # favourable: most advantaged (60) − most disadvantaged (20); se = √(14² + 5²)
    assert fav_d["estimate"] == 40
    assert fav_d["se"] == pytest.approx(math.sqrt(14**2 + 5**2))
    assert fav_d["lowerci"] == pytest.approx(40 - 1.959963984540054 * math.sqrt(221))
    adv_d = _row(heat.d(ORDERED, favourable_indicator=0, **options))
    assert adv_d["estimate"] == -40  # adverse: disadvantaged − advantaged
    fav_r = _row(heat.r(ORDERED, favourable_indicator=1, **options))
    # R = 3; se(ln R) = √(14² + 9·5²)/20/3
    assert fav_r["estimate"] == pytest.approx(3.0)
    assert fav_r["se"] == pytest.approx(math.sqrt(14**2 + 9 * 5**2) / 20 / 3)


def test_reversing_the_order_flips_the_sign_of_sii_and_aci() -> None:
    flipped = ORDERED.assign(order=6 - ORDERED["order"])
    for measure in (heat.sii, heat.aci):
        a = _row(measure(ORDERED, est="est", subgroup_order="order", pop="pop"))
        b = _row(measure(flipped, est="est", subgroup_order="order", pop="pop"))
        assert b["estimate"] == pytest.approx(-a["estimate"], rel=1e-9)
    a = _row(heat.rii(ORDERED, est="est", subgroup_order="order", pop="pop"))
    b = _row(heat.rii(flipped, est="est", subgroup_order="order", pop="pop"))
    assert b["estimate"] == pytest.approx(1 / a["estimate"], rel=1e-9)


def test_equal_groups_give_zero_inequality() -> None:
    equal = ORDERED.assign(est=40.0)
    for measure in (heat.aci, heat.rci):
        assert _row(measure(equal, est="est", subgroup_order="order", pop="pop"))[
            "estimate"
        ] == pytest.approx(0.0, abs=1e-12)
    d = _row(heat.d(equal, est="est", subgroup_order="order", ordered_dimension=1,
                    favourable_indicator=1))  # fmt: skip
    assert d["estimate"] == 0
    # healthequal refuses an SII when every estimate is the same
    sii = _row(heat.sii(equal, est="est", subgroup_order="order", pop="pop"))
    assert math.isnan(sii["estimate"]) and "same value" in sii["note"]


def test_linear_sii_is_weighted_least_squares_slope() -> None:
    # WLS of est/100 on rank with weights pop; SII = slope × 100
    pop = ORDERED["pop"].to_numpy()
    share = pop / pop.sum()
    rank = np.cumsum(share) - share / 2
    y = ORDERED["est"].to_numpy() / 100
    slope = np.sum(share * (rank - share @ rank) * y) / np.sum(share * (rank - share @ rank) ** 2)
    row = _row(heat.sii(ORDERED, est="est", subgroup_order="order", pop="pop", linear=True))
    assert row["estimate"] == pytest.approx(slope * 100, rel=1e-12)


def test_missing_subgroup_rule_for_ordered_measures() -> None:
    missing = ORDERED.assign(est=[20.0, np.nan, 40, 50, 60])
    blocked = _row(heat.aci(missing, est="est", subgroup_order="order", pop="pop"))
    assert math.isnan(blocked["estimate"]) and "force" in blocked["note"]
    # with force the subgroup is dropped, and then the order is no longer consecutive
    forced = _row(heat.aci(missing, est="est", subgroup_order="order", pop="pop", force=True))
    assert "consecutive" in forced["note"]
    last_missing = ORDERED.assign(est=[20.0, 30, 40, 50, np.nan])
    forced = _row(heat.aci(last_missing, est="est", subgroup_order="order", pop="pop",
                           force=True))  # fmt: skip
    assert np.isfinite(forced["estimate"])


def test_settings_are_computed_together_as_separately() -> None:
    two = pd.concat(
        [ORDERED.assign(year=2023), ORDERED.assign(year=2024, est=ORDERED["est"] * 0.9 + 5)]
    )
    together = heat.sii(two, est="est", subgroup_order="order", pop="pop", group_by="year")
    for i, year in enumerate((2023, 2024)):
        alone = _row(heat.sii(two[two["year"] == year], est="est", subgroup_order="order",
                              pop="pop"))  # fmt: skip
        assert together.loc[i, "estimate"] == pytest.approx(alone["estimate"], rel=1e-10)
        assert together.loc[i, "se"] == pytest.approx(alone["se"], rel=1e-8)


def test_ordered_dimension_needs_subgroup_order() -> None:
    with pytest.raises(InputError, match="subgroup_order"):
        heat.d(ORDERED, est="est", favourable_indicator=1, ordered_dimension=1)


def test_bad_flag_value_raises() -> None:
    with pytest.raises(InputError, match="favourable_indicator"):
        heat.d(ORDERED, est="est", favourable_indicator=2, ordered_dimension=0)
