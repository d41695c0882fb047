"""write_parquet: the same rows as generate, one row group per chunk, bounded memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from equalqi.errors import InputError
from equalqi.synthetic import generate, generate_table, read_truth_metadata, write_parquet


def _read(path: Path) -> pa.Table:
    return pq.read_table(path).replace_schema_metadata(None)


@pytest.mark.parametrize("name", ["dna_sms", "screening_outreach", "no_change"])
def test_small_chunks_write_exactly_the_rows_generate_gives(tmp_path: Path, name: str) -> None:
    n, chunk = 25_003, 4_000
    path = tmp_path / f"{name}.parquet"
    calls: list[tuple[int, int]] = []
    truth = write_parquet(
        name, path, n, seed=31, chunk_rows=chunk, progress=lambda d, t: calls.append((d, t))
    )
    expected, expected_truth = generate_table(name, n, seed=31)
    assert _read(path).equals(expected)
    assert truth.to_dict() == expected_truth.to_dict()
    # ceil(25,003 / 4,000) = 7 chunks: six of 4,000 and one of 1,003, one row group each.
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == n
    assert meta.num_row_groups == 7
    assert [meta.row_group(i).num_rows for i in range(7)] == [4_000] * 6 + [1_003]
    assert calls == [(4_000 * (i + 1), n) for i in range(6)] + [(n, n)]


def test_parquet_schema_has_date32_and_the_truth_in_metadata(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    truth = write_parquet("no_change", path, 1_000, seed=4)
    schema = pq.read_schema(path)
    assert schema.field("event_date").type == pa.date32()
    assert schema.field("length_of_stay").type == pa.float64()
    assert schema.field("on_time").type == pa.int8()
    meta = read_truth_metadata(path)
    assert meta["scenario"] == "no_change" and meta["seed"] == 4 and meta["n_rows"] == 1_000
    assert meta["truth"] == json.loads(json.dumps(truth.to_dict()))


def test_pandas_frame_round_trips_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    write_parquet("dna_sms", path, 3_000, seed=8, chunk_rows=1_000)
    frame, _ = generate("dna_sms", 3_000, seed=8)
    back = pq.read_table(path).to_pandas(date_as_object=False)
    assert back.equals(frame)


def _peak_arrow_bytes(path: Path, n: int, chunk: int) -> int:
    """Most Arrow memory in use (above what was in use before) at any progress call."""
    base = pa.total_allocated_bytes()
    peak = [0]

    def watch(done: int, total: int) -> None:
        peak[0] = max(peak[0], pa.total_allocated_bytes() - base)

    write_parquet("dna_sms", path, n, seed=2, chunk_rows=chunk, progress=watch)
    return peak[0]


def test_memory_is_bounded_by_the_chunk_not_the_file(tmp_path: Path) -> None:
    # Writing four times as many rows in chunks of 20,000 needs no more Arrow memory: only
    # one chunk (and one 65,536-row block) is alive at a time. The whole 800,000-row table
    # would be four times the size of the 200,000-row one.
    chunk = 20_000
    whole_200k, _ = generate_table("dna_sms", 200_000, seed=2)
    whole_800k_bytes = 4 * whole_200k.nbytes
    del whole_200k
    small = _peak_arrow_bytes(tmp_path / "a.parquet", 200_000, chunk)
    large = _peak_arrow_bytes(tmp_path / "b.parquet", 800_000, chunk)
    assert 0 < large < 1.25 * small
    assert large < whole_800k_bytes / 5


def test_zero_rows_writes_an_empty_file_with_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    write_parquet("screening_outreach", path, 0)
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert "screened" in table.column_names


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_parquet("dna_sms", path, 5_000, chunk_rows=1_000, progress=stop)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_as_the_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        write_parquet("dna_sms", tmp_path, 10)
    assert err.value.problems[0].file == str(tmp_path)


@pytest.mark.parametrize("chunk_rows", [0, -5, 2.5, True])
def test_bad_chunk_size_is_an_input_error(tmp_path: Path, chunk_rows: Any) -> None:
    with pytest.raises(InputError) as err:
        write_parquet("dna_sms", tmp_path / "x.parquet", 10, chunk_rows=chunk_rows)
    assert err.value.problems[0].value == repr(chunk_rows)
    assert not (tmp_path / "x.parquet").exists()
