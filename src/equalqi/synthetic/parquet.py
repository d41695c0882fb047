"""Write a synthetic scenario to Parquet in bounded memory (the one piece of I/O here).

Rows are produced ``chunk_rows`` at a time and each chunk is written as one row group with
:class:`pyarrow.parquet.ParquetWriter`, so 100 million rows need no more memory than one
chunk. The file is written under a temporary name next to the target and renamed into place
only when complete, so a failed or interrupted run never leaves a half-written file at
``path``. The scenario name, seed, row count and the analytic truth are stored in the file's
key-value metadata under ``equalqi.synthetic``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from equalqi.errors import InputError, Problem
from equalqi.synthetic.api import sampler_and_truth
from equalqi.synthetic.expected import Truth
from equalqi.synthetic.validate import check_chunk_rows, check_n_rows

METADATA_KEY = b"equalqi.synthetic"


def write_parquet(
    name: str,
    path: str | Path,
    n_rows: int,
    seed: int = 2024,
    *,
    chunk_rows: int = 1_000_000,
    lsoa_deciles: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    with_truth: bool = False,
    compression: str = "zstd",
) -> Truth:
    """Write ``n_rows`` rows of scenario ``name`` to ``path``; return the analytic truth.

    The rows are exactly those :func:`~equalqi.synthetic.generate` returns for the same
    arguments, whatever ``chunk_rows`` is; each chunk becomes one row group.
    ``progress(rows_written, n_rows)`` is called after every chunk.
    """
    n = check_n_rows(n_rows)
    chunk = check_chunk_rows(chunk_rows)
    sampler, truth = sampler_and_truth(name, seed, lsoa_deciles, with_truth)
    target = Path(path)
    if target.exists() and target.is_dir():
        raise InputError(
            Problem(
                what="The output path is a folder",
                fix="Give a file name ending in .parquet.",
                file=str(target),
            )
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    meta = {
        "scenario": truth.scenario,
        "seed": truth.seed,
        "n_rows": n,
        "truth": truth.to_dict(),
    }
    schema = sampler.schema.with_metadata({METADATA_KEY: json.dumps(meta).encode("utf-8")})
    try:
        with pq.ParquetWriter(partial, schema, compression=compression) as writer:
            done = 0
            for table in sampler.chunks(n, chunk):
                writer.write_table(table.replace_schema_metadata(schema.metadata), chunk)
                done += table.num_rows
                if progress is not None:
                    progress(done, n)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return truth


def read_truth_metadata(path: str | Path) -> dict[str, object]:
    """The scenario, seed, row count and truth stored in a file written by write_parquet."""
    meta = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in meta:
        raise InputError(
            Problem(
                what="This Parquet file was not written by equalqi.synthetic",
                fix="Use a file made by write_parquet (or `equalqi demo`).",
                file=str(path),
            )
        )
    out: dict[str, object] = json.loads(meta[METADATA_KEY])
    return out
