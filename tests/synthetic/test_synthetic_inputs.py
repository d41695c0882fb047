"""Injected free-text ethnicity, LSOA codes from an IMD table, and bad arguments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.synthetic import ETHNIC_CODES, ETHNICITY_FREE_TEXT, Truth, generate

N_ROWS = 200_000


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, Truth]:
    return generate("screening_outreach", N_ROWS, seed=17, with_truth=True)


def test_injected_values_are_exactly_those_recorded(sample: tuple[pd.DataFrame, Truth]) -> None:
    frame, truth = sample
    raw = frame["ethnic_category"]
    code = frame["true_ethnic_category"]
    injected = ~raw.isin(ETHNIC_CODES)
    # Every non-code value is one Truth records, standing for the row's real code ...
    assert set(raw[injected]) <= set(truth.injected_ethnicity)
    assert (raw[injected].map(truth.injected_ethnicity) == code[injected]).all()
    # ... and every other row shows its real code unchanged.
    assert (raw[~injected] == code[~injected]).all()


def test_injection_rate_is_half_a_percent(sample: tuple[pd.DataFrame, Truth]) -> None:
    frame, truth = sample
    assert truth.injection_rate == 0.005
    share = (~frame["ethnic_category"].isin(ETHNIC_CODES)).mean()
    se = np.sqrt(0.005 * 0.995 / N_ROWS)  # 0.00016
    assert abs(share - 0.005) < 4.5 * se


def test_common_variants_all_appear(sample: tuple[pd.DataFrame, Truth]) -> None:
    # Expected count of each variant of A: 200,000 x 0.005 x P(A) (~0.53) / 5 = ~106;
    # of J: x 0.073 / 4 = ~18; of Z: x 0.06 / 3 = 20. All should appear.
    frame, truth = sample
    seen = set(frame["ethnic_category"])
    for code in ("A", "J", "Z"):
        for value in ETHNICITY_FREE_TEXT[code]:
            assert value in seen, value
            assert truth.injected_ethnicity[value] == code


def test_recorded_variants_include_census_text_and_lower_case() -> None:
    variants = {v: c for c, vs in ETHNICITY_FREE_TEXT.items() for v in vs}
    assert variants["white british"] == "A"
    assert variants["Pakistani"] == "J"
    assert variants["a"] == "A"
    assert variants["Asian, Asian British or Asian Welsh: Bangladeshi"] == "K"
    assert variants["White: Roma"] == "C"  # 2021 census: Roma is an "other White" group
    assert not set(variants) & set(ETHNIC_CODES)  # a variant is never itself a code


def _imd_table(n_per_decile: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    deciles = np.repeat(np.arange(1, 11), n_per_decile)
    codes = [f"E0100{i:04d}" for i in range(deciles.size)]
    order = rng.permutation(deciles.size)  # unsorted, as an IMD file is
    return pd.DataFrame({"lsoa_code": np.array(codes)[order], "imd_decile": deciles[order]})


def test_lsoa_join_recovers_the_decile() -> None:
    imd = _imd_table()
    frame, _ = generate("dna_sms", 40_000, seed=3, lsoa_deciles=imd)
    assert list(frame.columns)[3] == "lsoa_code"
    joined = frame.merge(imd, on="lsoa_code", how="left", suffixes=("", "_imd"))
    assert joined["imd_decile_imd"].notna().all()
    assert (joined["imd_decile"] == joined["imd_decile_imd"]).all()
    # Decile 1 has ~6,000 rows over 30 LSOAs (~200 each): every LSOA is used.
    assert frame.loc[frame["imd_decile"] == 1, "lsoa_code"].nunique() == 30


def test_lsoa_choice_does_not_depend_on_table_order() -> None:
    imd = _imd_table()
    a, _ = generate("dna_sms", 2_000, seed=3, lsoa_deciles=imd)
    b, _ = generate("dna_sms", 2_000, seed=3, lsoa_deciles=imd.iloc[::-1])
    pd.testing.assert_frame_equal(a, b)


def test_lsoa_table_missing_a_decile_is_an_input_error() -> None:
    imd = _imd_table()
    imd = imd[imd["imd_decile"] != 10]
    with pytest.raises(InputError) as err:
        generate("dna_sms", 10, lsoa_deciles=imd)
    (problem,) = err.value.problems
    assert problem.column == "imd_decile" and problem.value == "10"


def test_lsoa_table_bad_values_name_row_column_and_value() -> None:
    imd = _imd_table().astype({"imd_decile": object})
    imd.loc[imd.index[4], "imd_decile"] = "eleven"
    imd.loc[imd.index[7], "imd_decile"] = 0
    imd.loc[imd.index[9], "lsoa_code"] = None
    with pytest.raises(InputError) as err:
        generate("dna_sms", 10, lsoa_deciles=imd)
    found = {(p.row, p.column, p.value) for p in err.value.problems}
    # Row numbers as a spreadsheet shows them: header is row 1, the first data row is row 2.
    assert found == {(6, "imd_decile", "eleven"), (9, "imd_decile", "0"), (11, "lsoa_code", "")}


def test_lsoa_code_with_two_deciles_is_an_input_error() -> None:
    imd = pd.concat(
        [_imd_table(), pd.DataFrame({"lsoa_code": ["E01000000"], "imd_decile": [9]})],
        ignore_index=True,
    )
    # Code i of the table is in decile i // 30 + 1, so E01000000 is in decile 1 and now also 9.
    assert set(imd.loc[imd["lsoa_code"] == "E01000000", "imd_decile"]) == {1, 9}
    with pytest.raises(InputError) as err:
        generate("dna_sms", 10, lsoa_deciles=imd)
    assert {p.value for p in err.value.problems} == {"E01000000"}


def test_lsoa_table_without_the_columns_is_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        generate("dna_sms", 10, lsoa_deciles=pd.DataFrame({"LSOA": ["x"], "decile": [1]}))
    assert {p.column for p in err.value.problems} == {"lsoa_code", "imd_decile"}


def test_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        generate("dna", 10)
    (problem,) = err.value.problems
    assert problem.value == "'dna'"
    assert "dna_sms" in problem.fix and "no_change" in problem.fix


@pytest.mark.parametrize("n_rows", [-1, 1.5, "10", None, True])
def test_bad_row_count_is_an_input_error(n_rows: Any) -> None:
    with pytest.raises(InputError) as err:
        generate("dna_sms", n_rows)
    assert err.value.problems[0].value == repr(n_rows)


@pytest.mark.parametrize("seed", [-1, 2.0, "2024"])
def test_bad_seed_is_an_input_error(seed: Any) -> None:
    with pytest.raises(InputError):
        generate("dna_sms", 10, seed=seed)


def test_numpy_integers_are_accepted() -> None:
    n: Any = np.int64(50)
    seed: Any = np.int32(4)
    a, _ = generate("dna_sms", n, seed=seed)
    b, _ = generate("dna_sms", 50, seed=4)
    pd.testing.assert_frame_equal(a, b)


def test_every_injected_value_is_recognised_by_the_ethnicity_normaliser() -> None:
    # The free text exists to exercise equalqi.demographics; each value must classify to the
    # code Truth records for it (and each plain code to itself).
    from equalqi.demographics.ethnicity import classify_ethnicity

    expected = {v: c for c, vs in ETHNICITY_FREE_TEXT.items() for v in vs}
    expected.update({c: c for c in ETHNIC_CODES})
    mapping = classify_ethnicity(list(expected))
    assert dict(zip(mapping["raw"], mapping["code"], strict=True)) == expected
