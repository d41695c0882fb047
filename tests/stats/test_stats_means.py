"""Student's t intervals for means (PHEindicatormethods ``phe_mean``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from equalqi.errors import InputError
from equalqi.stats import mean_ci, t_mean_interval

# PHEindicatormethods tests/testthat/testdata_Mean.xlsx, area "Area1", and its results:
# mean 53.704345, 95% 36.168325241336504..71.24036475866352, 99.8% 18.2167..89.1920
AREA1 = [33.09375, 48.38596, 64.83495, 67.98475, 22.93556, 71.23587, 38.78465, 82.37927]


def test_t_interval_by_hand() -> None:
    # mean 10, sd 2, n 5: t(0.975; 4) = 2.7764451051977987; half-width = t * 2 / sqrt(5)
    lo, hi = t_mean_interval(10, 2, 5)
    half = 2.7764451051977987 * 2 / math.sqrt(5)
    assert lo == pytest.approx(10 - half, rel=1e-12)
    assert hi == pytest.approx(10 + half, rel=1e-12)


def test_t_interval_nan_below_two_records() -> None:
    lo, hi = t_mean_interval([5.0, 5.0], [1.0, 1.0], [1, 0])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_t_interval_negative_sd_raises() -> None:
    with pytest.raises(InputError):
        t_mean_interval(1, -1, 10)


def test_t_interval_tends_to_normal_for_large_n() -> None:
    lo, hi = t_mean_interval(0, 1, 1e8)
    assert lo == pytest.approx(-hi)
    assert hi * math.sqrt(1e8) == pytest.approx(sps.norm.ppf(0.975), rel=1e-6)


def test_mean_ci_from_records_matches_phe() -> None:
    data = pd.DataFrame({"area": "Area1", "values": AREA1})
    out = mean_ci(data, "values", group_by="area", confidence=[0.95, 0.998])
    row = out.iloc[0]
    assert row["value_count"] == 8
    assert row["value_sum"] == pytest.approx(429.6347600000001, rel=1e-12)
    assert row["stdev"] == pytest.approx(20.97557525770931, rel=1e-12)
    assert row["value"] == pytest.approx(53.70434500000001, rel=1e-12)
    assert row["lower95_0cl"] == pytest.approx(36.168325241336504, rel=1e-12)
    assert row["upper95_0cl"] == pytest.approx(71.24036475866352, rel=1e-12)
    assert row["lower99_8cl"] == pytest.approx(18.216705294788838, rel=1e-12)
    assert row["upper99_8cl"] == pytest.approx(89.19198470521118, rel=1e-12)
    assert row["method"] == "Student's t-distribution"


def test_mean_ci_from_summaries_equals_from_records() -> None:
    records = pd.DataFrame({"values": AREA1})
    summary = pd.DataFrame(
        {"m": [np.mean(AREA1)], "s": [np.std(AREA1, ddof=1)], "k": [float(len(AREA1))]}
    )
    a = mean_ci(records, "values")
    b = mean_ci(summary, mean="m", sd="s", n="k")
    assert b.loc[0, "lowercl"] == pytest.approx(a.loc[0, "lowercl"], rel=1e-12)
    assert b.loc[0, "uppercl"] == pytest.approx(a.loc[0, "uppercl"], rel=1e-12)


def test_mean_ci_missing_record_blanks_group() -> None:
    data = pd.DataFrame({"g": ["a", "a", "b", "b"], "v": [1.0, np.nan, 2.0, 4.0]})
    out = mean_ci(data, "v", group_by="g")
    assert math.isnan(out.loc[0, "value"])
    assert out.loc[1, "value"] == pytest.approx(3.0)


def test_mean_ci_needs_columns() -> None:
    with pytest.raises(InputError, match="needs either x"):
        mean_ci(pd.DataFrame({"v": [1.0]}))
