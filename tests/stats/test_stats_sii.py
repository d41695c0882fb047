"""Slope and relative index of inequality by the PHE method (``phe_sii``)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import relative_rank, sii, wilson_interval
from equalqi.stats._montecarlo import (
    normal_order_statistics,
    percentile_positions,
    ratio_quantile,
    uniform_order_statistics,
)

# PHEindicatormethods tests/testthat/testdata_SII.xlsx, "area2", default parameters
# (value_type 0, se given, 95%, 100,000 repetitions): inputs and published results.
AREA2 = pd.DataFrame(
    {
        "decile": range(1, 11),
        "pop": [21675.0, 20065, 19750, 24713, 20112, 19618, 22408, 19752, 18939, 19312],
        "value": [
            70.54853186, 71.57155734, 72.48698671, 73.51985519, 73.14605425,
            76.15898712, 78.65444871, 80.56476961, 80.85486627, 79.9711253,
        ],
        "se": [
            0.22959183673469533, 0.2598068010204095, 0.2992380841836735, 0.16075122704081746,
            0.7918228954081618, 0.7783196122448984, 0.39937532908163315, 0.2793955076530606,
            0.22959183673469533, 0.3517537500000029,
        ],
    }
)  # fmt: skip
AREA2_SII, AREA2_RII = 12.547846636351798, 1.180885620848795
AREA2_SII_CI = (11.936156426792138, 13.163020132396579)
AREA2_RII_CI = (1.1713706914325628, 1.1904396357244886)

# testdata_SII.xlsx "area1", rate with log transform (value_type 1, transform TRUE, 95% CLs)
RATE = pd.DataFrame(
    {
        "decile": range(1, 11),
        "pop": [279012.0, 255993, 236961, 214315, 192812, 183546, 168593, 164822, 154836, 138165],
        "value": [
            5.892219689475721, 4.7345044591063035, 3.827634083245766, 3.8681380211371112,
            3.6771570234217785, 3.1436261209723995, 3.1258711808912585, 2.942568346458604,
            2.82879950399132, 2.7648101907140012,
        ],
        "lower": [
            5.614959662410748, 4.475920770781004, 3.586926055445024, 3.6140791140579505,
            3.4166969870147965, 2.8977176350029272, 2.870493809285979, 2.6924041297904315,
            2.57630573787527, 2.501420619088458,
        ],
        "upper": [
            6.183085357576154, 5.0079519402470885, 4.0844291026854505, 4.1399822998098585,
            3.9573934822289045, 3.4103317188858107, 3.4038909874130083, 3.2159015715579464,
            3.1059621495836955, 3.05584866618335,
        ],
    }
)  # fmt: skip
RATE_SII, RATE_RII, RATE_INTERCEPT = -3.15590713895456, 0.4418848436076823, 5.65458060546947
RATE_SII_CI = (-3.4809615490242884, -2.833237344763632)
RATE_RII_CI = (0.4082744080360723, 0.4785663265006931)


def _run(data: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    options: dict[str, object] = {"quantile": "decile", "population": "pop", "value": "value"}
    options.update(kwargs)
    return sii(data, **options)  # type: ignore[arg-type]


def test_relative_rank_by_hand() -> None:
    # PHE docs: a decile holding 12% of the population has rank 0.06; the next, 10%, 0.17
    share, rank = relative_rank(np.array([12.0, 10.0, 78.0]))
    assert share.tolist() == pytest.approx([0.12, 0.10, 0.78])
    assert rank.tolist() == pytest.approx([0.06, 0.17, 0.61])


def test_matches_phe_published_area2_default() -> None:
    out = _run(AREA2, se="se", rii=True, seed=3)
    row = out.iloc[0]
    assert row["sii"] == pytest.approx(AREA2_SII, rel=1e-12)
    assert row["rii"] == pytest.approx(AREA2_RII, rel=1e-12)
    # Monte Carlo limits: PHE's own test tolerance is 5%; here within 0.5% of the width
    width = AREA2_SII_CI[1] - AREA2_SII_CI[0]
    assert row["sii_lower95_0cl"] == pytest.approx(AREA2_SII_CI[0], abs=0.01 * width)
    assert row["sii_upper95_0cl"] == pytest.approx(AREA2_SII_CI[1], abs=0.01 * width)
    rwidth = AREA2_RII_CI[1] - AREA2_RII_CI[0]
    assert row["rii_lower95_0cl"] == pytest.approx(AREA2_RII_CI[0], abs=0.02 * rwidth)
    assert row["rii_upper95_0cl"] == pytest.approx(AREA2_RII_CI[1], abs=0.02 * rwidth)
    assert row["CI_method"] == "simulation 1e+05 reps"
    assert row["indicator_type"] == "normal"


def test_matches_phe_published_rate_with_log_transform() -> None:
    out = _run(
        RATE, value_type=1, lower="lower", upper="upper", transform=True, rii=True,
        intercept=True, seed=11,
    )  # fmt: skip
    row = out.iloc[0]
    assert row["sii"] == pytest.approx(RATE_SII, rel=1e-12)
    assert row["rii"] == pytest.approx(RATE_RII, rel=1e-12)
    assert row["intercept"] == pytest.approx(RATE_INTERCEPT, rel=1e-12)
    width = RATE_SII_CI[1] - RATE_SII_CI[0]
    assert row["sii_lower95_0cl"] == pytest.approx(RATE_SII_CI[0], abs=0.02 * width)
    assert row["sii_upper95_0cl"] == pytest.approx(RATE_SII_CI[1], abs=0.02 * width)
    assert row["rii_lower95_0cl"] == pytest.approx(RATE_RII_CI[0], abs=0.002)
    assert row["rii_upper95_0cl"] == pytest.approx(RATE_RII_CI[1], abs=0.002)
    assert row["transform"] == "log"


def test_se_from_limits_equals_given_se() -> None:
    # PHE: se = (upper - lower) / (2 * 1.959964); limits built that way give the same SII CI
    z = 1.959963984540054
    data = AREA2.assign(
        lower=AREA2["value"] - z * AREA2["se"], upper=AREA2["value"] + z * AREA2["se"]
    )
    a = _run(data, se="se", seed=5, type="standard")
    b = _run(data, lower="lower", upper="upper", seed=5, type="standard")
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def _linear_data(slope: float, intercept: float, pops: list[float]) -> pd.DataFrame:
    _, rank = relative_rank(np.array(pops))
    return pd.DataFrame(
        {
            "decile": range(1, len(pops) + 1),
            "pop": pops,
            "value": intercept + slope * rank,
            "se": np.full(len(pops), 0.5),
        }
    )


def test_values_on_a_line_give_its_slope_and_ratio() -> None:
    # y = 70 + 10 r exactly: SII = 10, RII = (70 + 10)/70
    data = _linear_data(10.0, 70.0, [1000, 3000, 2000, 500, 1500])
    row = _run(data, se="se", rii=True, seed=1).iloc[0]
    assert row["sii"] == pytest.approx(10.0, rel=1e-12)
    assert row["rii"] == pytest.approx(80 / 70, rel=1e-12)


def test_log_linear_rates_with_transform_give_exact_sii_and_rii() -> None:
    # rate = exp(1 + 0.5 r): transform=True fits ln rate exactly;
    # SII = e^1.5 − e^1, RII = e^0.5, intercept = e^1
    pops = [800.0, 1200, 1000, 900, 1100, 700]
    _, rank = relative_rank(np.array(pops))
    value = np.exp(1 + 0.5 * rank)
    data = pd.DataFrame(
        {"decile": range(1, 7), "pop": pops, "value": value, "lo": value * 0.9, "hi": value * 1.1}
    )
    row = _run(
        data, value_type=1, lower="lo", upper="hi", transform=True, rii=True, intercept=True
    ).iloc[0]
    assert row["sii"] == pytest.approx(math.exp(1.5) - math.exp(1), rel=1e-12)
    assert row["rii"] == pytest.approx(math.exp(0.5), rel=1e-12)
    assert row["intercept"] == pytest.approx(math.e, rel=1e-12)


def test_equal_groups_give_zero_sii_and_unit_rii() -> None:
    data = AREA2.assign(value=75.0)
    row = _run(data, se="se", rii=True, seed=2).iloc[0]
    assert row["sii"] == pytest.approx(0.0, abs=1e-12)
    assert row["rii"] == pytest.approx(1.0, abs=1e-12)
    assert row["sii_lower95_0cl"] < 0 < row["sii_upper95_0cl"]


def test_reversing_the_order_flips_the_sign_of_sii() -> None:
    reversed_ = AREA2.assign(decile=11 - AREA2["decile"])
    a = _run(AREA2, se="se", rii=True, seed=1).iloc[0]
    b = _run(reversed_, se="se", rii=True, seed=1).iloc[0]
    assert b["sii"] == pytest.approx(-a["sii"], rel=1e-12)
    assert b["rii"] == pytest.approx(1 / a["rii"], rel=1e-12)


def test_negative_multiplier_flips_sii_and_inverts_rii() -> None:
    a = _run(AREA2, se="se", rii=True, seed=4).iloc[0]
    b = _run(AREA2, se="se", rii=True, seed=4, multiplier=-100).iloc[0]
    assert b["sii"] == pytest.approx(-100 * a["sii"])
    assert b["rii"] == pytest.approx(1 / a["rii"])
    assert b["sii_lower95_0cl"] < b["sii"] < b["sii_upper95_0cl"]
    assert b["rii_lower95_0cl"] < b["rii"] < b["rii_upper95_0cl"]


@pytest.mark.parametrize(
    "options",
    [
        {"se": "se"},
        {"se": "se", "simulation": "full", "repetitions": 5000},
        {"value_type": 1, "lower": "lo", "upper": "hi", "repetitions": 5000},
        {"value_type": 1, "lower": "lo", "upper": "hi", "transform": True},
        {"value_type": 2, "lower": "plo", "upper": "phi", "value": "p", "repetitions": 5000},
        {"value_type": 2, "lower": "plo", "upper": "phi", "value": "p", "transform": True},
    ],
    ids=["normal", "normal-full", "rate", "rate-log", "proportion", "proportion-logit"],
)
def test_intervals_contain_estimate_and_nest(options: dict[str, object]) -> None:
    data = AREA2.assign(
        lo=AREA2["value"] * 0.97,
        hi=AREA2["value"] * 1.03,
        p=AREA2["value"] / 100,
        plo=AREA2["value"] / 100 - 0.01,
        phi=AREA2["value"] / 100 + 0.01,
    )
    out = _run(data, rii=True, confidence=[0.95, 0.998], seed=9, **options).iloc[0]
    for name in ("sii", "rii"):
        assert out[f"{name}_lower99_8cl"] < out[f"{name}_lower95_0cl"] < out[name]
        assert out[name] < out[f"{name}_upper95_0cl"] < out[f"{name}_upper99_8cl"]


def test_intervals_narrow_as_standard_errors_shrink() -> None:
    # standard errors fall as counts grow: se / 2 (four times the counts) halves the width
    wide = _run(AREA2, se="se", seed=1).iloc[0]
    narrow = _run(AREA2.assign(se=AREA2["se"] / 2), se="se", seed=1).iloc[0]
    wide_w = wide["sii_upper95_0cl"] - wide["sii_lower95_0cl"]
    narrow_w = narrow["sii_upper95_0cl"] - narrow["sii_lower95_0cl"]
    assert narrow_w == pytest.approx(wide_w / 2, rel=0.03)


def test_seed_reproducible_and_vectorised_over_groups() -> None:
    two = pd.concat([AREA2.assign(area="x"), AREA2.assign(area="y", value=AREA2["value"] + 1)])
    a = _run(two, se="se", group_by="area", rii=True, seed=42)
    b = _run(two, se="se", group_by="area", rii=True, seed=42)
    pd.testing.assert_frame_equal(a, b)
    assert a["area"].tolist() == ["x", "y"]
    assert a["sii"].tolist() == pytest.approx([AREA2_SII, AREA2_SII])  # a shift leaves SII


def test_shortcut_and_full_simulation_agree_within_monte_carlo_error() -> None:
    # the exact order-statistic draw and PHE's brute-force simulation estimate the same limit;
    # averaged over seeds they agree to a small fraction of the interval width
    def limits(simulation: str) -> np.ndarray:
        rows = [
            _run(AREA2, se="se", rii=True, repetitions=4000, simulation=simulation, seed=s,
                 type="standard").iloc[0][
                ["sii_lower95_0cl", "sii_upper95_0cl", "rii_lower95_0cl", "rii_upper95_0cl"]
            ].to_numpy(float)
            for s in range(12)
        ]  # fmt: skip
        return np.mean(rows, axis=0)

    auto, full = limits("auto"), limits("full")
    width = AREA2_SII_CI[1] - AREA2_SII_CI[0]
    rwidth = AREA2_RII_CI[1] - AREA2_RII_CI[0]
    assert abs(auto[0] - full[0]) < 0.02 * width and abs(auto[1] - full[1]) < 0.02 * width
    assert abs(auto[2] - full[2]) < 0.02 * rwidth and abs(auto[3] - full[3]) < 0.02 * rwidth


def test_reliability_statistics_are_small_and_positive() -> None:
    out = _run(AREA2, se="se", rii=True, reliability_stat=True, repetitions=10_000, seed=1)
    row = out.iloc[0]
    width = row["sii_upper95_0cl"] - row["sii_lower95_0cl"]
    assert 0 < row["sii_mad95_0"] < 0.05 * width
    assert row["rii_mad95_0"] > 0
    assert list(out.columns[:8]) == [
        "sii", "rii", "sii_lower95_0cl", "sii_upper95_0cl", "rii_lower95_0cl",
        "rii_upper95_0cl", "sii_mad95_0", "rii_mad95_0",
    ]  # fmt: skip


def test_proportion_from_count_x() -> None:
    data = AREA2.assign(x=(AREA2["value"] / 100 * AREA2["pop"]).round())
    data = data.assign(p=data["x"] / data["pop"], lo=data["x"] / data["pop"] - 0.01)
    data = data.assign(hi=data["p"] + 0.01)
    a = _run(data.drop(columns="value"), value=None, x="x", value_type=2, lower="lo", upper="hi",
             seed=1, repetitions=2000)  # fmt: skip
    b = _run(data, value="p", value_type=2, lower="lo", upper="hi", seed=1, repetitions=2000)
    assert a.loc[0, "sii"] == pytest.approx(b.loc[0, "sii"], rel=1e-12)


def test_incomplete_group_is_dropped_with_warning() -> None:
    two = pd.concat([AREA2.assign(area="x"), AREA2.assign(area="y").iloc[:-1]])
    with pytest.warns(UserWarning, match="left out"):
        out = _run(two, se="se", group_by="area", seed=1)
    assert out["area"].tolist() == ["x"]
    with pytest.warns(UserWarning):
        kept = _run(two, se="se", group_by="area", seed=1, drop_incomplete=False)
    assert kept["area"].tolist() == ["x", "y"]
    assert math.isnan(kept.loc[1, "sii"]) and "quantile" in kept.loc[1, "note"]


def test_zero_proportion_gives_blank_limits_with_note_not_error() -> None:
    data = AREA2.assign(p=AREA2["value"] / 100, lo=0.5, hi=0.9)
    data.loc[0, ["p", "lo"]] = [0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = _run(data, value="p", value_type=2, lower="lo", upper="hi", seed=1,
                   repetitions=2000).iloc[0]  # fmt: skip
    assert np.isfinite(row["sii"])
    assert math.isnan(row["sii_lower95_0cl"]) and "not finite" in row["note"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pop": 0.0}, "population is zero"),
        ({"se": -1.0}, "standard error is negative"),
    ],
)
def test_bad_rows_raise_with_location(change: dict[str, float], message: str) -> None:
    data = AREA2.copy()
    for column, value in change.items():
        data.loc[3, column] = value
    with pytest.raises(InputError, match=message) as caught:
        _run(data, se="se")
    assert caught.value.problems[0].row == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"se": "se", "transform": True, "value_type": 1}, "se must be left out"),
        ({"lower": "se", "upper": "se", "transform": True}, "value_type should be 1 or 2"),
        ({"se": "se", "repetitions": 10}, "repetitions"),
        ({"se": "se", "value_type": 3}, "value_type"),
        ({"se": "se", "confidence": 0.5}, "confidence"),
        ({}, "either lower and upper"),
    ],
)
def test_bad_arguments_raise(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _run(AREA2, **options)


def test_blank_quantile_label_raises() -> None:
    data = AREA2.assign(decile=AREA2["decile"].astype(float))
    data.loc[2, "decile"] = np.nan
    with pytest.raises(InputError, match="quantile is blank"):
        _run(data, se="se")


def test_too_few_quantiles_raises() -> None:
    with pytest.raises(InputError, match="between 5 and 100 quantiles"):
        _run(AREA2.iloc[:4], se="se")


def test_uniform_order_statistics_have_beta_means() -> None:
    # E[U(k)] = k / (R + 1) for the k-th of R uniforms (David & Nagaraja 2003)
    rng = np.random.default_rng(0)
    u = uniform_order_statistics([25, 975], 1000, (20_000,), rng)
    assert u.mean(axis=0) == pytest.approx([25 / 1001, 975 / 1001], rel=0.005)
    assert (u[:, 0] < u[:, 1]).all()


def test_normal_order_statistics_match_sorting() -> None:
    rng = np.random.default_rng(1)
    positions = percentile_positions(2000, [0.95])[0]
    assert positions == (50, 1950)
    drawn = normal_order_statistics(
        np.array([3.0]), np.array([2.0]), list(positions), 2000, 3000, rng
    )[:, 0, :]
    sorted_ = np.sort(rng.normal(3.0, 2.0, (3000, 2000)), axis=1)[:, [49, 1949]]
    assert drawn.mean(axis=0) == pytest.approx(sorted_.mean(axis=0), abs=0.01)
    assert drawn.std(axis=0) == pytest.approx(sorted_.std(axis=0), rel=0.1)


def test_ratio_quantile_matches_empirical_quantiles() -> None:
    # N ~ N(5, 1), D ~ N(4, 0.3²), cov 0.1: the 2.5% and 97.5% quantiles of N/D
    rng = np.random.default_rng(2)
    cov = np.array([[1.0, 0.1], [0.1, 0.09]])
    draws = rng.multivariate_normal([5.0, 4.0], cov, 400_000)
    empirical = np.quantile(draws[:, 0] / draws[:, 1], [0.025, 0.975])
    u = np.array([[[0.025, 0.975]]])
    r, safe = ratio_quantile(
        u, np.array([5.0]), np.array([4.0]), np.array([1.0]), np.array([0.09]), np.array([0.1])
    )
    assert safe.all()
    assert r[0, 0].tolist() == pytest.approx(empirical.tolist(), rel=2e-3)


def test_rii_near_zero_intercept_falls_back_to_simulation() -> None:
    # intercept 0.5 with a standard error near 1: the RII's denominator can cross zero, so
    # its limits are simulated repetition by repetition (as PHE), not drawn from the formula
    data = _linear_data(10.0, 0.5, [1000.0] * 5).assign(se=2.0)
    auto = _run(data, se="se", rii=True, repetitions=2000, seed=8).iloc[0]
    full = _run(data, se="se", rii=True, repetitions=2000, seed=8, simulation="full").iloc[0]
    assert auto["rii"] == pytest.approx(21.0)
    # heavy tails: both lower limits are negative (denominators near 0 and below)
    assert auto["rii_lower95_0cl"] < 0 and full["rii_lower95_0cl"] < 0
    assert np.isfinite([auto["rii_lower95_0cl"], auto["rii_upper95_0cl"]]).all()


# --- national ranks (issue 19) ------------------------------------------------------------
#
# Hand calculation. Five quintiles with local populations 400, 300, 200, 100, 50 (total
# 1,050) and values 60, 65, 70, 72, 75. With England's population split equally between
# quintiles, the national mid-point ranks are 0.1, 0.3, 0.5, 0.7, 0.9. Weighted by the local
# populations: x̄ = 345/1050, ȳ = 68450/1050, and the weighted least-squares slope
# Σw(x-x̄)(y-ȳ) / Σw(x-x̄)² = 411/20 = 20.55 (intercept 58.4383). Ranking within the local
# population instead puts the quintiles at 4/21, 11/21, 16/21, 19/21, 41/42 and gives
# 17.5447 (intercept 56.4181): the two methods differ, as NHS England North East and
# Yorkshire's published CVDP003CHOL figures for Humber and North Yorkshire do (-10.97
# national, -10.41 local; reproduced from their published inputs below).

NATIONAL = pd.DataFrame(
    {
        "quantile": [1, 2, 3, 4, 5],
        "population": [400, 300, 200, 100, 50],
        "value": [60.0, 65.0, 70.0, 72.0, 75.0],
        "se": [1.0, 1.0, 1.0, 1.0, 1.0],
        "england": [1_000_000] * 5,
        "england_rank": [0.1, 0.3, 0.5, 0.7, 0.9],
    }
)


def test_sii_with_given_national_ranks_is_the_hand_calculation() -> None:
    out = sii(
        NATIONAL, quantile="quantile", population="population", value="value", se="se",
        rank="england_rank", rii=True, intercept=True, repetitions=1000, seed=1,
    )  # fmt: skip
    assert out.loc[0, "sii"] == pytest.approx(20.55, abs=1e-9)
    assert out.loc[0, "intercept"] == pytest.approx(58.438333333, abs=1e-6)
    assert out.loc[0, "rii"] == pytest.approx((58.438333333 + 20.55) / 58.438333333, rel=1e-8)


def test_sii_ranks_from_a_reference_population_match_given_ranks() -> None:
    out = sii(
        NATIONAL, quantile="quantile", population="population", value="value", se="se",
        reference_population="england", repetitions=1000, seed=1,
    )  # fmt: skip
    assert out.loc[0, "sii"] == pytest.approx(20.55, abs=1e-9)


def test_sii_local_ranks_differ_from_national() -> None:
    out = sii(
        NATIONAL, quantile="quantile", population="population", value="value", se="se",
        repetitions=1000, seed=1,
    )  # fmt: skip
    assert out.loc[0, "sii"] == pytest.approx(17.544680851, abs=1e-8)


# --- published national-rank figures (NHS England North East and Yorkshire) ---------------
#
# Source: NHS England North East and Yorkshire Analytics, "Inequalities Methodologies"
# (github.com/nhsengland/NEY-Inequalities-Methodologies, "Inequalities Methodologies Document
# v1.QMD", sections 2d and 3a). Their inputs are CVDPREVENT audit figures for the 12 months
# to December 2023, as the repository packages them ("Data Files/CVDP003CHOL.xlsx" and the
# DATAMORT table in DataWrangling.r); only the handful of numbers each figure needs is here.
# The published end points were read off a chart by hovering, to the figure's precision.

#: CVDP003CHOL (QRISK 20% or more, on lipid-lowering therapy), Humber and North Yorkshire
#: ICB: patients treated and eligible by IMD quintile (1 = most deprived), and England's
#: eligible patients by quintile (the reference population). Published: SII -10.97 (end
#: points 64.62 and 53.65), RII 0.83.
HNY_TREATED = [8595, 7475, 10185, 12920, 12530]
HNY_ELIGIBLE = [13105, 12355, 17775, 22550, 22595]
ENGLAND_ELIGIBLE = [520394, 538827, 573381, 583265, 566305]


def _cholesterol(reference: bool) -> pd.Series:
    treated = np.array(HNY_TREATED, dtype=float)
    eligible = np.array(HNY_ELIGIBLE, dtype=float)
    lower, upper = wilson_interval(treated, eligible, 0.95)
    data = pd.DataFrame(
        {
            "quintile": [1, 2, 3, 4, 5],
            "eligible": eligible,
            "share": treated / eligible,
            "lower": lower,
            "upper": upper,
            "england": ENGLAND_ELIGIBLE,
        }
    )
    return sii(
        data, quantile="quintile", population="eligible", value="share", lower="lower",
        upper="upper", value_type=2, multiplier=100, rii=True, intercept=True,
        reference_population="england" if reference else None, repetitions=1000, seed=1,
    ).iloc[0]  # fmt: skip


def test_national_rank_sii_reproduces_the_published_humber_cholesterol_figure() -> None:
    out = _cholesterol(reference=True)
    assert round(out["sii"], 2) == -10.97
    assert round(out["rii"], 2) == 0.83
    # The line's ends (as percentages) within a hundredth of the published hover values
    assert out["intercept"] * 100 == pytest.approx(64.62, abs=0.01)
    assert (out["intercept"] * 100 + out["sii"]) == pytest.approx(53.65, abs=0.01)


def test_local_ranks_do_not_give_the_published_figure() -> None:
    # The PHE (local) ranks put Humber's quintiles elsewhere on the deprivation scale
    assert abs(_cholesterol(reference=False)["sii"] - -10.97) > 0.3


def test_national_rank_sii_reproduces_the_published_mortality_figure() -> None:
    """CVD all-cause mortality (age-standardised per 100,000 person years), North East and
    Yorkshire against England. Published: SII -2,889, the line from 6,292 down to 3,403."""
    data = pd.DataFrame(
        {
            "quintile": [1, 2, 3, 4, 5],
            "population": [158490, 103930, 90955, 92570, 75575],
            "rate": [6120.439, 5328.008, 4606.034, 4257.793, 3857.097],
            "lower": [6006.536, 5199.995, 4481.318, 4137.267, 3730.578],
            "upper": [6235.928, 5458.231, 4733.102, 4380.603, 3986.296],
            "england": [612333, 601683, 624249, 623088, 587074],
        }
    )
    out = sii(
        data, quantile="quintile", population="population", value="rate", lower="lower",
        upper="upper", value_type=1, intercept=True, reference_population="england",
        repetitions=1000, seed=1,
    ).iloc[0]  # fmt: skip
    assert round(out["sii"]) == -2889
    assert out["intercept"] == pytest.approx(6292, abs=1)
    assert out["intercept"] + out["sii"] == pytest.approx(3403, abs=1)


def test_sii_rank_outside_zero_one_is_refused() -> None:
    bad = NATIONAL.assign(england_rank=[0.1, 0.3, 0.5, 0.7, 1.9])
    with pytest.raises(InputError) as exc:
        sii(bad, quantile="quantile", population="population", value="value", se="se",
            rank="england_rank")  # fmt: skip
    assert "between 0 and 1" in str(exc.value)
