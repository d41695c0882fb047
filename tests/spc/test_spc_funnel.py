"""Funnel plots: PHE's published limits, hand-calculated exact limits, overdispersion."""

from __future__ import annotations

from math import comb, exp, factorial

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.spc import funnel, funnel_limits

# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (multiplier 100,
# baseline 80.642448): population -> lower 95%, upper 95%, lower 99.8%, upper 99.8%
PHE_PROPORTION_LIMITS = {
    1: (3.204264, 100.0, 0.0, 100.0),
    3: (35.933491, 100.0, 10.150815, 100.0),
    10: (56.154344, 100.0, 42.03259, 100.0),
    190: (75.024492, 86.260404, 71.784739, 89.500157),
    289: (76.087261, 85.197635, 73.460384, 87.824512),
    58842: (80.323212, 80.961684, 80.139116, 81.14578),
    110000: (80.408963, 80.875933, 80.274317, 81.010578),
}


def test_wilson_limits_match_phe() -> None:
    n = np.array(list(PHE_PROPORTION_LIMITS), dtype=float)
    got = funnel_limits(n, target=0.80642448, method="wilson", multiplier=100)
    expected = np.array(list(PHE_PROPORTION_LIMITS.values()))
    # the baseline is published to 6 decimals, hence the tolerance
    np.testing.assert_allclose(got["lcl_95"], expected[:, 0], atol=2e-6)
    np.testing.assert_allclose(got["ucl_95"], expected[:, 1], atol=2e-6)
    np.testing.assert_allclose(got["lcl_998"], expected[:, 2], atol=2e-6)
    np.testing.assert_allclose(got["ucl_998"], expected[:, 3], atol=2e-6)


def test_wilson_significance_matches_phe() -> None:
    # PHEindicatormethods testdata_funnel_prop_inputs.csv (first rows), with the
    # published baseline average as target
    data = pd.DataFrame(
        {
            "area": ["New Forest", "Norwich", "South Gloucestershire", "Havering", "Kingston"],
            "num": [35078.488, 24803.6256, 50050.7443, 48686.4364, 35795.6324],
            "den": [41980, 31824, 61921, 59804, 45449],
        }
    )
    res = funnel(
        data, unit="area", numerator="num", denominator="den", method="wilson", target=0.80642448
    )
    got = dict(zip(res.points["unit"], res.points["significance"], strict=True))
    assert got == {
        "New Forest": "High (0.001)",
        "Norwich": "Low (0.001)",
        "South Gloucestershire": "Not significant",
        "Havering": "High (0.001)",
        "Kingston": "Low (0.001)",
    }


def test_exact_binomial_limit_by_hand() -> None:
    # Spiegelhalter (2005) appendix: n = 20, target 0.5, p = 0.975. F(13) = 0.9423,
    # F(14) = 0.9793, so r = 14 and alpha = (F(14) - 0.975) / (F(14) - F(13)).
    def cdf(r: int) -> float:
        return sum(comb(20, k) for k in range(r + 1)) / 2**20

    alpha = (cdf(14) - 0.975) / (cdf(14) - cdf(13))
    expected = (14 - alpha) / 20
    got = funnel_limits([20], target=0.5, method="exact")["ucl_95"].iloc[0]
    assert got == pytest.approx(expected, rel=1e-12)
    # symmetric around 0.5
    low = funnel_limits([20], target=0.5, method="exact")["lcl_95"].iloc[0]
    assert low + got == pytest.approx(1.0, abs=0.06)


def test_exact_poisson_limit_by_hand() -> None:
    # rate 2 per unit exposure, exposure 10 -> mean 20; 0.999 quantile by the Poisson sum
    def cdf(r: int) -> float:
        return sum(exp(-20) * 20**k / factorial(k) for k in range(r + 1))

    r = next(k for k in range(100) if cdf(k) >= 0.999)
    alpha = (cdf(r) - 0.999) / (cdf(r) - cdf(r - 1))
    got = funnel_limits([10], target=2.0, kind="rate", method="exact")["ucl_998"].iloc[0]
    assert got == pytest.approx((r - alpha) / 10, rel=1e-10)


