"""Every measure for every period as one tidy frame (the gap over time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.stats import heat, sii

DECILES = np.arange(1, 11)


def _panel() -> pd.DataFrame:
    rows = []
    for i, period in enumerate(["2023-Q1", "2023-Q2", "2023-Q3"]):
        est = 60 + (2 + i) * DECILES  # the gap widens over time
        rows.append(
            pd.DataFrame(
                {
                    "period": period,
                    "decile": DECILES,
                    "est": est.astype(float),
                    "se": 1.0,
                    "pop": 1000.0 + 10 * DECILES,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_inequality_over_time_is_tidy_and_per_period() -> None:
    data = _panel()
    out = heat.inequality_over_time(
        data, period="period", est="est", se="se", pop="pop", subgroup_order="decile",
        favourable_indicator=1, ordered_dimension=1, scaleval=100,
    )  # fmt: skip
    assert list(out.columns) == [
        "period", "measure", "estimate", "se", "lowerci", "upperci", "method", "note",
    ]  # fmt: skip
    assert out["measure"].unique().tolist() == ["d", "r", "aci", "rci", "sii", "rii", "par", "paf"]
    sii_rows = out[out["measure"] == "sii"]
    assert sii_rows["period"].tolist() == ["2023-Q1", "2023-Q2", "2023-Q3"]
    assert sii_rows["estimate"].is_monotonic_increasing  # the widening gap shows
    # the same as computing one period alone
    alone = heat.sii(data[data["period"] == "2023-Q2"], est="est", subgroup_order="decile",
                     pop="pop")  # fmt: skip
    assert sii_rows.iloc[1]["estimate"] == pytest.approx(alone.iloc[0]["estimate"], rel=1e-10)


def test_phe_sii_per_period_in_one_call() -> None:
    data = _panel()
    out = sii(data, quantile="decile", population="pop", value="est", se="se",
              group_by="period", rii=True, seed=1)  # fmt: skip
    assert out["period"].tolist() == ["2023-Q1", "2023-Q2", "2023-Q3"]
    # values exactly linear in decile: SII = slope × (range of ranks ≈ 10 deciles)
    assert out["sii"].is_monotonic_increasing
    d = heat.d(data, est="est", favourable_indicator=1, ordered_dimension=1,
               subgroup_order="decile", group_by="period")  # fmt: skip
    assert d["estimate"].tolist() == [18.0, 27.0, 36.0]
