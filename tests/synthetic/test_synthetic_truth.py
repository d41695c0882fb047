"""The analytic truth: hand-checked cells, internal consistency and the brief's headlines."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from equalqi.synthetic import SCENARIOS, Truth, generate, truth


def _all_truths(name: str, seed: int = 2024) -> list[Truth]:
    t = truth(name, seed)
    return [t, *t.secondary]


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@pytest.fixture(scope="module")
def dna() -> tuple[pd.DataFrame, Truth]:
    return generate("dna_sms", 150_000, seed=2024, with_truth=True)


def _one_row(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        if column == "month":
            mask &= (frame["event_date"].dt.strftime("%Y-%m") == value).to_numpy()
        elif column == "age_range":
            assert isinstance(value, tuple)
            mask &= frame["age"].between(value[0], value[1]).to_numpy()
        else:
            mask &= (frame[column] == value).to_numpy()
    assert mask.any(), where
    return frame[mask].iloc[0]


def test_dna_probability_of_one_cell_before_by_hand(dna: tuple[pd.DataFrame, Truth]) -> None:
    # January 2023, Northgate, decile 1, White British, English, aged 18-29:
    # eta = -2.27 (intercept) + 0.05 (Northgate) + 0.60 (decile 1) + 0 (A) + 0 (English)
    #       + 0.45 (age 18-29) + 0.05 cos(2 pi (1 - 12) / 12) (= 0.05 x 0.8660 = 0.04330)
    #       + u[2023-01]  =  -1.12670 + u
    frame, t = dna
    row = _one_row(
        frame,
        month="2023-01",
        site="Northgate General Hospital",
        imd_decile=1,
        true_ethnic_category="A",
        main_language_english=True,
        age_range=(18, 29),
    )
    u = t.month_effects["2023-01"]
    assert row["true_dna"] == pytest.approx(_expit(-1.126699 + u), abs=1e-6)


def test_dna_probability_of_one_cell_after_by_hand(dna: tuple[pd.DataFrame, Truth]) -> None:
    # February 2024, Riverside, decile 10, Pakistani, main language not English, aged 60-74:
    # eta = -2.27 + 0 (Riverside) - 0.34 (decile 10) + 0 (J) + 0.40 (not English) - 0.25 (60-74)
    #       + 0.05 cos(2 pi (2 - 12) / 12) (= 0.05 x 0.5 = 0.025)
    #       + after: -0.50 (decile 10) + 0.36 (not English)  + u[2024-02]
    #     = -2.575 + u
    frame, t = dna
    row = _one_row(
        frame,
        month="2024-02",
        site="Riverside Hospital",
        imd_decile=10,
        true_ethnic_category="J",
        main_language_english=False,
        age_range=(60, 74),
    )
    u = t.month_effects["2024-02"]
    assert row["true_dna"] == pytest.approx(_expit(-2.575 + u), abs=1e-9)


def test_length_of_stay_mean_of_one_cell_by_hand() -> None:
    # July 2023, Westbrook, decile 5, English, aged 80+ (log scale):
    # eta = 0.95 - 0.05 (Westbrook) + 0.02 (decile 5) + 0.55 (80+)
    #       + 0.04 cos(2 pi (7 - 1) / 12) (= -0.04) + u[2023-07] = 1.43 + u
    # log-normal mean = exp(eta + sigma^2 / 2), sigma = 0.85 -> + 0.36125
    frame, t = generate("no_change", 60_000, seed=5, with_truth=True)
    (los,) = t.secondary
    row = _one_row(
        frame,
        month="2023-07",
        site="Westbrook Treatment Centre",
        imd_decile=5,
        main_language_english=True,
        age_range=(80, 100),
    )
    u = los.month_effects["2023-07"]
    assert row["true_length_of_stay"] == pytest.approx(math.exp(1.43 + u + 0.36125), rel=1e-9)


def test_sample_of_true_probabilities_averages_to_the_truth(
    dna: tuple[pd.DataFrame, Truth],
) -> None:
    # The mean of each row's true probability estimates the same quantity as the analytic
    # truth, with only the covariates' sampling error (sd of true_dna / sqrt(n)).
    frame, t = dna
    after = frame["event_date"] >= pd.Timestamp("2024-01-01")
    q = (frame["imd_decile"].astype(int) + 1) // 2
    g = frame.groupby([after, q])["true_dna"].agg(["mean", "std", "count"])
    for (is_after, quintile), row in g.iterrows():
        expected = (t.quintile_after if is_after else t.quintile_before)[quintile]
        assert abs(row["mean"] - expected) < 4.5 * row["std"] / math.sqrt(row["count"])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_truth_is_internally_consistent(name: str) -> None:
    for t in _all_truths(name):
        share_d = t.population["imd_decile"]
        share_q = t.population["imd_quintile"]
        for label, by_q, by_d, overall in (
            ("before", t.quintile_before, t.decile_before, t.overall_before),
            ("after", t.quintile_after, t.decile_after, t.overall_after),
        ):
            # quintile q = decile-share-weighted mean of deciles 2q-1 and 2q
            for q in range(1, 6):
                a, b = share_d[str(2 * q - 1)], share_d[str(2 * q)]
                mix = (a * by_d[2 * q - 1] + b * by_d[2 * q]) / (a + b)
                assert by_q[q] == pytest.approx(mix, rel=1e-12), (label, q)
            # overall = quintile-share-weighted mean (the mix is the same in both years)
            assert overall == pytest.approx(
                sum(share_q[str(q)] * v for q, v in by_q.items()), rel=1e-12
            )
            # overall = month-share-weighted mean of the months of the period
            months = [m for m in t.monthly if m.startswith("2023" if label == "before" else "2024")]
            w = np.array([t.population["month"][m] for m in months])
            v = np.array([t.monthly[m] for m in months])
            assert overall == pytest.approx(float(w @ v / w.sum()), rel=1e-12)
        assert t.gap_before == pytest.approx(t.quintile_before[1] - t.quintile_before[5])
        assert t.gap_after == pytest.approx(t.quintile_after[1] - t.quintile_after[5])
        assert t.gap_change == pytest.approx(t.gap_after - t.gap_before)


@pytest.mark.parametrize("seed", [1, 2024, 99_999])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_declared_directions_agree_with_the_computed_values(name: str, seed: int) -> None:
    for t in _all_truths(name, seed):
        if t.gap_change_direction == "widens":
            assert abs(t.gap_after) > abs(t.gap_before) + 0.01
        elif t.gap_change_direction == "narrows":
            assert abs(t.gap_after) < abs(t.gap_before) - 0.01
        else:
            assert abs(t.gap_change) < 0.01 * abs(t.gap_before)
        better = 1 if t.improvement == "increase" else -1
        if t.overall_change_direction == "improves":
            assert better * t.overall_change > 0.02
        else:
            # Month noise is centred within each year, so only seasonality-by-noise
            # interactions remain: well under 0.1% of the level.
            assert abs(t.overall_change) < 0.001 * t.overall_before


def test_headline_figures_of_the_brief() -> None:
    d = truth("dna_sms")
    assert d.improvement == "decrease" and d.measure == "proportion"
    assert 0.11 < d.overall_before < 0.13  # ~12% DNA at baseline
    assert 0.085 < d.overall_after < 0.10  # ~9% after SMS reminders
    assert 0.15 < d.decile_before[1] < 0.19  # ~17% in decile 1
    assert 0.06 < d.decile_before[10] < 0.08  # ~7% in decile 10
    assert 0.07 < d.gap_before < 0.10  # ~8 percentage points
    assert d.gap_after > 0.10  # ~10+ percentage points
    s = truth("screening_outreach")
    assert s.improvement == "increase"
    assert 0.62 < s.overall_before < 0.68  # ~65% uptake
    assert s.quintile_before[1] < s.quintile_before[5]
    assert s.quintile_after[1] - s.quintile_before[1] > 3 * (
        s.quintile_after[5] - s.quintile_before[5]
    )  # a lot in deciles 1-2, a little elsewhere
    n = truth("no_change")
    assert n.outcome == "on_time" and n.improvement == "increase"
    assert n.gap_change_direction == "none" and n.overall_change_direction == "none"
    assert n.secondary[0].outcome == "length_of_stay" and n.secondary[0].unit == "days"


def test_dna_sms_helps_non_english_speakers_less() -> None:
    # Planted: the SMS effect is -0.50 on the logit scale in decile 10 for English speakers
    # but -0.50 + 0.36 = -0.14 for people whose main language is not English.
    c = truth("dna_sms").model
    assert c["after_intervention_main_language_not_english"] == pytest.approx(0.36)
    assert c["after_intervention_by_imd_decile"]["10"] + 0.36 > -0.2


def test_to_dict_is_json_ready_and_to_frame_matches_the_fields() -> None:
    t = truth("no_change", 3)
    d = json.loads(json.dumps(t.to_dict()))
    assert d["intervention_date"] == "2024-01-01"
    assert d["quintile_before"]["1"] == t.quintile_before[1]
    assert d["secondary"][0]["outcome"] == "length_of_stay"
    frame = t.to_frame()
    assert set(frame.columns) == {"scenario", "outcome", "period", "dimension", "group", "expected"}
    q1 = frame.query("period == 'after' and dimension == 'imd_quintile' and group == '1'")
    assert q1["expected"].item() == t.quintile_after[1]
    gap = frame.query("period == 'before' and dimension == 'gap_q1_minus_q5'")
    assert gap["expected"].item() == pytest.approx(t.gap_before)
    assert len(frame.query("dimension == 'overall'")) == 2 + 24
