"""Deprivation quantiles by the OHID rules (PHEindicatormethods ``phe_quantile``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.stats import assign_quantiles


def _formula(n: int, rank: np.ndarray, q: int) -> np.ndarray:
    out = np.floor((q + 1) - np.ceil(((n + 1) - rank) / (n / q)))
    return np.where(out == 0, 1, out)


def test_ten_areas_into_quintiles_by_hand() -> None:
    # values 1..10, invert=True: value 10 has rank 1 ... value 1 rank 10.
    # quantile = floor(6 - ceil((11 - rank)/2)): rank 1 -> 1, rank 2 -> 1, rank 3 -> 2, ...
    data = pd.DataFrame({"v": np.arange(1.0, 11.0)})
    out = assign_quantiles(data, "v", nquantiles=5)
    assert out["quantile"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out.loc[0, "qinverted"] == "lowest quantile represents highest values"
    not_inverted = assign_quantiles(data, "v", nquantiles=5, invert=False)
    assert not_inverted["quantile"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_ties_share_the_lowest_rank() -> None:
    # 7 areas, deciles impossible (7 < 10); use 3 quantiles: ranks (min) of
    # [5, 5, 4, 3, 3, 3, 1] inverted -> 1, 1, 3, 4, 4, 4, 7
    data = pd.DataFrame({"v": [5.0, 5.0, 4.0, 3.0, 3.0, 3.0, 1.0]})
    out = assign_quantiles(data, "v", nquantiles=3)
    expected = _formula(7, np.array([1, 1, 3, 4, 4, 4, 7]), 3)
    assert out["quantile"].tolist() == expected.tolist()
    assert out.loc[3, "quantile"] == out.loc[5, "quantile"]


def test_local_ranking_within_groups_and_missing_values() -> None:
    data = pd.DataFrame(
        {
            "region": ["N"] * 4 + ["S"] * 5,
            "v": [4.0, 3.0, 2.0, 1.0, 50.0, np.nan, 30.0, 20.0, 10.0],
        }
    )
    out = assign_quantiles(data, "v", nquantiles=2, group_by="region")
    assert out["quantile"].tolist()[:4] == [1, 1, 2, 2]
    assert np.isnan(out.loc[5, "quantile"])  # no value, no quantile
    assert out["quantile"].tolist()[6:] == [1, 2, 2]  # 4 areas with values in S
    assert out.loc[0, "groupvars"] == "region"


def test_too_few_areas_gives_blank_quantiles_and_warns() -> None:
    data = pd.DataFrame({"v": [1.0, 2.0, 3.0]})
    with pytest.warns(UserWarning, match="too few small areas"):
        out = assign_quantiles(data, "v", nquantiles=10)
    assert out["quantile"].isna().all()


def test_invert_by_column_per_group() -> None:
    data = pd.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "v": [1.0, 2, 3, 4, 1, 2, 3, 4],
            "inv": [True] * 4 + [False] * 4,
        }
    )
    out = assign_quantiles(data, "v", nquantiles=2, invert="inv", group_by="g", type="standard")
    assert out["quantile"].tolist() == [2, 2, 1, 1, 1, 1, 2, 2]
    assert "nquantiles" not in out.columns


def test_invert_column_must_be_constant_in_group() -> None:
    data = pd.DataFrame({"g": ["a", "a"], "v": [1.0, 2.0], "inv": [True, False]})
    with pytest.raises(InputError, match="same value within each group"):
        assign_quantiles(data, "v", nquantiles=2, invert="inv", group_by="g")


def test_non_numeric_values_rejected() -> None:
    with pytest.raises(InputError, match="numbers"):
        assign_quantiles(pd.DataFrame({"v": ["a", "b"]}), "v")


def test_quantiles_are_as_equal_as_possible() -> None:
    # 32,844 LSOAs (England, IMD 2019) into deciles: sizes differ by at most one
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"score": rng.random(32844)})
    sizes = assign_quantiles(data, "score")["quantile"].value_counts()
    assert sorted(sizes.index.tolist()) == list(range(1, 11))
    assert sizes.max() - sizes.min() <= 1
