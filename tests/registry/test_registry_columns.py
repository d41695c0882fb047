"""Reading the header of each allowed file type (CSV, Parquet, Excel) and nothing else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from equalqi.errors import InputError
from equalqi.registry.datasets import check_type, read_columns, safe_name

FRAME = pd.DataFrame({"event_date": ["2024-01-01"], "dna": [1], "imd_decile": [3]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_columns_of_each_type(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    if suffix == ".csv":
        FRAME.to_csv(path, index=False)
    elif suffix == ".parquet":
        FRAME.to_parquet(path)
    else:
        FRAME.to_excel(path, index=False)
    assert read_columns(path) == ["event_date", "dna", "imd_decile"]
    assert check_type(path.name) == suffix


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffevent_date,dna\n2024-01-01,1\n".encode())
    assert read_columns(path) == ["event_date", "dna"]


def test_a_corrupt_parquet_file_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InputError) as info:
        read_columns(path)
    assert info.value.problems[0].file == "broken.parquet"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\\\data\\\\x.csv", "x.csv"),
        ("a<b>.csv", "a_b_.csv"),
        ("...", "upload"),
    ],
)
def test_safe_names(given: str, stored: str) -> None:
    assert safe_name(given) == stored
