"""Same seed, same rows; chunking and optional columns never change the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from equalqi.synthetic import SCENARIOS, generate, generate_table, iter_tables, truth
from equalqi.synthetic.generate import BLOCK_ROWS


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_seed_gives_identical_frame(name: str) -> None:
    a, ta = generate(name, 5_000, seed=11)
    b, tb = generate(name, 5_000, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert ta.to_dict() == tb.to_dict()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_different_seed_gives_different_rows_and_month_noise(name: str) -> None:
    a, ta = generate(name, 5_000, seed=11)
    b, tb = generate(name, 5_000, seed=12)
    # Each of these columns takes many values, so agreement on every row is (nearly) impossible.
    for column in ("event_date", "age", "imd_decile"):
        assert (a[column] != b[column]).mean() > 0.5
    assert ta.month_effects != tb.month_effects


def test_scenarios_with_one_seed_are_not_copies_of_each_other() -> None:
    a, _ = generate("dna_sms", 2_000, seed=1)
    b, _ = generate("no_change", 2_000, seed=1)
    assert (a["event_date"] != b["event_date"]).mean() > 0.5


def test_fewer_rows_is_a_prefix_of_more_rows() -> None:
    # Crosses a block boundary (BLOCK_ROWS = 65,536) on purpose.
    small, _ = generate("screening_outreach", 1_234, seed=3)
    large, _ = generate("screening_outreach", BLOCK_ROWS + 10, seed=3)
    pd.testing.assert_frame_equal(small, large.iloc[:1_234])


@pytest.mark.parametrize("chunk_rows", [1, 997, BLOCK_ROWS, BLOCK_ROWS + 1, 10**6])
def test_chunk_size_does_not_change_the_rows(chunk_rows: int) -> None:
    n = BLOCK_ROWS + 3_000 if chunk_rows > 1 else 2_500
    whole, _ = generate_table("dna_sms", n, seed=5)
    chunks = list(iter_tables("dna_sms", n, seed=5, chunk_rows=chunk_rows))
    assert [len(c) for c in chunks[:-1]] == [chunk_rows] * (len(chunks) - 1)
    assert len(chunks) == -(-n // chunk_rows)  # ceil(n / chunk_rows)
    assert pa.concat_tables(chunks).equals(whole)


def test_lsoa_and_truth_columns_leave_the_other_columns_unchanged() -> None:
    lsoa = pd.DataFrame(
        {"lsoa_code": [f"E01{i:06d}" for i in range(50)], "imd_decile": np.arange(50) % 10 + 1}
    )
    plain, _ = generate("dna_sms", 3_000, seed=9)
    extra, _ = generate("dna_sms", 3_000, seed=9, lsoa_deciles=lsoa, with_truth=True)
    pd.testing.assert_frame_equal(plain, extra[plain.columns])
    assert set(extra.columns) - set(plain.columns) == {
        "lsoa_code",
        "true_dna",
        "true_ethnic_category",
    }


def test_truth_does_not_depend_on_the_number_of_rows() -> None:
    _, t_small = generate("no_change", 10, seed=21)
    _, t_large = generate("no_change", 20_000, seed=21)
    assert t_small.to_dict() == t_large.to_dict() == truth("no_change", 21).to_dict()


def test_zero_rows_gives_an_empty_frame_with_the_schema() -> None:
    empty, _ = generate("dna_sms", 0)
    some, _ = generate("dna_sms", 10)
    assert len(empty) == 0
    assert list(empty.columns) == list(some.columns)
    assert list(empty.dtypes) == list(some.dtypes)
