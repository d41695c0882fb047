"""Rates and means through the whole evaluation (proportions are covered elsewhere)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.impact import evaluate_gap

DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"


def _table(
    kind: str, seed: int, effect_d: float, effect_a: float
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """24 + 24 months; rates: Poisson events on person-months; means: length of stay."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2022-01-01", periods=48, freq="MS")
    post = np.arange(48) >= 24
    rows = []
    for g, base, eff in ((D, 1.0, effect_d), (A, 0.6, effect_a)):
        if kind == "rate":
            person = rng.integers(40_000, 60_000, 48).astype(float)
            rate = (base + eff * post) / 1000 * np.exp(rng.normal(0, 0.02, 48))
            num = rng.poisson(rate * person).astype(float)
            rows.append(
                pd.DataFrame(
                    {
                        "period": periods,
                        "dimension": DIM,
                        "group": g,
                        "numerator": num,
                        "denominator": person,
                        "n_records": person.astype(int),
                    }
                )
            )
        else:
            n = rng.integers(150, 250, 48)
            mean = 4.0 + 2.0 * base + eff * post + rng.normal(0, 0.05, 48)
            total = mean * n + rng.normal(0, 2.0, 48) * np.sqrt(n)
            rows.append(
                pd.DataFrame(
                    {
                        "period": periods,
                        "dimension": DIM,
                        "group": g,
                        "numerator": total,
                        "denominator": n.astype(float),
                        "n_records": n,
                    }
                )
            )
    table = pd.concat(rows, ignore_index=True)
    overall = (
        table.groupby("period", as_index=False)[["numerator", "denominator", "n_records"]]
        .sum()
        .assign(dimension="Overall", group="All")
    )
    return pd.concat([table, overall], ignore_index=True), periods[24]


def test_rates_per_1000_narrowing() -> None:
    table, when = _table("rate", 1, effect_d=-0.35, effect_a=-0.05)
    res = evaluate_gap(
        table,
        dimension=DIM,
        groups=(D, A),
        intervention=when,
        kind="rate",
        multiplier=1000,
        name="emergency admission rate",
    )
    assert (res.overall, res.gap_change) == ("improved", "narrowed")
    assert "per 1,000" in res.verdict
    assert "Poisson" in res.before_after["method"].iloc[0]
    ba = res.before_after.set_index("role")
    d = table[table["group"] == D]
    pooled = (
        d.loc[d["period"] < when, "numerator"].sum()
        / d.loc[d["period"] < when, "denominator"].sum()
    )
    assert ba.loc["disadvantaged", "before"] == pytest.approx(1000 * pooled, rel=1e-9)
    # the planted change in the gap: -0.35 - (-0.05) = -0.30 per 1,000
    assert ba.loc["gap", "lower"] <= -0.30 <= ba.loc["gap", "upper"]


def test_rates_on_the_relative_scale_are_rate_ratios() -> None:
    table, when = _table("rate", 2, effect_d=-0.35, effect_a=-0.05)
    res = evaluate_gap(
        table,
        dimension=DIM,
        groups=(D, A),
        intervention=when,
        kind="rate",
        multiplier=1000,
        scale="relative",
    )
    gap = res.gap
    # rate ratio before ~ 1.0 / 0.6; after ~ 0.65 / 0.55
    assert gap["before"] == pytest.approx(1.0 / 0.6, rel=0.05)
    assert gap["after"] == pytest.approx(0.65 / 0.55, rel=0.05)
    assert res.gap_change == "narrowed" and "rate ratio" in res.verdict


def test_means_widening_with_a_unit() -> None:
    table, when = _table("mean", 3, effect_d=0.0, effect_a=-0.8)
    res = evaluate_gap(
        table,
        dimension=DIM,
        groups=(D, A),
        intervention=when,
        kind="mean",
        multiplier=1,
        name="length of stay",
        unit="days",
    )
    assert (res.overall, res.gap_change, res.outcome) == ("improved", "widened", "gap widened")
    assert "days" in res.verdict
    ba = res.before_after.set_index("role")
    a = table[(table["group"] == A) & (table["period"] >= when)]
    # the records-weighted mean: sum of values / records
    assert ba.loc["advantaged", "after"] == pytest.approx(
        a["numerator"].sum() / a["n_records"].sum(), rel=1e-9
    )
    assert ba.loc["gap", "lower"] <= 0.8 <= ba.loc["gap", "upper"]


def test_ratio_of_means_needs_positive_means() -> None:
    table, when = _table("mean", 4, effect_d=0.0, effect_a=0.0)
    table.loc[table["group"] == A, "numerator"] *= -1
    with pytest.raises(InputError, match="ratios of means are not defined"):
        evaluate_gap(
            table,
            dimension=DIM,
            groups=(D, A),
            intervention=when,
            kind="mean",
            scale="relative",
            multiplier=1,
        )


def test_seasonality_terms_are_accepted() -> None:
    table, when = _table("rate", 5, effect_d=-0.35, effect_a=-0.05)
    for seasonality in ("month", "fourier"):
        res = evaluate_gap(
            table,
            dimension=DIM,
            groups=(D, A),
            intervention=when,
            kind="rate",
            multiplier=1000,
            seasonality=seasonality,
        )
        level = res.its[(res.its["role"] == "gap") & (res.its["term"] == "level change")]
        assert level["lower"].iloc[0] <= -0.30 <= level["upper"].iloc[0]
