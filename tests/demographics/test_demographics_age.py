"""Age bands: named schemes at their boundaries, custom bands and their validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.demographics import (
    AGE_BAND_SCHEMES,
    AgeBands,
    age_band_index,
    age_band_labels,
    custom_age_bands,
    get_age_bands,
    validate_ages,
)
from equalqi.errors import InputError

# Ages at and either side of every boundary of the NHS broad scheme (by hand from the brief:
# 0-17, 18-34, 35-49, 50-64, 65-79, 80+).
NHS_BROAD = [
    (0, "0-17"),
    (17, "0-17"),
    (17.99, "0-17"),  # 17 completed years
    (18, "18-34"),
    (34, "18-34"),
    (35, "35-49"),
    (49, "35-49"),
    (50, "50-64"),
    (64, "50-64"),
    (65, "65-79"),
    (79, "65-79"),
    (80, "80+"),
    (100, "80+"),
    (117, "80+"),
]


def test_nhs_broad_boundaries() -> None:
    ages = np.array([age for age, _ in NHS_BROAD], dtype=float)
    assert age_band_labels(ages, "nhs_broad").tolist() == [label for _, label in NHS_BROAD]


def test_esp2013_has_the_19_five_year_bands_of_the_european_standard_population() -> None:
    # ESP 2013 (Eurostat 2013; PHEindicatormethods::esp2013): 0-4, 5-9, ..., 85-89, 90+.
    bands = get_age_bands("esp2013")
    assert len(bands.labels) == 19
    assert bands.labels[0] == "0-4" and bands.labels[-2] == "85-89" and bands.labels[-1] == "90+"
    ages = [0, 4, 5, 9, 84, 85, 89, 90, 104]
    expected = ["0-4", "0-4", "5-9", "5-9", "80-84", "85-89", "85-89", "90+", "90+"]
    assert age_band_labels(ages, "esp2013").tolist() == expected


def test_ten_year_boundaries() -> None:
    ages = [0, 9, 10, 19, 89, 90, 101]
    expected = ["0-9", "0-9", "10-19", "10-19", "80-89", "90+", "90+"]
    assert age_band_labels(ages, "ten_year").tolist() == expected


def test_missing_ages_get_no_band() -> None:
    labels = age_band_labels(np.array([np.nan, 40.0]), "nhs_broad")
    assert labels[0] is None and labels[1] == "35-49"
    assert age_band_index([None, 40], "nhs_broad").tolist() == [-1, 2]


def test_band_edges_and_frame() -> None:
    bands = get_age_bands("nhs_broad")
    assert bands.band_edges() == (0.0, 18.0, 35.0, 50.0, 65.0, 80.0, float("inf"))
    frame = bands.to_frame()
    assert frame["label"].tolist() == ["0-17", "18-34", "35-49", "50-64", "65-79", "80+"]
    assert frame["upper"].tolist()[:-1] == [17, 34, 49, 64, 79]
    assert pd.isna(frame["upper"].iloc[-1])
    assert bands.to_dict()["lower_bounds"] == [0, 18, 35, 50, 65, 80]


def test_negative_age_is_a_problem_naming_the_value() -> None:
    with pytest.raises(InputError) as caught:
        age_band_labels([30, -2, 40], "nhs_broad")
    (problem,) = caught.value.problems
    assert problem.value == "-2"
    assert problem.column == "age"
    assert "negative" in problem.what


def test_validate_ages_locates_rows_when_asked() -> None:
    problems = validate_ages(["30", "abc", "-1", "abc"], "nhs_broad", file="ages.csv", first_row=2)
    assert [(p.row, p.value) for p in problems] == [(3, "abc"), (4, "-1")]
    assert "2 rows" in problems[0].what


def test_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        get_age_bands("decade")
    message = str(caught.value)
    for name in AGE_BAND_SCHEMES:
        assert name in message


# --- custom bands -------------------------------------------------------------------------------


def test_custom_bands_make_labels() -> None:
    bands = custom_age_bands([0, 1, 5, 16, 65])
    assert bands.labels == ("0", "1-4", "5-15", "16-64", "65+")
    assert age_band_labels([0, 0.5, 1, 4, 5, 15, 16, 64, 65], bands).tolist() == [
        "0",
        "0",
        "1-4",
        "1-4",
        "5-15",
        "5-15",
        "16-64",
        "16-64",
        "65+",
    ]


def test_custom_bands_from_a_plain_list() -> None:
    assert age_band_labels([17, 18], [0, 18]).tolist() == ["0-17", "18+"]


def test_custom_labels_are_kept() -> None:
    bands = custom_age_bands([0, 18], labels=["child", "adult"], name="two")
    assert age_band_labels([3, 40], bands).tolist() == ["child", "adult"]


def test_age_below_the_first_band_is_reported_not_dropped() -> None:
    with pytest.raises(InputError) as caught:
        age_band_labels([12, 30], [18, 65])
    (problem,) = caught.value.problems
    assert problem.value == "12"
    assert "lowest band" in problem.what


@pytest.mark.parametrize(
    ("bounds", "phrase"),
    [
        ([0, 18, 18, 65], "repeated"),
        ([0, 65, 18], "increasing order"),
        ([-5, 0, 18], "negative"),
        ([0, 17.5], "whole number"),
        ([0, "18"], "whole number"),
        ([], "no age bands"),
    ],
)
def test_invalid_custom_bounds(bounds: list[object], phrase: str) -> None:
    with pytest.raises(InputError) as caught:
        custom_age_bands(bounds)
    assert any(phrase in p.what for p in caught.value.problems)


def test_labels_must_match_the_bands() -> None:
    with pytest.raises(InputError):
        custom_age_bands([0, 18], labels=["only one"])
    with pytest.raises(InputError):
        custom_age_bands([0, 18], labels=["same", "same"])
    with pytest.raises(InputError):
        AgeBands("bad", (0, 18), ("a",))


# --- properties -----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(sorted(AGE_BAND_SCHEMES)),
    st.lists(st.floats(min_value=0, max_value=120, allow_nan=False), min_size=1, max_size=40),
)
def test_each_age_lies_in_its_band(scheme: str, ages: list[float]) -> None:
    bands = AGE_BAND_SCHEMES[scheme]
    index = age_band_index(ages, bands)
    edges = np.asarray(bands.band_edges())
    values = np.asarray(ages)
    assert np.all(edges[index] <= values)
    assert np.all(values < edges[index + 1])
    # An independent implementation of the same right-open bins agrees.
    cut = pd.cut(values, edges, right=False, labels=False)
    assert np.array_equal(np.asarray(cut, dtype=np.int64), index)


@settings(max_examples=50, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=110), min_size=1, max_size=12))
def test_any_sorted_unique_bounds_are_valid_and_each_bound_opens_its_band(
    bounds: set[int],
) -> None:
    lower = sorted(bounds)
    bands = custom_age_bands(lower)
    if lower[0] > 0:
        with pytest.raises(InputError):
            age_band_index([0], bands)
    assert age_band_index(lower, bands).tolist() == list(range(len(lower)))
