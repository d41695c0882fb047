"""Reference-data cache: import the shared and official-style files, validate, stay atomic."""

from __future__ import annotations

import csv
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from equalqi.errors import ReferenceDataError
from equalqi.services import reference
from equalqi.services.reference import (
    ReferenceInfo,
    default_cache_dir,
    import_reference,
    list_references,
    load_reference,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "reference"
IMD2019 = SHARED / "imd2019_england_lsoa11.csv"
IMD2025 = SHARED / "imd2025_england_lsoa21.csv"
WIMD2019 = SHARED / "wimd2019_wales_lsoa11.csv"

# Official header texts (MHCLG IoD 2019 File 1 and File 7; IoD 2025 File 7).
LSOA11 = "LSOA code (2011)"
LSOA21 = "LSOA code (2021)"
RANK_F1 = "Index of Multiple Deprivation (IMD) Rank"
DECILE_F1 = "Index of Multiple Deprivation (IMD) Decile"
SCORE = "Index of Multiple Deprivation (IMD) Score"
RANK_F7 = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
DECILE_F7 = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


@functools.cache
def _read_shared(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"lsoa_code": str})


def _shared(path: Path) -> pd.DataFrame:
    """A fresh copy of a shared file (read once per test session)."""
    return _read_shared(path).copy()


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the cache folder with its bytes (hidden temporary files included)."""
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _simple_rows(n: int = 40) -> list[list[object]]:
    frame = _shared(IMD2019).head(n)
    return frame[["lsoa_code", "imd_rank", "imd_decile"]].values.tolist()


SIMPLE_HEADER = ["lsoa_code", "imd_rank", "imd_decile"]


# --- the three shared files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "edition", "nation", "geography", "rows", "has_score"),
    [
        # Row counts from shared/data/reference/README.md.
        (IMD2019, "imd2019", "IoD2019", "England", "LSOA11", 32_844, False),
        (IMD2025, "imd2025", "IoD2025", "England", "LSOA21", 33_755, True),
        (WIMD2019, "wimd2019", "WIMD2019", "Wales", "LSOA11", 1_909, True),
    ],
)
def test_import_shared_files(
    tmp_path: Path,
    path: Path,
    name: str,
    edition: str,
    nation: str,
    geography: str,
    rows: int,
    has_score: bool,
) -> None:
    info = import_reference(path, cache_dir=tmp_path)
    assert (info.name, info.edition, info.nation, info.geography) == (
        name,
        edition,
        nation,
        geography,
    )
    assert info.n_areas == rows
    assert info.has_score == has_score
    assert info.path == tmp_path / f"{name}.parquet" and info.path.is_file()
    assert len(info.sha256) == 64
    table = load_reference(name, cache_dir=tmp_path)
    assert list(table.columns) == ["lsoa_code", "imd_rank", "imd_decile", "imd_score"]
    assert len(table) == rows
    assert table["lsoa_code"].is_unique
    # Every value survives the round trip (compare with the file read independently).
    source = _shared(path)
    source.columns = ["lsoa_code", "imd_rank", "imd_decile", *(["imd_score"] if has_score else [])]
    assert table["lsoa_code"].tolist() == source["lsoa_code"].tolist()
    assert np.array_equal(table["imd_rank"], source["imd_rank"])
    assert np.array_equal(table["imd_decile"], source["imd_decile"])
    if has_score:
        assert np.allclose(table["imd_score"], source["imd_score"])
    else:
        assert table["imd_score"].isna().all()


@pytest.mark.parametrize(
    ("path", "name", "code", "rank", "decile"),
    [
        # Spot checks read off the shared files (first rows; decile = ceil(10 * rank / N) by
        # hand: 29199 * 10 / 32844 = 8.89 -> 9; 14915 * 10 / 32844 = 4.54 -> 5).
        (IMD2019, "imd2019", "E01000001", 29199, 9),
        (IMD2019, "imd2019", "E01000003", 14915, 5),
        (IMD2025, "imd2025", "E01000002", 31203, 10),
        (IMD2025, "imd2025", "E01000005", 14807, 5),
        (WIMD2019, "wimd2019", "W01000001", 885, 5),
        (WIMD2019, "wimd2019", "W01000003", 550, 3),
    ],
)
def test_spot_check_deciles(
    tmp_path: Path, path: Path, name: str, code: str, rank: int, decile: int
) -> None:
    import_reference(path, cache_dir=tmp_path)
    table = load_reference(name, cache_dir=tmp_path).set_index("lsoa_code")
    assert table.loc[code, "imd_rank"] == rank
    assert table.loc[code, "imd_decile"] == decile


def test_list_references_and_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert list_references(tmp_path / "nothing-here") == []
    import_reference(WIMD2019, cache_dir=tmp_path)
    import_reference(IMD2019, cache_dir=tmp_path)
    infos = list_references(tmp_path)
    assert [i.name for i in infos] == ["imd2019", "wimd2019"]
    assert all(isinstance(i, ReferenceInfo) for i in infos)
    as_dict = infos[0].to_dict()
    assert as_dict["path"] == str(tmp_path / "imd2019.parquet")
    assert as_dict["source"] == str(IMD2019.resolve())
    monkeypatch.setenv("EQUALQI_HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / "reference"
    monkeypatch.delenv("EQUALQI_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "equalqi" / "reference"


def test_load_before_import_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as caught:
        load_reference("imd2019", cache_dir=tmp_path)
    (problem,) = caught.value.problems
    assert "equalqi reference import PATH --name imd2019" in problem.fix
    assert "english-indices-of-deprivation-2019" in problem.fix


def test_same_file_again_is_a_no_op_and_another_file_replaces(tmp_path: Path) -> None:
    small = _write_csv(tmp_path / "small.csv", SIMPLE_HEADER, _simple_rows(30))
    cache = tmp_path / "cache"
    first = import_reference(small, name="imd2019", cache_dir=cache)
    before = _snapshot(cache)
    mtime = first.path.stat().st_mtime_ns
    again = import_reference(small, name="imd2019", cache_dir=cache)
    assert again == first
    assert _snapshot(cache) == before and first.path.stat().st_mtime_ns == mtime
    bigger = _write_csv(tmp_path / "bigger.csv", SIMPLE_HEADER, _simple_rows(50))
    replaced = import_reference(bigger, name="imd2019", cache_dir=cache)
    assert replaced.n_areas == 50 and replaced.sha256 != first.sha256
    assert len(load_reference("imd2019", cache_dir=cache)) == 50
    assert [p.name for p in cache.iterdir()] == ["imd2019.parquet"]


# --- official-style files -------------------------------------------------------------------------


def _official_rows(source: pd.DataFrame, lad_year: str) -> pd.DataFrame:
    n = len(source)
    return pd.DataFrame(
        {
            "lsoa": source["lsoa_code"],
            "name": [f"Area {i}" for i in range(n)],
            "lad": [f"E0{6000001 + i % 300}" for i in range(n)],
            "lad_name": ["Somewhere"] * n,
        }
    ).rename(
        columns={
            "lad": f"Local Authority District code ({lad_year})",
            "lad_name": f"Local Authority District name ({lad_year})",
        }
    )


def test_iod2019_file1_xlsx_with_notes_sheet(tmp_path: Path) -> None:
    source = _shared(IMD2019).iloc[::700].reset_index(drop=True)  # 47 areas across England
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["English Indices of Deprivation 2019"])
    notes.append(["LSOA code (2011) is the 2011 census small area."])
    sheet = workbook.create_sheet("IMD2019")
    sheet.append(
        [
            LSOA11,
            "LSOA name (2011)",
            "Local Authority District code (2019)",
            "Local Authority District name (2019)",
            RANK_F1,
            DECILE_F1,
        ]
    )
    extra = _official_rows(source, "2019")
    for i, row in source.iterrows():
        sheet.append(
            [
                row["lsoa_code"],
                extra.iloc[i, 1],
                extra.iloc[i, 2],
                extra.iloc[i, 3],
                int(row["imd_rank"]),
                int(row["imd_decile"]),
            ]
        )
    path = tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    workbook.save(path)
    info = import_reference(path, cache_dir=tmp_path / "cache")
    assert (info.name, info.edition, info.geography, info.format) == (
        "imd2019",
        "IoD2019",
        "LSOA11",
        "iod_file1",
    )
    table = load_reference("imd2019", cache_dir=tmp_path / "cache")
    assert table["lsoa_code"].tolist() == source["lsoa_code"].tolist()
    assert table["imd_decile"].tolist() == source["imd_decile"].tolist()
    assert table["imd_rank"].tolist() == source["imd_rank"].tolist()


def test_iod2025_file7_csv(tmp_path: Path) -> None:
    source = _shared(IMD2025)
    frame = _official_rows(source, "2024").rename(
        columns={"lsoa": LSOA21, "name": "LSOA name (2021)"}
    )
    frame[SCORE] = source["imd_score"]
    frame[RANK_F7] = source["imd_rank"]
    frame[DECILE_F7] = source["imd_decile"]
    frame["Income Score (rate)"] = 0.1
    frame["Income Rank (where 1 is most deprived)"] = source["imd_rank"][::-1].to_numpy()
    path = tmp_path / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    frame.to_csv(path, index=False)
    info = import_reference(path, cache_dir=tmp_path / "cache")
    assert (info.name, info.edition, info.geography, info.format) == (
        "imd2025",
        "IoD2025",
        "LSOA21",
        "iod_file7",
    )
    assert info.n_areas == 33_755
    table = load_reference("imd2025", cache_dir=tmp_path / "cache")
    assert np.array_equal(table["imd_rank"], source["imd_rank"])  # not the income rank
    assert np.allclose(table["imd_score"], source["imd_score"])


def test_wimd2019_official_ranks_sheet_makes_deciles_from_ranks(tmp_path: Path) -> None:
    # The WIMD 2019 ranks workbook has title rows, a 'WIMD 2019 ' rank column (trailing space)
    # and no decile; the deciles made from the ranks must equal the published ones.
    source = _shared(WIMD2019)
    workbook = openpyxl.Workbook()
    contents = workbook.active
    contents.title = "Contents"
    contents.append(["Welsh Index of Multiple Deprivation 2019"])
    sheet = workbook.create_sheet("WIMD_2019_ranks")
    sheet.append(["WIMD 2019 index and domain ranks by small area"])
    sheet.append([None])
    sheet.append(
        ["LSOA code", "LSOA name (Eng)", "Local authority name (Eng)", "WIMD 2019 ", "Income"]
    )
    for code, rank in zip(source["lsoa_code"], source["wimd_rank"], strict=True):
        sheet.append([code, "Somewhere", "Cardiff", int(rank), int(rank)])
    path = tmp_path / "wimd-2019-index-and-domain-ranks-by-small-area.xlsx"
    workbook.save(path)
    info = import_reference(path, cache_dir=tmp_path / "cache")
    assert (info.name, info.nation, info.format, info.n_areas) == (
        "wimd2019",
        "Wales",
        "wimd_official",
        1_909,
    )
    assert not info.has_score
    table = load_reference("wimd2019", cache_dir=tmp_path / "cache")
    assert np.array_equal(table["imd_decile"], source["wimd_decile"])
    # By hand: 1,909 areas, decile 1 = ranks 1-191 (floor(10 * 190 / 1909) + 1 = 1).
    assert table["imd_decile"].value_counts().sort_index().tolist() == [191] * 9 + [190]


# --- URLs ----------------------------------------------------------------------------------------


def test_file_url(tmp_path: Path) -> None:
    small = _write_csv(tmp_path / "imd2019_subset.csv", SIMPLE_HEADER, _simple_rows(20))
    info = import_reference(small.as_uri(), cache_dir=tmp_path / "cache")
    assert info.source == small.as_uri()
    assert info.name == "imd2019" and info.n_areas == 20


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http_url_on_loopback(tmp_path: Path, loopback_server: tuple[str, Path]) -> None:
    base, folder = loopback_server
    _write_csv(
        folder / "wimd2019_part.csv",
        ["lsoa_code", "wimd_rank", "wimd_decile"],
        [
            ["W01000001", 885, 5],
            ["W01000002", 1324, 7],
        ],
    )
    url = f"{base}/wimd2019_part.csv"
    info = import_reference(url, cache_dir=tmp_path / "cache")
    assert (info.name, info.source, info.n_areas) == ("wimd2019", url, 2)
    with pytest.raises(ReferenceDataError) as caught:
        import_reference(f"{base}/missing.csv", cache_dir=tmp_path / "cache")
    assert "could not be downloaded" in caught.value.problems[0].what
    assert len(list_references(tmp_path / "cache")) == 1


# --- malformed files leave the cache unchanged ---------------------------------------------------


@pytest.fixture
def cache_with_imd2019(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    import_reference(
        _write_csv(tmp_path / "good.csv", SIMPLE_HEADER, _simple_rows(25)),
        name="imd2019",
        cache_dir=cache,
    )
    return cache


def _refused(path: Path, cache: Path, name: str | None = "imd2019") -> ReferenceDataError:
    before = _snapshot(cache)
    with pytest.raises(ReferenceDataError) as caught:
        import_reference(path, name=name, cache_dir=cache)
    assert _snapshot(cache) == before  # nothing written, nothing left behind
    assert load_reference("imd2019", cache_dir=cache)["imd_rank"].size == 25
    return caught.value


def test_missing_column(tmp_path: Path, cache_with_imd2019: Path) -> None:
    rows = [row[:2] for row in _simple_rows(5)]
    path = _write_csv(tmp_path / "no_decile.csv", ["lsoa_code", "imd_rank"], rows)
    error = _refused(path, cache_with_imd2019)
    (problem,) = error.problems
    assert problem.file == str(path)
    assert problem.column == "imd_decile"
    assert "missing" in problem.what


def test_duplicate_code(tmp_path: Path, cache_with_imd2019: Path) -> None:
    rows = _simple_rows(5)
    rows.append(list(rows[1]))  # row 7 in the file repeats row 3
    path = _write_csv(tmp_path / "dup.csv", SIMPLE_HEADER, rows)
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert (problem.row, problem.column, problem.value) == (7, "lsoa_code", rows[1][0])
    assert "more than once" in problem.what


def test_decile_11(tmp_path: Path, cache_with_imd2019: Path) -> None:
    rows = _simple_rows(5)
    rows[3][2] = 11  # data row 4 is spreadsheet row 5
    path = _write_csv(tmp_path / "decile.csv", SIMPLE_HEADER, rows)
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert (problem.row, problem.column, problem.value) == (5, "imd_decile", "11")
    assert problem.file == str(path)


def test_empty_file(tmp_path: Path, cache_with_imd2019: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert "empty" in problem.what


def test_header_but_no_rows(tmp_path: Path, cache_with_imd2019: Path) -> None:
    path = _write_csv(tmp_path / "header.csv", SIMPLE_HEADER, [])
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert "no data rows" in problem.what


def test_semicolons(tmp_path: Path, cache_with_imd2019: Path) -> None:
    path = tmp_path / "semi.csv"
    lines = [";".join(SIMPLE_HEADER)] + [";".join(map(str, r)) for r in _simple_rows(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert "semicolons" in problem.what and problem.row == 1


def test_rank_not_integer_and_bad_codes_all_reported_together(
    tmp_path: Path, cache_with_imd2019: Path
) -> None:
    rows = _simple_rows(6)
    rows[0][1] = "12.5"
    rows[1][0] = "E0100001"  # 5 digits
    rows[2][0] = "W01000004"  # a Welsh code in the English index
    rows[3][1] = ""
    path = _write_csv(tmp_path / "several.csv", SIMPLE_HEADER, rows)
    problems = _refused(path, cache_with_imd2019).problems
    found = {(p.row, p.column, p.value) for p in problems}
    assert found == {
        (2, "imd_rank", "12.5"),
        (3, "lsoa_code", "E0100001"),
        (4, "lsoa_code", "W01000004"),
        (5, "imd_rank", ""),
    }


def test_geography_inconsistent_with_the_declared_edition(
    tmp_path: Path, cache_with_imd2019: Path
) -> None:
    # Official 2011-geography headers imported under the 2025 (LSOA21) name.
    path = _write_csv(
        tmp_path / "file1.csv",
        [LSOA11, RANK_F1, DECILE_F1],
        _simple_rows(5),
    )
    (problem,) = _refused(path, cache_with_imd2019, name="imd2025").problems
    assert problem.column == LSOA11 and "LSOA11" in problem.what
    # A 2021-only code in a file declared as IoD2019 (2011 geography).
    rows = [*_simple_rows(5), ["E01035000", 100, 1]]
    path = _write_csv(tmp_path / "newer.csv", SIMPLE_HEADER, rows)
    (problem,) = _refused(path, cache_with_imd2019).problems
    assert (problem.row, problem.value) == (7, "E01035000")
    # The whole 2019 file (2011 codes only) declared as imd2025.
    problems = _refused(IMD2019, cache_with_imd2019, name="imd2025").problems
    assert any("2021 geography" in p.what for p in problems)


def test_unknown_edition_and_bad_name(tmp_path: Path, cache_with_imd2019: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", SIMPLE_HEADER, _simple_rows(3))
    _refused(path, cache_with_imd2019, name="imd2010")
    _refused(path, cache_with_imd2019, name="../escape")


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as caught:
        import_reference(tmp_path / "nope.csv", cache_dir=tmp_path)
    assert "does not exist" in caught.value.problems[0].what


def test_failure_while_writing_leaves_the_cache_as_it_was(
    tmp_path: Path, cache_with_imd2019: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(cache_with_imd2019)
    path = _write_csv(tmp_path / "new.csv", SIMPLE_HEADER, _simple_rows(40))

    def broken_write(table: object, where: object, **kwargs: object) -> None:
        Path(str(where)).write_bytes(b"half a parquet file")  # a partial write, then failure
        raise OSError("disk full")

    monkeypatch.setattr(reference.pq, "write_table", broken_write)
    with pytest.raises(OSError, match="disk full"):
        import_reference(path, name="imd2019", cache_dir=cache_with_imd2019)
    assert _snapshot(cache_with_imd2019) == before


def test_old_excel_and_opendocument_files_are_refused_with_advice(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ReferenceDataError) as caught:
        import_reference(xls, cache_dir=tmp_path / "cache")
    assert ".xlsx" in caught.value.problems[0].fix
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