def test_limits_narrow_as_units_grow() -> None:
    n = np.array([10, 30, 100, 300, 1000, 3000], dtype=float)
    for kind, target in (("proportion", 0.3), ("rate", 0.3), ("ratio", 1.0)):
        lim = funnel_limits(n, target=target, kind=kind)
        assert np.all(np.diff(lim["ucl_998"]) <= 0) and np.all(np.diff(lim["lcl_998"]) >= 0)
        assert (lim["lcl_998"] <= lim["lcl_95"]).all() and (lim["ucl_95"] <= lim["ucl_998"]).all()


def _units() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    den = rng.integers(100, 3000, 40)
    num = rng.binomial(den, rng.uniform(0.15, 0.45, 40))
    return pd.DataFrame({"unit": [f"u{i:02d}" for i in range(40)], "num": num, "den": den})


def test_overdispersion_by_hand() -> None:
    # Spiegelhalter 2005 sec. 3.5 / FunnelPlotR: arcsine z-scores, winsorised at the
    # 10th/90th percentiles, phi = mean(z^2), tau2 = (I phi - (I - 1)) / (sum w - sum w^2/sum w)
    data = _units()
    res = funnel(data, unit="unit", numerator="num", denominator="den", overdispersion="additive")
    o, n = data["num"].to_numpy(float), data["den"].to_numpy(float)
    target = o.sum() / n.sum()
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(o / n)) - np.arcsin(np.sqrt(target))) / s
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    w = 1 / s**2
    tau2 = (40 * phi - 39) / (w.sum() - (w**2).sum() / w.sum())
    assert res.phi == pytest.approx(phi)
    assert res.tau2 == pytest.approx(tau2)
    assert res.target == pytest.approx(target)
    # adjusted limits are wider, so fewer units are flagged
    plain = funnel(data, unit="unit", numerator="num", denominator="den", method="normal")
    assert res.points["outside_998"].sum() <= plain.points["outside_998"].sum()
    wide = (res.points["ucl_998"] - res.points["lcl_998"]).to_numpy()
    narrow = (plain.points["ucl_998"] - plain.points["lcl_998"]).to_numpy()
    assert np.all(wide > narrow)


def test_no_overdispersion_gives_zero_tau2() -> None:
    # every unit exactly on target: z = 0, phi = 0 < (I - 1) / I -> tau2 = 0
    data = pd.DataFrame({"unit": list("abcde"), "num": [10, 20, 30, 40, 50], "den": [100] * 5})
    data["num"] = [30] * 5
    res = funnel(data, unit="unit", numerator="num", denominator="den", overdispersion="additive")
    assert res.phi == 0.0 and res.tau2 == 0.0
    assert not res.points["outside_95"].any()


def test_ratio_defaults_to_target_one_and_flags_direction() -> None:
    data = pd.DataFrame({"unit": ["a", "b", "c"], "obs": [60, 100, 140], "exp": [100, 100, 100]})
    res = funnel(data, unit="unit", numerator="obs", denominator="exp", kind="ratio")
    assert res.target == 1.0
    assert res.points["direction"].tolist() == ["low", "", "high"]
    assert res.points["significance"].tolist() == ["Low (0.001)", "Not significant", "High (0.001)"]


def test_curve_and_dict() -> None:
    res = funnel(_units(), unit="unit", numerator="num", denominator="den", multiplier=100)
    curve = res.curve(50)
    assert {"denominator", "lcl_95", "ucl_95", "lcl_998", "ucl_998"} <= set(curve.columns)
    assert (curve["ucl_998"] <= 100).all()
    d = res.to_dict()
    assert len(d["points"]) == 40 and d["target"] == pytest.approx(res.target * 100)


def test_bad_input_names_row_and_column() -> None:
    data = pd.DataFrame({"unit": ["a", "b"], "num": [5, 12], "den": [10, 10]})
    with pytest.raises(InputError) as err:
        funnel(data, unit="unit", numerator="num", denominator="den")
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "num", "12")
