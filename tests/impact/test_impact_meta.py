"""Random-effects meta-analysis against published results and a hand calculation.

Data: the 13 BCG vaccine trials (Colditz GA et al. JAMA 1994;271:698-702), as in metafor's
``dat.bcg`` (Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat
Softw 2010;36(3)). Log risk ratios are computed here from the 2 x 2 counts (tpos, tneg: BCG
group with/without TB; cpos, cneg: control group):

    y = log(tpos / (tpos + tneg)) - log(cpos / (cpos + cneg)),
    v = 1/tpos - 1/(tpos + tneg) + 1/cpos - 1/(cpos + cneg).

Published values (metafor reference manual, ``rma.uni`` examples, and its tests against
Stata's ``metan``): DL tau^2 0.3088, pooled -0.7141 (-1.0644 to -0.3638), I^2 92.12%;
REML tau^2 0.3132 (SE 0.1664), pooled -0.7145 (SE 0.1798; -1.0669 to -0.3622), I^2 92.22%,
H^2 12.86, Q(12) 152.2330; Knapp-Hartung: SE 0.1808, t -3.9522, p 0.0019, CI -1.1084 to
-0.3206, prediction interval for exp: 0.14 to 1.76; mixed-effects with ``factor(alloc)``:
tau^2 0.3615, I^2 88.77%, QE(10) 132.3676, QM(2) 1.7675 (p 0.4132), coefficients -0.5180
(0.4412), random -0.4478 (0.5158), systematic 0.0890 (0.5600); with ``ablat + year``:
tau^2 0.1108, I^2 71.98%, R^2 64.63%, QE 28.3251, QM 12.2043, ablat -0.0280 (0.0102).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.impact import MetaResult, meta_analysis

BCG = [  # trial, author, year, tpos, tneg, cpos, cneg, ablat, alloc
    (1, "Aronson", 1948, 4, 119, 11, 128, 44, "random"),
    (2, "Ferguson & Simes", 1949, 6, 300, 29, 274, 55, "random"),
    (3, "Rosenthal et al", 1960, 3, 228, 11, 209, 42, "random"),
    (4, "Hart & Sutherland", 1977, 62, 13536, 248, 12619, 52, "random"),
    (5, "Frimodt-Moller et al", 1973, 33, 5036, 47, 5761, 13, "alternate"),
    (6, "Stein & Aronson", 1953, 180, 1361, 372, 1079, 44, "alternate"),
    (7, "Vandiviere et al", 1973, 8, 2537, 10, 619, 19, "random"),
    (8, "TPT Madras", 1980, 505, 87886, 499, 87892, 13, "random"),
    (9, "Coetzee & Berjak", 1968, 29, 7470, 45, 7232, 27, "random"),
    (10, "Rosenthal et al", 1961, 17, 1699, 65, 1600, 42, "systematic"),
    (11, "Comstock et al", 1974, 186, 50448, 141, 27197, 18, "systematic"),
    (12, "Comstock & Webster", 1969, 5, 2493, 3, 2338, 33, "systematic"),
    (13, "Comstock et al", 1976, 27, 16886, 29, 17825, 33, "systematic"),
]


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    d = pd.DataFrame(
        BCG, columns=["trial", "author", "year", "tpos", "tneg", "cpos", "cneg", "ablat", "alloc"]
    )
    d["yi"] = np.log(d.tpos / (d.tpos + d.tneg)) - np.log(d.cpos / (d.cpos + d.cneg))
    d["sei"] = np.sqrt(1 / d.tpos - 1 / (d.tpos + d.tneg) + 1 / d.cpos - 1 / (d.cpos + d.cneg))
    d["project"] = d["author"] + " " + d["year"].astype(str)
    return d


def test_escalc_values(bcg: pd.DataFrame) -> None:
    # metafor's escalc(measure="RR") printout: trial 1 yi -0.8893, vi 0.3256
    assert bcg["yi"].iloc[0] == pytest.approx(-0.8893, abs=5e-5)
    assert bcg["sei"].iloc[0] ** 2 == pytest.approx(0.3256, abs=5e-5)


def test_dersimonian_laird_by_hand(bcg: pd.DataFrame) -> None:
    # DL: w = 1/v, Q = sum w (y - ybar_w)^2, tau2 = (Q - (k-1)) / (sum w - sum w^2 / sum w)
    y, v = bcg["yi"].to_numpy(), bcg["sei"].to_numpy() ** 2
    w = 1 / v
    ybar = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - ybar) ** 2)
    tau2 = (q - 12) / (w.sum() - np.sum(w**2) / w.sum())
    ws = 1 / (v + tau2)
    pooled = np.sum(ws * y) / ws.sum()
    res = meta_analysis(bcg, estimate="yi", se="sei", method="DL")
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    assert res.q == pytest.approx(q, rel=1e-12)
    assert res.estimate == pytest.approx(pooled, rel=1e-12)
    assert res.se == pytest.approx(1 / np.sqrt(ws.sum()), rel=1e-12)
    # and the published numbers
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert (res.estimate, res.lower, res.upper) == pytest.approx(
        (-0.7141, -1.0644, -0.3638), abs=5e-5
    )
    assert res.statistic == pytest.approx(-3.9952, abs=5e-5)
    assert res.i2 == pytest.approx(92.1173, abs=5e-4)
    assert res.q == pytest.approx(152.2330, abs=5e-4)
    assert res.studies["weight"].sum() == pytest.approx(100.0)


def test_reml_matches_metafor(bcg: pd.DataFrame) -> None:
    res = meta_analysis(bcg, estimate="yi", se="sei")  # REML is the default, as in metafor
    assert res.method == "REML"
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.tau2_se == pytest.approx(0.1664, abs=5e-5)
    assert (res.estimate, res.se) == pytest.approx((-0.7145, 0.1798), abs=5e-5)
    assert (res.lower, res.upper) == pytest.approx((-1.0669, -0.3622), abs=5e-5)
    assert res.i2 == pytest.approx(92.22, abs=5e-3)
    assert res.h2 == pytest.approx(12.86, abs=5e-3)
    assert res.q_df == 12


def test_reml_is_the_maximum_of_the_restricted_likelihood(bcg: pd.DataFrame) -> None:
    # property: the REML score is zero at the estimate (numerical derivative)
    y, v = bcg["yi"].to_numpy(), bcg["sei"].to_numpy() ** 2

    def loglik(t2: float) -> float:
        w = 1 / (v + t2)
        b = np.sum(w * y) / w.sum()
        return float(
            -0.5 * np.sum(np.log(v + t2)) - 0.5 * np.log(w.sum()) - 0.5 * np.sum(w * (y - b) ** 2)
        )

    tau2 = meta_analysis(bcg, estimate="yi", se="sei").tau2
    h = 1e-6
    assert (loglik(tau2 + h) - loglik(tau2 - h)) / (2 * h) == pytest.approx(0.0, abs=1e-6)
    assert loglik(tau2) > loglik(tau2 * 0.9) and loglik(tau2) > loglik(tau2 * 1.1)


def test_hartung_knapp_sidik_jonkman(bcg: pd.DataFrame) -> None:
    res = meta_analysis(bcg, estimate="yi", se="sei", hksj=True)
    assert res.test == "HKSJ"
    assert res.se == pytest.approx(0.1808, abs=5e-5)
    assert res.statistic == pytest.approx(-3.9522, abs=5e-5)
    assert res.p_value == pytest.approx(0.0019, abs=5e-5)
    assert (res.lower, res.upper) == pytest.approx((-1.1084, -0.3206), abs=5e-5)
    assert np.exp([res.pi_lower, res.pi_upper]) == pytest.approx([0.14, 1.76], abs=5e-3)


def test_meta_regression_on_a_category(bcg: pd.DataFrame) -> None:
    res = meta_analysis(bcg, estimate="yi", se="sei", moderators=["alloc"])
    coef = res.coefficients.set_index("term")
    assert list(coef.index) == ["intercept", "alloc: random", "alloc: systematic"]
    assert coef.loc["intercept", "estimate"] == pytest.approx(-0.5180, abs=5e-5)
    assert coef.loc["intercept", "se"] == pytest.approx(0.4412, abs=5e-5)
    assert coef.loc["alloc: random", ["estimate", "se"]].tolist() == pytest.approx(
        [-0.4478, 0.5158], abs=5e-5
    )
    assert coef.loc["alloc: systematic", ["estimate", "se"]].tolist() == pytest.approx(
        [0.0890, 0.5600], abs=5e-5
    )
    assert res.residual_tau2 == pytest.approx(0.3615, abs=5e-5)
    assert res.residual_i2 == pytest.approx(88.77, abs=5e-3)
    assert (res.qe, res.qe_df) == (pytest.approx(132.3676, abs=5e-4), 10)
    assert (res.qm, res.qm_df, res.qm_p) == (
        pytest.approx(1.7675, abs=5e-4),
        2,
        pytest.approx(0.4132, abs=5e-5),
    )
    assert res.r2 == 0.0  # metafor prints R^2 = 0.00% (tau^2 rose)
    # subgroups: one random-effects model per level, weights adding to 100%
    assert list(res.subgroups["level"]) == ["alternate", "random", "systematic"]
    assert list(res.subgroups["k"]) == [2, 7, 4]
    assert res.subgroups["weight"].sum() == pytest.approx(100.0)


def test_meta_regression_on_numbers(bcg: pd.DataFrame) -> None:
    res = meta_analysis(bcg, estimate="yi", se="sei", moderators=["ablat", "year"])
    coef = res.coefficients.set_index("term")
    assert coef.loc["ablat", "estimate"] == pytest.approx(-0.0280, abs=5e-5)
    assert coef.loc["ablat", "se"] == pytest.approx(0.0102, abs=5e-5)
    assert coef.loc["year", "estimate"] == pytest.approx(0.0019, abs=5e-5)
    assert res.residual_tau2 == pytest.approx(0.1108, abs=5e-5)
    assert res.residual_i2 == pytest.approx(71.98, abs=5e-3)
    assert res.r2 == pytest.approx(64.63, abs=5e-3)
    assert res.qe == pytest.approx(28.3251, abs=5e-4)
    assert res.qm == pytest.approx(12.2043, abs=5e-3)
    assert res.subgroups.empty  # no categorical moderator


def test_no_heterogeneity_gives_the_fixed_effect_answer() -> None:
    # identical estimates: Q = 0, tau2 = 0 for both estimators, pooled = inverse-variance mean
    effects = pd.DataFrame({"project": list("abcd"), "est": [1.0] * 4, "se": [0.5, 1.0, 2.0, 0.25]})
    for method in ("DL", "REML"):
        res = meta_analysis(effects, estimate="est", se="se", method=method)
        assert res.tau2 == 0.0 and res.q == pytest.approx(0.0, abs=1e-12)
        assert res.i2 == 0.0
        w = 1 / effects["se"] ** 2
        assert res.se == pytest.approx(1 / np.sqrt(w.sum()))


def test_qi_types_table_and_frames(bcg: pd.DataFrame) -> None:
    effects = pd.DataFrame(
        {
            "project": [f"P{i}" for i in range(8)],
            "gap_change": [1.2, 0.8, 1.5, -1.0, -1.4, -0.6, 0.1, 0.3],
            "se": [0.4, 0.5, 0.6, 0.5, 0.4, 0.7, 0.5, 0.6],
            "type": ["digital"] * 3 + ["targeted outreach"] * 3 + ["education"] * 2,
            "coproduced": [False, False, True, True, True, False, False, True],
        }
    )
    res = meta_analysis(
        effects, estimate="gap_change", se="se", moderators=["type", "coproduced"], method="DL"
    )
    assert isinstance(res, MetaResult)
    terms = list(res.coefficients["term"])
    # reference levels: first in sorted order ("digital"; False for a bool)
    assert terms == ["intercept", "type: education", "type: targeted outreach", "coproduced: True"]
    frame = res.to_frame()
    assert list(frame["row"]) == ["project"] * 8 + ["subgroup"] * 3 + ["pooled"]
    as_dict = res.to_dict()
    assert as_dict["k"] == 8 and len(as_dict["studies"]) == 8


def test_bad_input_names_row_and_column() -> None:
    effects = pd.DataFrame(
        {"project": ["a", "b", "c"], "est": [1.0, "x", 0.5], "se": [0.2, 0.3, 0.0]}
    )
    with pytest.raises(InputError) as err:
        meta_analysis(effects, estimate="est", se="se")
    problems = {(p.row, p.column) for p in err.value.problems}
    assert problems == {(3, "est"), (4, "se")}
    with pytest.raises(InputError, match="no column 'type'"):
        meta_analysis(effects, estimate="est", se="se", moderators=["type"])
    with pytest.raises(InputError, match="too few"):
        meta_analysis(
            pd.DataFrame(
                {"project": ["a", "b"], "e": [1.0, 2.0], "s": [1.0, 1.0], "t": ["x", "y"]}
            ),
            estimate="e",
            se="s",
            moderators=["t"],
        )
