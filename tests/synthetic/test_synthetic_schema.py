"""Columns, types and value domains of every scenario, and the calendar's rhythm."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from equalqi.synthetic import ETHNIC_CODES, SCENARIOS, Truth, generate, generate_table
from equalqi.synthetic.calendar import BANK_HOLIDAYS_ENGLAND

N_ROWS = 60_000
COMMON = [
    "event_date",
    "site",
    "imd_decile",
    "ethnic_category",
    "age",
    "sex",
    "main_language_english",
]
OUTCOMES = {
    "dna_sms": ["dna"],
    "screening_outreach": ["screened"],
    "no_change": ["on_time", "length_of_stay"],
}


@pytest.fixture(scope="module")
def frames() -> dict[str, tuple[pd.DataFrame, Truth]]:
    return {name: generate(name, N_ROWS, seed=2024) for name in SCENARIOS}


def test_scenario_names_are_exactly_the_three_in_the_brief() -> None:
    assert set(SCENARIOS) == {"dna_sms", "screening_outreach", "no_change"}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_columns_and_pandas_dtypes(
    frames: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    frame, truth = frames[name]
    assert list(frame.columns) == COMMON + OUTCOMES[name]
    assert truth.outcome == OUTCOMES[name][0]
    assert frame["event_date"].dtype.kind == "M"
    for column in ("site", "ethnic_category", "sex"):
        assert pd.api.types.is_string_dtype(frame[column])
    assert frame["imd_decile"].dtype == np.int8
    assert frame["age"].dtype == np.int16
    assert frame["main_language_english"].dtype == np.bool_
    for column, kind in zip(OUTCOMES[name], ("int8", "float64"), strict=False):
        assert frame[column].dtype == np.dtype(kind)
    assert not frame.isna().any().any()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_arrow_types(name: str) -> None:
    table, _ = generate_table(name, 100)
    assert table.schema.field("event_date").type == pa.date32()
    assert table.schema.field("site").type == pa.string()
    assert table.schema.field("imd_decile").type == pa.int8()
    assert table.schema.field("age").type == pa.int16()
    assert table.schema.field("main_language_english").type == pa.bool_()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_value_domains(frames: dict[str, tuple[pd.DataFrame, Truth]], name: str) -> None:
    frame, truth = frames[name]
    scenario = SCENARIOS[name]
    assert frame["event_date"].min() >= pd.Timestamp("2023-01-01")
    assert frame["event_date"].max() <= pd.Timestamp("2024-12-31")
    assert (frame["event_date"] == frame["event_date"].dt.normalize()).all()
    assert set(frame["imd_decile"].unique()) == set(range(1, 11))
    assert set(frame["site"].unique()) == {s.name for s in scenario.sites}
    assert 3 <= len(scenario.sites) <= 5
    assert set(frame["sex"].unique()) == {"F", "M", "U"}
    lo = min(b.lo for b in scenario.age_bands)
    hi = max(b.hi for b in scenario.age_bands) - 1
    assert frame["age"].min() >= lo and frame["age"].max() <= hi
    assert lo >= 0 and hi <= 100
    allowed = set(ETHNIC_CODES) | set(truth.injected_ethnicity)
    assert set(frame["ethnic_category"].unique()) <= allowed
    for column in OUTCOMES[name]:
        values = frame[column]
        if values.dtype == np.int8:
            assert set(values.unique()) == {0, 1}
        else:
            assert (values > 0).all()


def test_screening_ages_are_the_bowel_screening_range(
    frames: dict[str, tuple[pd.DataFrame, Truth]],
) -> None:
    frame, _ = frames["screening_outreach"]
    assert frame["age"].min() == 50 and frame["age"].max() == 74


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_weekends_and_bank_holidays_are_quieter(
    frames: dict[str, tuple[pd.DataFrame, Truth]], name: str
) -> None:
    frame, _ = frames[name]
    scenario = SCENARIOS[name]
    dates = frame["event_date"]
    holiday = dates.isin([pd.Timestamp(d) for d in BANK_HOLIDAYS_ENGLAND])
    weekday = dates.dt.day_of_week
    per_day = frame.assign(wd=weekday)[~holiday].groupby("wd").size() / (
        pd.Series(pd.date_range("2023-01-01", "2024-12-31"))
        .loc[lambda s: ~s.isin([pd.Timestamp(d) for d in BANK_HOLIDAYS_ENGLAND])]
        .dt.day_of_week.value_counts()
        .sort_index()
    )
    # Busier Monday to Friday than at the weekend, as the scenario's weights say.
    assert per_day.loc[[5, 6]].max() < per_day.loc[[0, 1, 2, 3, 4]].min()
    w = scenario.weekday_weight
    expected_ratio = w[6] / np.mean(w[:5])
    observed_ratio = per_day.loc[6] / per_day.loc[[0, 1, 2, 3, 4]].mean()
    assert abs(observed_ratio - expected_ratio) < 0.1 * expected_ratio + 0.02
    # A bank holiday is as quiet as a Sunday (weight of Sunday), far quieter than a weekday.
    n_holidays = len(BANK_HOLIDAYS_ENGLAND)
    assert holiday.sum() / n_holidays < 0.7 * per_day.loc[[0, 1, 2, 3, 4]].mean()


def test_monthly_volume_follows_the_calendar_share(
    frames: dict[str, tuple[pd.DataFrame, Truth]],
) -> None:
    frame, truth = frames["dna_sms"]
    counts = frame["event_date"].dt.strftime("%Y-%m").value_counts().sort_index()
    share = truth.population["month"]
    assert list(counts.index) == list(share)
    p = np.array(list(share.values()))
    se = np.sqrt(p * (1 - p) / len(frame))
    assert np.all(np.abs(counts.to_numpy() / len(frame) - p) < 4.5 * se)
    # Mild seasonality: August 2023 (weight 0.90, 23 weekdays less a bank holiday) is quieter
    # than March 2023 (weight 1.04, 23 weekdays).
    assert share["2023-08"] < share["2023-03"]
    assert max(p) / min(p) < 1.5  # mild, not wild


def test_population_headline_shares_in_the_brief() -> None:
    _, t = generate("dna_sms", 0)
    pop = t.population
    assert 0.13 < pop["imd_decile"]["1"] < 0.17  # ~15% in decile 1 (urban, deprived)
    assert pop["imd_decile"]["1"] > pop["imd_decile"]["10"] * 1.5
    assert abs(pop["ethnic_category"]["Z"] - 0.06) < 1e-12
    assert abs(pop["ethnic_category"]["99"] - 0.03) < 1e-12
    assert 0.90 < pop["main_language_english"]["True"] < 0.94
    assert abs(pop["sex"]["U"] - 0.003) < 1e-12
    assert abs(sum(pop["month"].values()) - 1) < 1e-12
    assert t.intervention_date == dt.date(2024, 1, 1)


def test_language_is_lower_in_some_ethnic_groups(
    frames: dict[str, tuple[pd.DataFrame, Truth]],
) -> None:
    frame, _ = frames["dna_sms"]
    english = frame.groupby("ethnic_category")["main_language_english"].mean()
    assert english["A"] > 0.98
    assert english["J"] < 0.9 and english["S"] < 0.75


def test_ethnicity_is_correlated_with_deprivation_and_site(
    frames: dict[str, tuple[pd.DataFrame, Truth]],
) -> None:
    frame, _ = frames["dna_sms"]
    south_asian = frame["ethnic_category"].isin(["H", "J", "K", "L"])
    deprived = frame["imd_decile"] <= 2
    # Pakistani and Bangladeshi residents are concentrated in deprived areas (slopes 1.2, 1.3).
    pk = frame["ethnic_category"].isin(["J", "K"])
    assert pk[deprived].mean() > 2 * pk[frame["imd_decile"] >= 9].mean()
    by_site = south_asian.groupby(frame["site"]).mean()
    assert by_site.idxmax() == "Northgate General Hospital"
