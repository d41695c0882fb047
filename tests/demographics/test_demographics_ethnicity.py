"""Ethnicity classification: NHS code list, census labels, free text, missing, unrecognised."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalqi.demographics import (
    ETHNIC_CATEGORIES,
    ETHNIC_CODE_ORDER,
    ETHNIC_GROUP_ORDER,
    classify_ethnicity,
    unrecognised_ethnicity,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "reference"
CODE_LIST = SHARED / "ethnic_category_2001.csv"


def _code_of(value: object) -> str | None:
    table = classify_ethnicity([value])
    assert len(table) == 1
    code = table.loc[0, "code"]
    return None if code is None else str(code)


# --- the code list itself -----------------------------------------------------------------------


def test_code_list_matches_nhs_data_dictionary_file() -> None:
    # ethnic_category_2001.csv is the NHS Data Dictionary ETHNIC CATEGORY list (shared/README).
    expected = pd.read_csv(CODE_LIST, dtype=str, keep_default_na=False)
    assert list(expected["code"]) == list(ETHNIC_CODE_ORDER)
    for row in expected.itertuples(index=False):
        assert ETHNIC_CATEGORIES[row.code] == (row.category, row.group)


def test_every_code_and_label_in_the_file_classifies_to_itself() -> None:
    expected = pd.read_csv(CODE_LIST, dtype=str, keep_default_na=False)
    by_code = classify_ethnicity(expected["code"]).set_index("raw")
    by_label = classify_ethnicity(expected["category"]).set_index("raw")
    for row in expected.itertuples(index=False):
        assert by_code.loc[row.code, "code"] == row.code
        assert by_code.loc[row.code, "category"] == row.category
        assert by_code.loc[row.code, "group"] == row.group
        assert by_code.loc[row.code, "recognised"]
        assert by_label.loc[row.category, "code"] == row.code


def test_group_order_covers_every_group_of_the_code_list_in_list_order() -> None:
    expected = pd.read_csv(CODE_LIST, dtype=str, keep_default_na=False)
    assert tuple(pd.unique(expected["group"])) == ETHNIC_GROUP_ORDER
    # 'Not stated' and 'Not known' are groups of their own, shown last.
    assert ETHNIC_GROUP_ORDER[-2:] == ("Not stated", "Not known")


@pytest.mark.parametrize("raw", ["a", " A", "A ", "  a  ", "\tA\n"])
def test_codes_in_any_case_with_surrounding_spaces(raw: str) -> None:
    assert _code_of(raw) == "A"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("A - White British", "A"),  # code then its own label
        ("H: Indian", "H"),
        ("z not stated", "Z"),
        ("99 Not known", "99"),
        ("A - Pakistani", None),  # code and label disagree: not guessed
        ("J - White - British", None),
    ],
)
def test_code_followed_by_label_only_when_they_agree(raw: str, code: str | None) -> None:
    assert _code_of(raw) == code


# --- census 2021 and 2011 labels ----------------------------------------------------------------

# ONS 2021 census ethnic group classification (19 categories, England and Wales), with the
# nearest NHS 2001 code: the choices are written down in equalqi.demographics.ethnicity.
CENSUS_2021 = [
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "K"),
    ("Asian, Asian British or Asian Welsh: Chinese", "R"),
    ("Asian, Asian British or Asian Welsh: Indian", "H"),
    ("Asian, Asian British or Asian Welsh: Pakistani", "J"),
    ("Asian, Asian British or Asian Welsh: Other Asian", "L"),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "N"),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "M"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "P"),
    ("Mixed or Multiple ethnic groups: White and Asian", "F"),
    ("Mixed or Multiple ethnic groups: White and Black African", "E"),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "D"),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "G"),
    ("White: English, Welsh, Scottish, Northern Irish or British", "A"),
    ("White: Irish", "B"),
    ("White: Gypsy or Irish Traveller", "C"),
    ("White: Roma", "C"),
    ("White: Other White", "C"),
    ("Other ethnic group: Arab", "S"),
    ("Other ethnic group: Any other ethnic group", "S"),
]

# ONS 2011 census ethnic group (18 categories).
CENSUS_2011 = [
    ("White: English/Welsh/Scottish/Northern Irish/British", "A"),
    ("White: Irish", "B"),
    ("White: Gypsy or Irish Traveller", "C"),
    ("White: Other White", "C"),
    ("Mixed/multiple ethnic groups: White and Black Caribbean", "D"),
    ("Mixed/multiple ethnic groups: White and Black African", "E"),
    ("Mixed/multiple ethnic groups: White and Asian", "F"),
    ("Mixed/multiple ethnic groups: Other Mixed", "G"),
    ("Asian/Asian British: Indian", "H"),
    ("Asian/Asian British: Pakistani", "J"),
    ("Asian/Asian British: Bangladeshi", "K"),
    ("Asian/Asian British: Chinese", "R"),
    ("Asian/Asian British: Other Asian", "L"),
    ("Black/African/Caribbean/Black British: African", "N"),
    ("Black/African/Caribbean/Black British: Caribbean", "M"),
    ("Black/African/Caribbean/Black British: Other Black", "P"),
    ("Other ethnic group: Arab", "S"),
    ("Other ethnic group: Any other ethnic group", "S"),
]


def test_census_2021_has_19_categories_and_each_maps_to_its_code() -> None:
    assert len(CENSUS_2021) == 19
    table = classify_ethnicity([label for label, _ in CENSUS_2021]).set_index("raw")
    for label, code in CENSUS_2021:
        assert table.loc[label, "code"] == code, label
        assert table.loc[label, "group"] == ETHNIC_CATEGORIES[code][1]


def test_census_2011_categories_map_to_their_codes() -> None:
    table = classify_ethnicity([label for label, _ in CENSUS_2011]).set_index("raw")
    for label, code in CENSUS_2011:
        assert table.loc[label, "code"] == code, label


def test_chinese_follows_the_nhs_2001_group_not_the_2021_census_group() -> None:
    # 2021 puts Chinese under Asian; the NHS 2001 list (code R) under Other Ethnic Groups.
    table = classify_ethnicity(["Asian, Asian British or Asian Welsh: Chinese", "Chinese"])
    assert set(table["group"]) == {"Other Ethnic Groups"}


# --- free text ------------------------------------------------------------------------------------

FREE_TEXT = [
    ("white british", "A"),
    ("White British", "A"),
    ("british", "A"),
    ("English", "A"),
    ("Welsh", "A"),
    ("irish", "B"),
    ("White Irish", "B"),
    ("white other", "C"),
    ("Gypsy/Irish Traveller", "C"),
    ("Roma", "C"),
    ("pakistani", "J"),
    ("Indian", "H"),
    ("bangladeshi", "K"),
    ("other asian", "L"),
    ("black african", "N"),
    ("Black Caribbean", "M"),
    ("black other", "P"),
    ("chinese", "R"),
    ("arab", "S"),
    ("mixed", "G"),
    ("White & Asian", "F"),
    ("white and black caribbean", "D"),
    ("any other ethnic group", "S"),
    ("not stated", "Z"),
    ("Not Stated", "Z"),
    ("declined", "Z"),
    ("refused", "Z"),
    ("prefer not to say", "Z"),
    ("Prefer not to say", "Z"),
    ("unknown", "99"),
    ("not known", "99"),
    ("NULL", "99"),
    ("", "99"),
    ("   ", "99"),
    ("99", "99"),
    ("9", "99"),
    ("X", "99"),
]


@pytest.mark.parametrize(("raw", "code"), FREE_TEXT)
def test_free_text(raw: str, code: str) -> None:
    assert _code_of(raw) == code


def test_not_stated_and_not_known_are_kept_apart() -> None:
    table = classify_ethnicity(["declined", "unknown", None])
    assert list(table["group"]) == ["Not stated", "Not known", "Not known"]
    assert list(table["code"]) == ["Z", "99", "99"]
    assert table["recognised"].all()


def test_numbers_from_a_spreadsheet_are_read_as_codes() -> None:
    table = classify_ethnicity([99, 99.0, np.int64(99)])
    # 99 and np.int64(99) are the same text "99"; 99.0 keeps its own raw text.
    assert list(table["raw"]) == ["99", "99.0"]
    assert list(table["code"]) == ["99", "99"]


# --- missing and unrecognised ---------------------------------------------------------------------


def test_every_kind_of_missing_is_one_not_known_row_with_raw_none() -> None:
    table = classify_ethnicity([None, np.nan, pd.NA, float("nan"), "A"])
    assert len(table) == 2
    missing = table[table["raw"].isna()]
    assert len(missing) == 1
    assert missing.iloc[0]["raw"] is None
    assert missing.iloc[0]["code"] == "99"
    assert missing.iloc[0]["category"] == "Not known"


@pytest.mark.parametrize("raw", ["Klingon", "Martian", "0", "1", "White Pakistani Chinese", "Q"])
def test_unrecognised_values_are_flagged_not_guessed(raw: str) -> None:
    table = classify_ethnicity([raw, "A"])
    row = table.iloc[0]
    assert row["raw"] == raw
    assert not row["recognised"]
    assert row["code"] is None and row["category"] is None and row["group"] is None
    assert unrecognised_ethnicity(table) == [raw]


def test_one_row_per_distinct_raw_value_in_first_appearance_order() -> None:
    raw = ["B", "A", "B", " a", "A", None, "declined", None, "B"]
    table = classify_ethnicity(raw)
    assert list(table["raw"]) == ["B", "A", " a", None, "declined"]
    assert list(table.columns) == ["raw", "code", "category", "group", "recognised"]


def test_mapping_joins_back_onto_every_row() -> None:
    # The engine's use: classify the distinct values, join on raw; every row finds its code.
    rng = np.random.default_rng(20240601)
    pool = np.array(["A", "b", "White British", "Pakistani", "declined", "", "Klingon"])
    rows = pd.Series(rng.choice(pool, size=5000), name="raw")
    table = classify_ethnicity(rows)
    joined = rows.to_frame().merge(table, on="raw", how="left", validate="many_to_one")
    assert len(joined) == len(rows)
    assert joined["recognised"].notna().all()
    counts = joined.groupby("code", dropna=False).size()
    assert counts.sum() == 5000


def test_accepts_series_arrays_and_generators() -> None:
    values = ["A", "J", None]
    expected = classify_ethnicity(values)
    for form in (
        pd.Series(values, dtype=object),
        pd.Series(values, dtype="string"),
        np.array(values, dtype=object),
        (v for v in values),
    ):
        got = classify_ethnicity(form)
        assert list(got["code"]) == list(expected["code"])


# --- properties -----------------------------------------------------------------------------------

LABELS = (
    [label for label, _ in CENSUS_2021] + [raw for raw, _ in FREE_TEXT] + list(ETHNIC_CODE_ORDER)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LABELS), st.text(max_size=12), st.none()), max_size=30))
def test_output_is_consistent_with_the_code_list(raw: list[str | None]) -> None:
    table = classify_ethnicity(raw)
    assert table["raw"].is_unique or table["raw"].isna().sum() <= 1
    assert (table["recognised"] == table["code"].notna()).all()
    for row in table.itertuples(index=False):
        if row.recognised:
            assert ETHNIC_CATEGORIES[row.code] == (row.category, row.group)
        else:
            assert row.category is None and row.group is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(LABELS), st.sampled_from(["", " ", "  "]), st.booleans())
def test_case_and_surrounding_space_do_not_change_the_code(
    label: str, pad: str, upper: bool
) -> None:
    variant = pad + (label.upper() if upper else label.lower()) + pad
    assert _code_of(variant) == _code_of(label)
