"""Recovery: the sample shows what the analytic truth says the model planted.

Rows are independent, so within a (group, period) the outcome of each row is marginally
Bernoulli(p) with p the analytic expected value; the sample proportion therefore has standard
error sqrt(p (1 - p) / n). We allow 4.5 standard errors (two-sided probability of a false
alarm about 7 in a million per comparison, and the seeds are fixed, so the tests are
deterministic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.synthetic import SCENARIOS, Truth, generate

N_ROWS = 400_000
Z = 4.5


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[pd.DataFrame, Truth]]:
    return {name: generate(name, N_ROWS, seed=7) for name in SCENARIOS}


def _period(frame: pd.DataFrame) -> pd.Series:
    after = frame["event_date"] >= pd.Timestamp("2024-01-01")
    return after.map({False: "before", True: "after"})


def _quintile(frame: pd.DataFrame) -> pd.Series:
    return (frame["imd_decile"].astype(int) + 1) // 2


def _by_quintile(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    g = frame.assign(period=_period(frame), quintile=_quintile(frame)).groupby(
        ["period", "quintile"]
    )[column]
    return g.agg(["mean", "var", "count"])


def _expected(truth: Truth) -> dict[tuple[str, int], float]:
    out = {("before", q): v for q, v in truth.quintile_before.items()}
    out.update({("after", q): v for q, v in truth.quintile_after.items()})
    return out


@pytest.mark.parametrize("name", ["dna_sms", "screening_outreach", "no_change"])
def test_proportions_by_quintile_and_period_match_truth(
    samples: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    frame, truth = samples[name]
    table = _by_quintile(frame, truth.outcome)
    assert len(table) == 10
    for (period, q), p in _expected(truth).items():
        row = table.loc[(period, q)]
        se = np.sqrt(p * (1 - p) / row["count"])
        assert abs(row["mean"] - p) < Z * se, (period, q, row["mean"], p, se)


@pytest.mark.parametrize("name", ["dna_sms", "screening_outreach", "no_change"])
def test_overall_before_and_after_match_truth(
    samples: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    frame, truth = samples[name]
    by = frame.groupby(_period(frame))[truth.outcome].agg(["mean", "count"])
    for period, p in (("before", truth.overall_before), ("after", truth.overall_after)):
        se = np.sqrt(p * (1 - p) / by.loc[period, "count"])
        assert abs(by.loc[period, "mean"] - p) < Z * se


@pytest.mark.parametrize("name", ["dna_sms", "screening_outreach", "no_change"])
def test_monthly_values_match_truth(
    samples: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    # ~16,700 rows a month, so each month is checked to about 0.3 percentage points.
    frame, truth = samples[name]
    month = frame["event_date"].dt.strftime("%Y-%m")
    by = frame.groupby(month)[truth.outcome].agg(["mean", "count"])
    assert list(by.index) == list(truth.monthly)
    p = np.array(list(truth.monthly.values()))
    se = np.sqrt(p * (1 - p) / by["count"].to_numpy())
    assert np.all(np.abs(by["mean"].to_numpy() - p) < Z * se)


def _gap_change(frame: pd.DataFrame, column: str) -> tuple[float, float]:
    """Empirical (Q1 - Q5 after) - (Q1 - Q5 before) and its standard error."""
    t = _by_quintile(frame, column)
    m, v, n = t["mean"], t["var"], t["count"]
    change = (m["after", 1] - m["after", 5]) - (m["before", 1] - m["before", 5])
    se = np.sqrt(
        sum(v[k] / n[k] for k in [("after", 1), ("after", 5), ("before", 1), ("before", 5)])
    )
    return float(change), float(se)


def test_dna_gap_widens(samples: dict[str, tuple[pd.DataFrame, Truth]]) -> None:
    frame, truth = samples["dna_sms"]
    change, se = _gap_change(frame, "dna")
    assert truth.gap_change_direction == "widens"
    assert change > 3 * se  # planted: the gap (more DNA in quintile 1) grows
    assert abs(change - truth.gap_change) < Z * se
    overall = frame.groupby(_period(frame))["dna"].mean()
    assert overall["after"] < overall["before"]  # DNA falls overall ("improves")


def test_screening_gap_narrows(samples: dict[str, tuple[pd.DataFrame, Truth]]) -> None:
    frame, truth = samples["screening_outreach"]
    change, se = _gap_change(frame, "screened")
    t = _by_quintile(frame, "screened")["mean"]
    gap_before = t["before", 1] - t["before", 5]
    gap_after = t["after", 1] - t["after", 5]
    assert truth.gap_change_direction == "narrows"
    assert gap_before < 0  # uptake lower in the most deprived quintile
    assert abs(gap_after) < abs(gap_before)
    assert change > 3 * se
    assert abs(change - truth.gap_change) < Z * se


@pytest.mark.parametrize("column", ["on_time", "length_of_stay"])
def test_no_change_gap_is_flat(samples: dict[str, tuple[pd.DataFrame, Truth]], column: str) -> None:
    frame, truth = samples["no_change"]
    change, se = _gap_change(frame, column)
    assert abs(change) < Z * se
    (t,) = [x for x in (truth, *truth.secondary) if x.outcome == column]
    assert t.gap_change_direction == "none"
    assert abs(t.gap_change) < 0.01 * abs(t.gap_before) + 0.005


def test_length_of_stay_means_match_truth(
    samples: dict[str, tuple[pd.DataFrame, Truth]],
) -> None:
    frame, truth = samples["no_change"]
    (los,) = truth.secondary
    assert los.outcome == "length_of_stay" and los.measure == "mean"
    table = _by_quintile(frame, "length_of_stay")
    for (period, q), mean in _expected(los).items():
        row = table.loc[(period, q)]
        se = np.sqrt(row["var"] / row["count"])
        assert abs(row["mean"] - mean) < Z * se
    # Right-skewed: the mean exceeds the median (log-normal with sigma = 0.85).
    assert frame["length_of_stay"].mean() > 1.3 * frame["length_of_stay"].median()


@pytest.mark.parametrize("name", ["dna_sms", "screening_outreach", "no_change"])
def test_population_mix_matches_truth(
    samples: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    frame, truth = samples[name]
    n = len(frame)
    codes = frame["ethnic_category"]
    checks = {
        "imd_decile": frame["imd_decile"].astype(int).astype(str).value_counts() / n,
        "site": frame["site"].value_counts() / n,
        "sex": frame["sex"].value_counts() / n,
        "main_language_english": frame["main_language_english"].astype(str).value_counts() / n,
        # Injected free text replaces 0.5% of codes at random, so the codes keep 99.5%.
        "ethnic_category": codes[codes.isin(list(truth.population["ethnic_category"]))]
        .value_counts()
        .div(n * (1 - truth.injection_rate)),
    }
    for key, observed in checks.items():
        for group, p in truth.population[key].items():
            se = np.sqrt(p * (1 - p) / n)
            assert abs(observed.get(group, 0.0) - p) < Z * se + 1e-12, (key, group)
