"""The one-scan cube: raw codes recoded afterwards, the plan's window, sums for a mean.

Every expected value is counted by hand from the few rows written in each test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from equalqi.engine.aggregate import aggregate_cube
from equalqi.engine.connect import connect
from equalqi.engine.prepare import Prepared, Recode, prepare
from equalqi.engine.readers import open_records
from equalqi.errors import InputError
from equalqi.plan import parse_plan

PLAN = """
[measure]
kind = "proportion"
numerator = "dna"
improvement = "decrease"
[data]
date = "date"
ethnicity = "eth"
imd_decile = "decile"
sex = "sex"
[period]
unit = "month"
[[dimensions]]
kind = "ethnicity"
[[dimensions]]
kind = "column"
name = "Site"
column = "site"
"""


def _cube(
    tmp_path: Path, lines: list[str], plan: str = PLAN, name: str = "x.csv"
) -> tuple[Prepared, pd.DataFrame]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    prepared = prepare(open_records(path, con=connect()), parse_plan(plan))
    return prepared, aggregate_cube(prepared)


def test_raw_spellings_of_one_code_are_one_cell(tmp_path: Path) -> None:
    # ' a', 'A' and 'White British' are all NHS code A; with the same month, decile, sex
    # and site they must land in ONE cell: 3 records, 2 events. 'f' is code F (1 record).
    lines = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03, a ,1,1,1,North",
        "2024-01-09,A,1,0,1,North ",
        "2024-01-20,White British,1,1,1, North",
        "2024-01-21,f,1,0,1,North",
    ]
    _, cube = _cube(tmp_path, lines)
    assert len(cube) == 2
    a = cube[cube["ethnic_code"] == "A"].iloc[0]
    assert (a["n_records"], a["numerator"], a["denominator"]) == (3, 2.0, 3.0)
    assert a["site"] == "North"  # stripped, as a label
    assert cube["n_records"].sum() == 4


def test_window_counts_and_keeps_only_its_rows(tmp_path: Path) -> None:
    plan = PLAN.replace('unit = "month"', 'unit = "month"\nstart = 2024-01-10\nend = 2024-02-15')
    lines = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03,A,1,1,1,North",  # before the window
        "2024-01-10,A,1,1,1,North",  # first day: in
        "2024-02-15,A,1,0,1,North",  # last day: in
        "2024-02-16,A,1,1,1,North",  # after
        "2024-03-01,A,1,1,1,North",  # after
    ]
    prepared, cube = _cube(tmp_path, lines, plan)
    assert (prepared.n_rows, prepared.n_in_window) == (5, 2)
    assert any("3 records outside" in n for n in prepared.notes)
    # The first and last dates are those of the whole file, as before the window.
    assert (str(prepared.first_date), str(prepared.last_date)) == ("2024-01-03", "2024-03-01")
    assert cube["n_records"].tolist() == [1, 1]
    assert cube["numerator"].tolist() == [1.0, 0.0]
    assert [str(p.date()) for p in cube["period"]] == ["2024-01-01", "2024-02-01"]


def test_mean_carries_sum_and_sum_of_squares(tmp_path: Path) -> None:
    plan = PLAN.replace('kind = "proportion"', 'kind = "mean"').replace(
        'numerator = "dna"', 'numerator = "los"'
    )
    lines = [
        "date,eth,decile,los,sex,site",
        "2024-01-03,A,1,2.5,1,North",
        "2024-01-09,A,1,4,1,North",
        "2024-01-20,A,1,0.5,1,North",
    ]
    _, cube = _cube(tmp_path, lines, plan)
    row = cube.iloc[0]
    # 2.5 + 4 + 0.5 = 7; 6.25 + 16 + 0.25 = 22.5; one record each.
    assert (row["numerator"], row["numerator_sq"], row["denominator"]) == (7.0, 22.5, 3.0)


def test_boolean_dimension_labels(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]),
            "eth": ["A", "A", "A", "A"],
            "decile": [1, 1, 1, 1],
            "dna": [1, 0, 1, 1],
            "sex": ["1", "1", "1", "1"],
            "site": pd.array([True, False, None, True], dtype="boolean"),
        }
    )
    path = tmp_path / "flags.parquet"
    frame.to_parquet(path)
    prepared = prepare(open_records(path, con=connect()), parse_plan(PLAN))
    cube = aggregate_cube(prepared)
    got = dict(zip(cube["site"], cube["n_records"], strict=True))
    assert got == {"Yes": 2, "No": 1, "Not known": 1}


def test_recode_strips_whitespace_and_fills_blanks() -> None:
    raw = pd.Series([" North\t", "", None, "South"])
    assert Recode(default="Not known").apply(raw).tolist() == [
        "North",
        "Not known",
        "Not known",
        "South",
    ]
    mapped = Recode(default="99", mapping={" a": "A", "A": "A"}).apply(raw)
    assert mapped.tolist() == ["99", "99", "99", "99"]


def test_dimension_labels_from_the_cube_keys() -> None:
    """Each key maps to its published label; a missing or unknown key is 'Not known'."""
    from equalqi.plan import Dimension
    from equalqi.services.analysis.labels import dimension_labels

    cube = pd.DataFrame(
        {
            "imd_decile": [1.0, 2.0, 3.0, 10.0, None],
            "ethnic_code": ["A", "H", "N", "99", "Z"],
            "age_band": [0, 1, 5, -1, 2],
            "sex_code": ["1", "2", "9", "X", "?"],
        }
    )
    plan = parse_plan(PLAN)

    def labels(kind: str) -> list[str]:
        got, _order = dimension_labels(cube, Dimension(name=kind, kind=kind), plan)  # type: ignore[arg-type]
        return list(got)

    assert labels("imd_decile") == [
        "1 - most deprived", "2", "3", "10 - least deprived", "Not known"
    ]  # fmt: skip
    # Quintile = ceil(decile / 2): deciles 1 and 2 are quintile 1, 3 is quintile 2.
    assert labels("imd_quintile") == [
        "1 - most deprived", "1 - most deprived", "2", "5 - least deprived", "Not known"
    ]  # fmt: skip
    core20, rest = "Core20 - most deprived 20%", "Not Core20"
    assert labels("core20") == [core20, core20, rest, rest, "Not known"]
    # NHS Data Dictionary ETHNIC CATEGORY (2001 census groups): A White British, H Indian,
    # N African, 99 not known, Z not stated.
    assert labels("ethnicity") == [
        "White", "Asian or Asian British", "Black or Black British", "Not known", "Not stated"
    ]  # fmt: skip
    # nhs_broad bands: 0-17, 18-34, ..., 80+; band -1 is an age not given.
    assert labels("age_band") == ["0-17", "18-34", "80+", "Not known", "35-49"]
    assert labels("sex") == ["Male", "Female", "Indeterminate", "Not known", "Not known"]


def test_whole_number_deciles_are_checked_and_keyed_on_the_cube(tmp_path: Path) -> None:
    """An integer decile column is grouped as it is and checked on the cube's distinct
    values; an out-of-range value is still reported with its row, column and value (every
    other field here is valid, so only that check can find it), and blanks stay blank."""
    good = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03,A,1,1,1,North",
        "2024-01-09,A,,0,1,North",
        "2024-02-20,B,10,1,2,North",
    ]
    prepared, _ = _cube(tmp_path, good)
    assert sorted(prepared.cube["imd_decile"].dropna().tolist()) == [1.0, 10.0]
    assert prepared.cube["imd_decile"].isna().sum() == 1  # the blank: not known

    bad = [*good[:3], "2024-02-20,B,11,1,2,North", "2024-02-21,B,0,1,2,North"]
    with pytest.raises(InputError) as err:
        _cube(tmp_path, bad, name="bad.csv")
    found = {(p.row, p.column, p.value) for p in err.value.problems}
    assert found == {(4, "decile", "11"), (5, "decile", "0")}
    assert "2 rows in all" in str(err.value)


def test_published_quintiles_turned_on_the_cube(tmp_path: Path) -> None:
    # 5 = most deprived in the file: quintile 5 becomes key 1 (decile 1 of quintile 1),
    # quintile 1 becomes key 9 (decile 9 of quintile 5); 6 is out of range.
    plan = PLAN.replace('imd_decile = "decile"', 'imd_quintile = "decile"\nmost_deprived = 5')
    lines = [
        "date,eth,decile,dna,sex,site",
        "2024-01-03,A,5,1,1,North",
        "2024-01-09,A,1,0,1,North",
    ]
    prepared, _ = _cube(tmp_path, lines, plan)
    assert sorted(prepared.cube["imd_decile"].tolist()) == [1, 9]
    assert str(prepared.cube["imd_decile"].dtype) == "int8"
    with pytest.raises(InputError) as err:
        _cube(tmp_path, [*lines, "2024-01-10,A,6,0,1,North"], plan, name="bad.csv")
    assert {(p.row, p.column, p.value) for p in err.value.problems} == {(4, "decile", "6")}
