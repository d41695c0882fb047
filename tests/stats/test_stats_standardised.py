"""Directly standardised rates (Dobson) and indirectly standardised ratios and rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import ESP2013, ESP2013_AGE_BANDS, dsr, esp2013_frame, israte, isratio
from equalqi.stats.poisson import byars_lower, byars_upper


def test_esp2013_is_the_published_standard() -> None:
    # Eurostat 2013: 19 bands summing to 100,000; 0-4 = 5,000, 90+ = 1,000
    assert len(ESP2013) == len(ESP2013_AGE_BANDS) == 19
    assert sum(ESP2013) == 100_000
    assert (ESP2013[0], ESP2013[-1], ESP2013_AGE_BANDS[-1]) == (5000, 1000, "90+")
    assert esp2013_frame()["lower_age"].tolist()[:3] == [0, 5, 10]


def _two_band() -> pd.DataFrame:
    return pd.DataFrame(
        {"area": ["A", "A"], "x": [20.0, 30.0], "n": [1000.0, 2000.0], "w": [600.0, 400.0]}
    )


def test_dsr_and_dobson_by_hand() -> None:
    # DSR = (20*600/1000 + 30*400/2000) / 1000 = (12 + 6) / 1000 = 0.018 -> 1800 per 100,000
    # var = (20*(0.6)^2 + 30*(0.2)^2) / 1000^2 = (7.2 + 1.2) / 1e6 = 8.4e-6; O = 50
    out = dsr(_two_band(), "x", "n", "w", group_by="area")
    row = out.iloc[0]
    assert row["value"] == pytest.approx(1800.0)
    assert (row["total_count"], row["total_pop"]) == (50, 3000)
    spread = math.sqrt(8.4e-6 / 50)
    lower = 0.018 + spread * (float(byars_lower(np.array(50.0), 0.95)) - 50)
    upper = 0.018 + spread * (float(byars_upper(np.array(50.0), 0.95)) - 50)
    assert row["lowercl"] == pytest.approx(lower * 1e5, rel=1e-12)
    assert row["uppercl"] == pytest.approx(upper * 1e5, rel=1e-12)
    assert row["method"] == "Dobson" and row["statistic"] == "dsr per 100000"


def test_dsr_fewer_than_ten_events_has_no_value() -> None:
    data = _two_band().assign(x=[4.0, 5.0])
    row = dsr(data, "x", "n", "w").iloc[0]
    assert math.isnan(row["value"]) and math.isnan(row["lowercl"])
    assert row["statistic"] == "dsr NA for total count < 10"


def test_dsr_esp2013_default_is_positional() -> None:
    data = pd.DataFrame({"x": np.arange(19, dtype=float) + 1, "n": np.full(19, 1000.0)})
    by_default = dsr(data, "x", "n")
    by_column = dsr(data.assign(w=list(ESP2013)), "x", "n", "w")
    assert by_default.loc[0, "value"] == pytest.approx(by_column.loc[0, "value"])
    # uniform rate per band -> DSR equals that rate whatever the standard
    flat = dsr(data.assign(x=np.full(19, 5.0)), "x", "n")
    assert flat.loc[0, "value"] == pytest.approx(500.0)


def test_dsr_wrong_number_of_bands_for_esp2013() -> None:
    with pytest.raises(InputError, match="19 values"):
        dsr(_two_band(), "x", "n", group_by="area")


def test_dsr_non_independent_events_by_hand() -> None:
    # People with 1 event (10 and 20 per band) and with 2 events (5 and 5 per band).
    rows = []
    for freq, counts in ((1, (10.0, 20.0)), (2, (5.0, 5.0))):
        for band, count, pop, w in zip(
            ("a", "b"), counts, (1000.0, 2000.0), (600.0, 400.0), strict=True
        ):
            rows.append({"band": band, "freq": freq, "people": count, "n": pop, "w": w})
    data = pd.DataFrame(rows)
    out = dsr(data, "people", "n", "w", independent_events=False, eventfreq="freq", ageband="band")
    row = out.iloc[0]
    # events per band: a 10 + 2*5 = 20, b 20 + 2*5 = 30 -> same DSR as the two-band case
    assert row["value"] == pytest.approx(1800.0)
    assert row["total_count"] == 50
    # variance: f=1: (10*.36 + 20*.04)/1e6 = 4.4e-6; f=2: (5*.36 + 5*.04)/1e6 * 4 = 8e-6
    spread = math.sqrt((4.4e-6 + 8.0e-6) / 50)
    lower = 0.018 + spread * (float(byars_lower(np.array(50.0), 0.95)) - 50)
    assert row["lowercl"] == pytest.approx(lower * 1e5, rel=1e-12)
    assert row["method"].startswith("Dobson, with confidence adjusted")


def test_dsr_non_independent_with_single_events_equals_independent() -> None:
    data = _two_band().assign(freq=1, band=["a", "b"])
    a = dsr(data, "x", "n", "w", group_by="area")
    b = dsr(data, "x", "n", "w", group_by=["area", "freq"], independent_events=False,
            eventfreq="freq", ageband="band")  # fmt: skip
    assert b.loc[0, "lowercl"] == pytest.approx(a.loc[0, "lowercl"], rel=1e-12)


def test_dsr_zero_population_is_nan_with_note() -> None:
    data = _two_band().assign(n=[0.0, 2000.0], x=[0.0, 30.0])
    row = dsr(data, "x", "n", "w").iloc[0]
    assert math.isnan(row["value"]) and row["note"] == "a population is zero"


def test_dsr_negative_count_raises() -> None:
    with pytest.raises(InputError):
        dsr(_two_band().assign(x=[-1.0, 3.0]), "x", "n", "w")


def _isr_data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "A", "B", "B"],
            "x": [30.0, 70.0, 5.0, 3.0],
            "n": [1000.0, 500.0, 200.0, 100.0],
            "xr": [100.0, 300.0, 100.0, 300.0],
            "nr": [10000.0, 5000.0, 10000.0, 5000.0],
        }
    )


def test_isratio_by_hand() -> None:
    # A: E = 1000*0.01 + 500*0.06 = 40, O = 100 -> SMR 2.5, Byar limits / 40
    # B: E = 200*0.01 + 100*0.06 = 8, O = 8 -> exact limits / 8
    out = isratio(_isr_data(), "x", "n", "xr", "nr", group_by="area", refvalue=100)
    assert out["expected"].tolist() == pytest.approx([40.0, 8.0])
    assert out["value"].tolist() == pytest.approx([250.0, 100.0])
    assert out.loc[0, "lowercl"] == pytest.approx(
        float(byars_lower(np.array(100.0), 0.95)) / 40 * 100, rel=1e-12
    )
    assert out["method"].tolist() == ["Byars", "Exact"]
    assert out.loc[0, "statistic"] == "indirectly standardised ratio x 100"


def test_israte_by_hand_and_vector_reference() -> None:
    # reference crude rate = 400 / 15000 per 100,000 = 2666.67; A: 2.5 * that
    as_columns = israte(_isr_data(), "x", "n", "xr", "nr", group_by="area")
    as_vectors = israte(_isr_data(), "x", "n", [100.0, 300.0], [10000.0, 5000.0], group_by="area")
    assert as_columns.loc[0, "ref_rate"] == pytest.approx(400 / 15000 * 1e5)
    assert as_columns.loc[0, "value"] == pytest.approx(2.5 * 400 / 15000 * 1e5)
    pd.testing.assert_frame_equal(as_columns, as_vectors)


def test_isratio_observed_totals() -> None:
    data = _isr_data().drop(columns="x")
    totals = pd.DataFrame({"area": ["A", "B"], "x": [100.0, 8.0]})
    out = isratio(data, "x", "n", "xr", "nr", group_by="area", observed_totals=totals)
    assert out["value"].tolist() == pytest.approx([2.5, 1.0])


def test_isratio_zero_expected_is_nan_with_note() -> None:
    data = _isr_data().assign(n=[0.0, 0.0, 200.0, 100.0])
    out = isratio(data, "x", "n", "xr", "nr", group_by="area")
    assert math.isnan(out.loc[0, "value"]) and out.loc[0, "note"] == "expected count is zero"


def test_isr_confidence_list_nested() -> None:
    out = isratio(_isr_data(), "x", "n", "xr", "nr", group_by="area", confidence=[95, 99.8])
    assert (out["lower99_8cl"] < out["lower95_0cl"]).all()
    assert (out["upper99_8cl"] > out["upper95_0cl"]).all()
