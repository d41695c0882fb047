"""Bad input: every problem names the file, row, column and value, and nothing is produced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from equalqi.engine.aggregate import aggregate_cube
from equalqi.engine.connect import connect
from equalqi.engine.prepare import prepare
from equalqi.engine.readers import open_records
from equalqi.errors import InputError
from equalqi.plan import parse_plan

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "reference"

PLAN = """
[measure]
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "date"
ethnicity = "eth"
imd_decile = "decile"
[[dimensions]]
kind = "imd_quintile"
[[dimensions]]
kind = "ethnicity"
"""

GOOD_ROWS = [
    "date,eth,decile,dna",
    "2024-01-03,A,1,1",
    "2024-01-09,H,2,0",
    "2024-02-01,Z,10,0",
    "2024-02-11,,9,1",
]


def _write(tmp_path: Path, lines: list[str], name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _prepare(path: Path, plan_text: str = PLAN, reference: pd.DataFrame | None = None):
    con = connect()
    records = open_records(path, con=con)
    return prepare(records, parse_plan(plan_text), reference=reference)


def _records(prepared) -> pd.DataFrame:
    """The cube expanded back to one row per record (for checks stated per record)."""
    cube = aggregate_cube(prepared)
    return cube.loc[cube.index.repeat(cube["n_records"].astype(int))].reset_index(drop=True)


def _problem(exc: pytest.ExceptionInfo[InputError]):
    assert exc.value.problems, "an InputError carries at least one problem"
    return exc.value.problems[0]


def test_good_file_counts_every_row(tmp_path: Path) -> None:
    prepared = _prepare(_write(tmp_path, GOOD_ROWS))
    assert prepared.n_rows == 4
    frame = _records(prepared)
    # Blank ethnicity is kept as 'not known' (99), 'Z' as not stated: never dropped.
    assert sorted(frame["ethnic_code"]) == ["99", "A", "H", "Z"]
    assert aggregate_cube(prepared)["numerator"].sum() == 2


def test_missing_column_suggests_the_nearest(tmp_path: Path) -> None:
    lines = [GOOD_ROWS[0].replace("decile", "imd_decil"), *GOOD_ROWS[1:]]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    p = _problem(exc)
    assert p.column == "decile"
    assert p.file == "extract.csv"
    assert "imd_decil" in p.fix


def test_unknown_ethnicity_code_names_row_and_value(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS, "2024-02-12,Q7,3,0"]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    p = _problem(exc)
    # The bad value is on the 6th line of the file (header is row 1).
    assert (p.row, p.column, p.value) == (6, "eth", "Q7")
    assert "unknown_codes" in p.fix


def test_unknown_codes_can_be_counted_as_not_known(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS, "2024-02-12,Q7,3,0"]
    plan = PLAN.replace(
        'imd_decile = "decile"', 'imd_decile = "decile"\nunknown_codes = "not_known"'
    )
    prepared = _prepare(_write(tmp_path, lines), plan)
    assert sorted(_records(prepared)["ethnic_code"]) == ["99", "99", "A", "H", "Z"]


def test_non_date_period(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS[:2], "March 2024,A,1,1", *GOOD_ROWS[2:]]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    p = _problem(exc)
    assert (p.row, p.column, p.value) == (3, "date", "March 2024")
    assert "YYYY-MM-DD" in p.fix


def test_day_first_dates_are_detected(tmp_path: Path) -> None:
    lines = ["date,eth,decile,dna", "03/01/2024,A,1,1", "25/02/2024,A,1,0"]
    prepared = _prepare(_write(tmp_path, lines))
    assert str(prepared.first_date) == "2024-01-03"
    assert str(prepared.last_date) == "2024-02-25"


def test_zero_denominator_is_left_out_with_a_note(tmp_path: Path) -> None:
    """Issue 19: a zero denominator (an empty group in published data) is not fatal."""
    plan = PLAN.replace('numerator = "dna"', 'numerator = "dna"\ndenominator = "n"')
    lines = ["date,eth,decile,dna,n", "2024-01-01,A,1,3,10", "2024-02-01,A,1,0,0"]
    prepared = _prepare(_write(tmp_path, lines), plan)
    assert prepared.n_rows == 2 and prepared.n_in_window == 1
    assert "1 row with a zero denominator (n, first at row 3) was left out" in " ".join(
        prepared.notes
    )
    assert prepared.cube["denominator"].sum() == 10


def test_proportion_numerator_must_be_zero_or_one(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS, "2024-02-12,A,3,2"]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    assert (_problem(exc).row, _problem(exc).value) == (6, "2")


def test_decile_out_of_range(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS, "2024-02-12,A,11,0"]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    assert (_problem(exc).row, _problem(exc).column, _problem(exc).value) == (6, "decile", "11")


def test_several_problems_reported_together(tmp_path: Path) -> None:
    lines = [*GOOD_ROWS, "not a date,A,11,0"]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    columns = {p.column for p in exc.value.problems}
    assert columns == {"date", "decile"}


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        _prepare(path)


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no data rows"):
        _prepare(_write(tmp_path, GOOD_ROWS[:1]))


def test_wrong_delimiter(tmp_path: Path) -> None:
    lines = [line.replace(",", ";") for line in GOOD_ROWS]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines))
    p = _problem(exc)
    assert p.row == 1
    assert "semicolons" in p.what


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "extract.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="cannot be read"):
        _prepare(path)


def test_lsoa_not_in_reference(tmp_path: Path) -> None:
    reference = pd.read_csv(REFERENCE / "imd2019_england_lsoa11.csv")
    known = reference.iloc[0]
    plan = PLAN.replace('imd_decile = "decile"', 'lsoa = "lsoa"')
    lines = ["date,eth,lsoa,dna", f"2024-01-01,A,{known.lsoa_code},1", "2024-01-02,A,E01999999,0"]
    with pytest.raises(InputError) as exc:
        _prepare(_write(tmp_path, lines), plan, reference=reference)
    p = _problem(exc)
    assert (p.row, p.column, p.value) == (3, "lsoa", "E01999999")


def test_lsoa_joined_to_its_decile(tmp_path: Path) -> None:
    reference = pd.read_csv(REFERENCE / "imd2019_england_lsoa11.csv")
    picks = reference.iloc[[0, 100, 2000]]
    plan = PLAN.replace('imd_decile = "decile"', 'lsoa = "lsoa"')
    lines = ["date,eth,lsoa,dna"] + [f"2024-01-01,A,{c},1" for c in picks.lsoa_code]
    prepared = _prepare(_write(tmp_path, lines), plan, reference=reference)
    got = sorted(_records(prepared)["imd_decile"].astype(int))
    assert got == sorted(picks.imd_decile.astype(int))


def test_excel_and_parquet_read_the_same_records(tmp_path: Path) -> None:
    frame = pd.read_csv(_write(tmp_path, GOOD_ROWS), dtype=str)
    frame.to_excel(tmp_path / "extract.xlsx", index=False)
    frame.to_parquet(tmp_path / "extract.parquet")
    for name in ("extract.xlsx", "extract.parquet"):
        prepared = _prepare(tmp_path / name)
        assert prepared.n_rows == 4
        assert aggregate_cube(prepared)["numerator"].sum() == 2
