"""The pure entry points: the truth of a scenario, its rows as tables or as one frame."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa

from equalqi.synthetic.expected import Truth, compute_truth
from equalqi.synthetic.generate import Sampler, to_pandas
from equalqi.synthetic.model import compile_scenario
from equalqi.synthetic.validate import (
    check_chunk_rows,
    check_lsoa_deciles,
    check_n_rows,
    check_scenario,
    check_seed,
)


def sampler_and_truth(
    name: str, seed: int, lsoa_deciles: pd.DataFrame | None, with_truth: bool
) -> tuple[Sampler, Truth]:
    """Validate the arguments, compile the scenario once and return its sampler and truth."""
    scenario = check_scenario(name)
    model = compile_scenario(scenario, check_seed(seed))
    pool = None if lsoa_deciles is None else check_lsoa_deciles(lsoa_deciles)
    return Sampler(model, pool, bool(with_truth)), compute_truth(model)


def truth(name: str, seed: int = 2024) -> Truth:
    """The analytic truth of scenario ``name`` for ``seed`` (it does not depend on n_rows)."""
    return compute_truth(compile_scenario(check_scenario(name), check_seed(seed)))


def iter_tables(
    name: str,
    n_rows: int,
    seed: int = 2024,
    *,
    chunk_rows: int = 1_000_000,
    lsoa_deciles: pd.DataFrame | None = None,
    with_truth: bool = False,
) -> Iterator[pa.Table]:
    """The rows of :func:`generate` as Arrow tables of at most ``chunk_rows`` rows each."""
    n = check_n_rows(n_rows)
    chunk = check_chunk_rows(chunk_rows)
    sampler, _ = sampler_and_truth(name, seed, lsoa_deciles, with_truth)
    return sampler.chunks(n, chunk)


def generate_table(
    name: str,
    n_rows: int,
    seed: int = 2024,
    *,
    lsoa_deciles: pd.DataFrame | None = None,
    with_truth: bool = False,
) -> tuple[pa.Table, Truth]:
    """Like :func:`generate` but returns the Arrow table (event_date as date32)."""
    n = check_n_rows(n_rows)
    sampler, result = sampler_and_truth(name, seed, lsoa_deciles, with_truth)
    tables = list(sampler.chunks(n, max(n, 1)))
    table = tables[0] if tables else sampler.schema.empty_table()
    return table.combine_chunks(), result


def generate(
    name: str,
    n_rows: int,
    seed: int = 2024,
    *,
    lsoa_deciles: pd.DataFrame | None = None,
    with_truth: bool = False,
) -> tuple[pd.DataFrame, Truth]:
    """``n_rows`` patient-level rows of scenario ``name`` and the scenario's analytic truth.

    Same seed, same rows. Columns: event_date (datetime64, midnight), site, imd_decile
    (int8, 1 = most deprived), lsoa_code (only when ``lsoa_deciles`` is given),
    ethnic_category, age (int16), sex, main_language_english (bool), then the outcome
    column(s): 0/1 int8 for proportions, float for means. ``with_truth=True`` adds each row's
    true expected value (``true_<outcome>``) and its ethnic code before free text was
    injected (``true_ethnic_category``).
    """
    table, result = generate_table(
        name, n_rows, seed, lsoa_deciles=lsoa_deciles, with_truth=with_truth
    )
    return to_pandas(table), result


__all__ = ["generate", "generate_table", "iter_tables", "sampler_and_truth", "truth"]
