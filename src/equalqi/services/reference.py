"""Reference-data cache: import the official deprivation files once, load a normalised copy.

Users download the OFFICIAL files themselves (the licence is the Open Government Licence
v3.0; attribution: "Contains public sector information licensed under the Open Government
Licence v3.0.") and import each once::

    equalqi reference import File_7_-_All_IoD2019_Scores__Ranks__Deciles....csv

The importer recognises the format from the headers, validates every row, and caches a
normalised table (``lsoa_code``, ``imd_rank``, ``imd_decile``, ``imd_score``) as one Parquet
file per name, with its provenance (:class:`ReferenceInfo`) in the Parquet metadata. The
engine can read that Parquet file directly (``ReferenceInfo.path``).

Formats recognised (CSV or XLSX; header row found in the first 20 rows of the first sheet
that holds an LSOA table):

* MHCLG English Indices of Deprivation 2019 / 2025, "File 1" (``LSOA code (2011)`` or
  ``(2021)``, ``Index of Multiple Deprivation (IMD) Rank``, ``... Decile``) and "File 7"
  (adds ``Index of Multiple Deprivation (IMD) Score``; rank and decile headers end in
  ``(where 1 is most deprived...)``).
* Welsh Government WIMD 2019 ranks (``LSOA code``, ``WIMD 2019`` holding the rank). That file
  has no decile column: deciles are made from the ranks as the Welsh Government cuts them,
  ``decile = floor(10 * (rank - 1) / N) + 1`` over the N = 1,909 LSOAs (191 LSOAs in each
  decile, 190 in the last). This rule reproduces every WIMD 2019 decile in the shared test
  file; scores are left missing (they are published in a separate file).
* Simple tables: ``lsoa_code,imd_rank,imd_decile[,imd_score]`` and
  ``lsoa_code,wimd_rank,wimd_decile,wimd_score``.

The edition is taken, in this order, from the ``name`` (``imd2019``, ``imd2025``,
``wimd2019``, ``imd2015``), the headers (LSOA and local-authority years, ``WIMD 2019``), the
file name (``IoD2019``, ``imd2025``, ``wimd-2019``), and lastly the LSOA codes themselves
(codes above E01033768 / W01001958 exist only in the 2021 geography). A file whose headers or
codes contradict the declared edition is refused.

Every problem is reported with file, row (as a spreadsheet shows it), column and value.
Imports are atomic: the cache file is written to a temporary file and renamed, so a failed
import leaves the cache as it was. Importing the same file again under the same name is a
no-op; importing a different file under an existing name replaces it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from equalqi.demographics.deprivation import validate_deciles
from equalqi.errors import Problem, ProblemCollector, ReferenceDataError

# ---------------------------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """A published deprivation index on one geography."""

    key: str
    edition: str
    nation: str
    geography: str
    page: str

    @property
    def code_prefix(self) -> str:
        return "E01" if self.nation == "England" else "W01"


EDITIONS: Final[dict[str, Edition]] = {
    "imd2015": Edition(
        "imd2015",
        "IoD2015",
        "England",
        "LSOA11",
        "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2015",
    ),
    "imd2019": Edition(
        "imd2019",
        "IoD2019",
        "England",
        "LSOA11",
        "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
    ),
    "imd2025": Edition(
        "imd2025",
        "IoD2025",
        "England",
        "LSOA21",
        "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
    ),
    "wimd2019": Edition(
        "wimd2019",
        "WIMD2019",
        "Wales",
        "LSOA11",
        "https://www.gov.wales/welsh-index-multiple-deprivation-full-index-update-ranks-2019",
    ),
}

#: Highest LSOA code of the 2011 geography in each nation; higher codes are 2021-only.
_LSOA11_MAX: Final[dict[str, str]] = {"England": "E01033768", "Wales": "W01001958"}

#: Below this many areas a file may be a legitimate extract, so the absence of 2021-only codes
#: does not prove it is on the 2011 geography.
_MIN_AREAS_FOR_GEOGRAPHY_CHECK: Final = 1000

_LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_NAME_EDITION = re.compile(r"^(w?imd)(\d{4})")
_FILE_EDITION = re.compile(r"(wimd|imd|iod)[ _-]?(\d{4})")
_METADATA_KEY: Final = b"equalqi.reference"
_HEADER_SCAN_ROWS: Final = 20
_DOWNLOAD_TIMEOUT_SECONDS: Final = 120

# Header patterns, matched against a header lower-cased with whitespace collapsed.
_LSOA_HEADERS = (
    re.compile(r"^lsoa[ _]?code(?: \((?P<year>\d{4})\))?$"),
    re.compile(r"^lsoa(?P<yy>\d{2})[ _]?(?:cd|code)$"),
    re.compile(r"^lsoa[ _]?cd$"),
)
_LAD_HEADER = re.compile(r"^local authority district code \((?P<year>\d{4})\)$")
_IOD = r"index of multiple deprivation \(imd\)"
_ROLE_HEADERS: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "rank": (
        re.compile(rf"^{_IOD} rank\b"),
        re.compile(r"^(?P<family>w?imd)[ _]?rank$"),
        re.compile(r"^(?P<family>wimd) ?(?P<year>\d{4})(?: overall)?(?: rank)?$"),
    ),
    "decile": (
        re.compile(rf"^{_IOD} decile\b"),
        re.compile(r"^(?P<family>w?imd)[ _]?decile$"),
        re.compile(r"^(?P<family>wimd) ?(?P<year>\d{4})(?: overall)? decile$"),
    ),
    "score": (
        re.compile(rf"^{_IOD} score\b"),
        re.compile(r"^(?P<family>w?imd)[ _]?score$"),
        re.compile(r"^(?P<family>wimd) ?(?P<year>\d{4})(?: overall)? score$"),
    ),
}
_LAD_YEAR_TO_EDITION: Final[dict[str, str]] = {
    "2013": "imd2015",
    "2019": "imd2019",
    "2024": "imd2025",
}

_EXPECTED_COLUMNS = (
    "Expected either the official file (IoD 'File 1' or 'File 7' from gov.uk, WIMD ranks from "
    "gov.wales) or a CSV with columns lsoa_code, imd_rank, imd_decile and optionally imd_score."
)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceInfo:
    """Provenance of one cached reference table."""

    name: str
    edition: str
    nation: str
    geography: str
    n_areas: int
    source: str
    sha256: str
    imported_at: str
    path: Path
    format: str = "simple"
    has_score: bool = False

    @property
    def cached_path(self) -> Path:
        """The cached Parquet file (same as ``path``)."""
        return self.path

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "edition": self.edition,
            "nation": self.nation,
            "geography": self.geography,
            "n_areas": self.n_areas,
            "source": self.source,
            "sha256": self.sha256,
            "imported_at": self.imported_at,
            "path": str(self.path),
            "format": self.format,
            "has_score": self.has_score,
        }

    def _metadata(self) -> bytes:
        data = self.to_dict()
        del data["path"]
        return json.dumps(data, sort_keys=True).encode("utf-8")

    @classmethod
    def _from_metadata(cls, raw: bytes, path: Path) -> ReferenceInfo:
        data = json.loads(raw.decode("utf-8"))
        return cls(
            name=str(data["name"]),
            edition=str(data["edition"]),
            nation=str(data["nation"]),
            geography=str(data["geography"]),
            n_areas=int(data["n_areas"]),
            source=str(data["source"]),
            sha256=str(data["sha256"]),
            imported_at=str(data["imported_at"]),
            path=path,
            format=str(data.get("format", "simple")),
            has_score=bool(data.get("has_score", False)),
        )


# ---------------------------------------------------------------------------------------------
# Cache location
# ---------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$EQUALQI_HOME/reference`` if that variable is set, else ``~/.cache/equalqi/reference``."""
    home = os.environ.get("EQUALQI_HOME")
    if home:
        return Path(home).expanduser() / "reference"
    return Path.home() / ".cache" / "equalqi" / "reference"


def _cache_dir(cache_dir: Path | str | None) -> Path:
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ReferenceDataError(
            Problem(
                "a reference name must be 1-64 lower-case letters, digits, '_', '-' or '.', "
                "starting with a letter or digit",
                "Choose a name such as imd2019, imd2025 or wimd2019.",
                value=name,
            )
        )


def _cache_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.parquet"


def _import_command(name: str) -> str:
    return f"equalqi reference import PATH --name {name}"


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def list_references(cache_dir: Path | str | None = None) -> list[ReferenceInfo]:
    """Every reference table in the cache, sorted by name (unreadable files are skipped)."""
    directory = _cache_dir(cache_dir)
    if not directory.is_dir():
        return []
    infos = []
    for path in sorted(directory.glob("*.parquet")):
        info = _read_info(path)
        if info is not None:
            infos.append(info)
    return infos


def load_reference(name: str, *, cache_dir: Path | str | None = None) -> pd.DataFrame:
    """The cached table ``name``: ``lsoa_code``, ``imd_rank``, ``imd_decile``, ``imd_score``.

    ``imd_score`` is NaN where the source had no score. Raises :class:`ReferenceDataError`
    naming the command to run when ``name`` has not been imported.
    """
    _check_name(name)
    directory = _cache_dir(cache_dir)
    path = _cache_path(directory, name)
    if not path.is_file():
        known = [info.name for info in list_references(directory)]
        edition = EDITIONS.get(name)
        where = f" Download it from {edition.page}, then run:" if edition else " Run:"
        imported = f" Imported so far: {', '.join(known)}." if known else ""
        raise ReferenceDataError(
            Problem(
                f"reference data '{name}' has not been imported into {directory}",
                f"{where} {_import_command(name)}.{imported}".strip(),
                value=name,
            )
        )
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise ReferenceDataError(
            Problem(
                f"the cached reference data '{name}' cannot be read ({error})",
                f"Import the file again: {_import_command(name)}",
                file=str(path),
            )
        ) from error
    frame = table.to_pandas()
    return pd.DataFrame(
        {
            "lsoa_code": frame["lsoa_code"].astype(str),
            "imd_rank": frame["imd_rank"].astype(np.int64),
            "imd_decile": frame["imd_decile"].astype(np.int64),
            "imd_score": frame["imd_score"].astype(np.float64),
        }
    )


def import_reference(
    source: str | Path,
    *,
    name: str | None = None,
    cache_dir: Path | str | None = None,
) -> ReferenceInfo:
    """Import an official deprivation file (path or http(s)/file URL) into the cache.

    The format and edition are detected from the headers (see the module docstring);
    ``name`` defaults to the edition key (``imd2019``, ``imd2025``, ``wimd2019``) and, when
    it starts with one, also declares the edition the file must be. Raises
    :class:`ReferenceDataError` listing every problem (file, row, column, value, what to do);
    the cache is then unchanged. The same file imported again under the same name is a no-op.
    """
    if name is not None:
        _check_name(name)
    directory = _cache_dir(cache_dir)
    with _local_copy(source) as (path, label, display, filename):
        digest = _sha256(path)
        if name is not None:
            existing = _read_info(_cache_path(directory, name))
            if existing is not None and existing.sha256 == digest:
                return existing
        table = _read_reference_file(path, display)
        edition = _resolve_edition(table, name, filename)
        frame = _normalise(table, edition, display)
        final_name = name or edition.key
        target = _cache_path(directory, final_name)
        existing = _read_info(target)
        if existing is not None and existing.sha256 == digest:
            return existing
        info = ReferenceInfo(
            name=final_name,
            edition=edition.edition,
            nation=edition.nation,
            geography=edition.geography,
            n_areas=len(frame),
            source=label,
            sha256=digest,
            imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            path=target,
            format=table.format,
            has_score=bool(frame["imd_score"].notna().any()),
        )
        _write_atomically(frame, info, directory)
        return info


# ---------------------------------------------------------------------------------------------
# Source: local path or URL
# ---------------------------------------------------------------------------------------------


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and re.match(r"^(https?|file)://", source, re.I) is not None


@contextmanager
def _local_copy(source: str | Path) -> Iterator[tuple[Path, str, str, str]]:
    """Yield (local path, provenance, name for messages, file name) for a path or URL.

    Messages name the file as the user gave it (path or URL); only the file name itself is
    used as a hint to the edition, never the folders above it.
    """
    if not _is_url(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ReferenceDataError(
                Problem(
                    "the file does not exist" if not path.exists() else "this is not a file",
                    "Check the path, or download the file first (see `equalqi reference --help`).",
                    file=str(path),
                )
            )
        yield path, str(path.resolve()), str(path), path.name
        return
    url = str(source)
    basename = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name or "download"
    with tempfile.TemporaryDirectory(prefix="equalqi-download-") as folder:
        local = Path(folder) / basename
        try:
            with (
                urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_SECONDS) as response,
                local.open("wb") as out,
            ):
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise ReferenceDataError(
                Problem(
                    f"the file could not be downloaded ({reason})",
                    "Check the address and your connection, or download the file in a "
                    "browser and import it from disk.",
                    file=url,
                )
            ) from error
        yield local, url, url, basename


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Reading: find the header row and the columns we need
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """Positions (0-based) and original headers of the columns we use."""

    lsoa: tuple[int, str]
    rank: tuple[int, str] | None
    decile: tuple[int, str] | None
    score: tuple[int, str] | None
    lsoa_year: str | None
    lad_year: str | None
    family: str | None  # "imd" (England) or "wimd" (Wales) when the headers say so
    family_year: str | None
    official_iod: bool


@dataclass(frozen=True)
class _Table:
    """The raw values of the columns we use, as read, with where they came from."""

    display: str
    sheet: str | None
    first_row: int  # spreadsheet row of the first data row
    columns: _Columns
    values: dict[str, pd.Series]
    format: str


def _clean_header(cell: object) -> str:
    return " ".join(str(cell).split()).lower() if cell is not None else ""


def _find_columns(header: list[object]) -> _Columns | None:
    """The columns of a header row, or None when it has no LSOA code column."""
    cleaned = [_clean_header(cell) for cell in header]
    lsoa: tuple[int, str] | None = None
    lsoa_year = lad_year = family = family_year = None
    roles: dict[str, tuple[int, str]] = {}
    official_iod = False
    for position, text in enumerate(cleaned):
        original = str(header[position]).strip()
        if lsoa is None:
            for pattern in _LSOA_HEADERS:
                match = pattern.match(text)
                if match:
                    lsoa = (position, original)
                    groups = match.groupdict()
                    if groups.get("year"):
                        lsoa_year = groups["year"]
                    elif groups.get("yy"):
                        lsoa_year = "20" + groups["yy"]
                    break
        lad = _LAD_HEADER.match(text)
        if lad and lad_year is None:
            lad_year = lad.group("year")
        for role, patterns in _ROLE_HEADERS.items():
            if role in roles:
                continue
            for pattern in patterns:
                match = pattern.match(text)
                if match is None:
                    continue
                roles[role] = (position, original)
                groups = match.groupdict()
                if groups.get("family"):
                    family = family or groups["family"]
                else:
                    official_iod = True
                    family = family or "imd"
                if groups.get("year"):
                    family_year = family_year or groups["year"]
                break
    if lsoa is None:
        return None
    return _Columns(
        lsoa=lsoa,
        rank=roles.get("rank"),
        decile=roles.get("decile"),
        score=roles.get("score"),
        lsoa_year=lsoa_year,
        lad_year=lad_year,
        family=family,
        family_year=family_year,
        official_iod=official_iod,
    )


def _format_name(columns: _Columns) -> str:
    if columns.official_iod:
        return "iod_file7" if columns.score is not None else "iod_file1"
    if columns.family == "wimd" and columns.family_year is not None:
        return "wimd_official"
    return "simple"


def _sniff_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
                    return "ods"
        except zipfile.BadZipFile:
            return "csv"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _read_reference_file(path: Path, display: str) -> _Table:
    kind = _sniff_kind(path)
    if kind == "xlsx":
        return _read_xlsx(path, display)
    if kind == "csv":
        return _read_csv(path, display)
    what = {
        "ods": "an OpenDocument spreadsheet (.ods)",
        "xls": "an old-style Excel workbook (.xls)",
        "zip": "a zip archive",
    }[kind]
    raise ReferenceDataError(
        Problem(
            f"this file is {what}, which equalqi does not read",
            "Open it in a spreadsheet program and save it as .xlsx or as CSV (comma "
            "separated); for a zip archive, unzip it and import the file inside.",
            file=display,
        )
    )


def _no_table_problem(display: str, first_row: list[object], sheets: str = "") -> Problem:
    cells = [str(cell) for cell in first_row if cell not in (None, "")]
    if len(cells) == 1:
        for separator, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if separator in cells[0]:
                return Problem(
                    f"the columns seem to be separated by {label}, not commas",
                    "Save the file as CSV with commas between columns (in Excel: Save As, "
                    "'CSV UTF-8 (Comma delimited)'), or as .xlsx.",
                    file=display,
                    row=1,
                    value=cells[0][:200],
                )
    return Problem(
        f"no LSOA code column was found in the first {_HEADER_SCAN_ROWS} rows{sheets}",
        _EXPECTED_COLUMNS,
        file=display,
        row=1 if cells else None,
        value=", ".join(cells)[:300] if cells else None,
    )


def _missing_role_problems(columns: _Columns, display: str, header_row: int) -> list[Problem]:
    problems = []
    wales_ranks = columns.family == "wimd" and columns.family_year is not None
    needed = {"rank": columns.rank, "decile": columns.decile}
    for role, found in needed.items():
        if found is not None or (role == "decile" and wales_ranks):
            continue
        simple = "wimd" if columns.family == "wimd" else "imd"
        official = (
            f"'Index of Multiple Deprivation (IMD) {role.capitalize()}'"
            if simple == "imd"
            else f"'WIMD 20xx' ({role})"
        )
        problems.append(
            Problem(
                f"the IMD {role} column is missing",
                f"Add a column named {simple}_{role} (or {official} as in the official "
                f"file), or import the official file unchanged. {_EXPECTED_COLUMNS}",
                file=display,
                row=header_row,
                column=f"{simple}_{role}",
            )
        )
    return problems


def _decode_lines(path: Path, display: str) -> tuple[str, list[list[str]]]:
    """The encoding that reads the file, and its first rows as parsed by the csv module."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open(newline="", encoding=encoding) as handle:
                text = handle.read(1 << 20)
            rows = list(csv.reader(text.splitlines()[:_HEADER_SCAN_ROWS]))
            return encoding, rows
        except UnicodeDecodeError:
            continue
    raise ReferenceDataError(
        Problem(
            "the file is not text in a known encoding",
            "Save it as 'CSV UTF-8 (Comma delimited)' or as .xlsx.",
            file=display,
        )
    )


def _read_csv(path: Path, display: str) -> _Table:
    encoding, rows = _decode_lines(path, display)
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise ReferenceDataError(
            Problem(
                "the file is empty",
                "Import the official file as downloaded, or a CSV with a header row "
                "(lsoa_code, imd_rank, imd_decile) and one row per LSOA.",
                file=display,
            )
        )
    for index, row in enumerate(rows):
        columns = _find_columns(list(row))
        if columns is None:
            continue
        problems = _missing_role_problems(columns, display, index + 1)
        if problems:
            raise ReferenceDataError(problems)
        wanted = _wanted(columns)
        try:
            frame = pd.read_csv(
                path,
                skiprows=index,
                header=0,
                usecols=[position for position, _ in wanted.values()],
                dtype=str,
                keep_default_na=False,
                na_values=[],
                skip_blank_lines=False,
                encoding=encoding,
            )
        except (pd.errors.ParserError, ValueError) as error:
            raise ReferenceDataError(
                Problem(
                    f"the file cannot be read as a table ({error})",
                    "Check that every row has the same number of comma-separated columns.",
                    file=display,
                )
            ) from error
        by_position = {
            position: frame.iloc[:, i] for i, position in enumerate(sorted(_positions(wanted)))
        }
        values = {role: by_position[position] for role, (position, _) in wanted.items()}
        return _finish_table(display, None, index + 2, columns, values)
    first = next((row for row in rows if any(cell.strip() for cell in row)), [])
    raise ReferenceDataError(_no_table_problem(display, list(first)))


def _positions(wanted: dict[str, tuple[int, str]]) -> set[int]:
    """The distinct column positions read (pandas returns usecols in file order)."""
    return {position for position, _ in wanted.values()}


def _wanted(columns: _Columns) -> dict[str, tuple[int, str]]:
    wanted = {"lsoa": columns.lsoa}
    for role in ("rank", "decile", "score"):
        found = getattr(columns, role)
        if found is not None:
            wanted[role] = found
    return wanted


def _read_xlsx(path: Path, display: str) -> _Table:
    import openpyxl  # a project dependency; imported here so the module loads without it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ReferenceDataError(
            Problem(
                f"the workbook cannot be opened ({type(error).__name__}: {error})",
                "Open it in a spreadsheet program and save it again as .xlsx, or as CSV.",
                file=display,
            )
        ) from error
    try:
        first_rows: list[object] = []
        # Prefer sheets whose names look like the LSOA table, then the rest in order.
        names = sorted(
            workbook.sheetnames,
            key=lambda sheet: 0 if re.search(r"imd|iod|wimd|rank|data", sheet, re.I) else 1,
        )
        for sheet in names:
            worksheet = workbook[sheet]
            head = [
                list(row)
                for row in worksheet.iter_rows(max_row=_HEADER_SCAN_ROWS, values_only=True)
            ]
            if head and not first_rows:
                first_rows = head[0]
            for index, row in enumerate(head):
                columns = _find_columns(row)
                if columns is None or (columns.rank is None and columns.decile is None):
                    continue
                problems = _missing_role_problems(columns, f"{display} [{sheet}]", index + 1)
                if problems:
                    raise ReferenceDataError(problems)
                wanted = _wanted(columns)
                positions = sorted(_positions(wanted))
                lo, hi = positions[0], positions[-1]
                rows = worksheet.iter_rows(
                    min_row=index + 2, min_col=lo + 1, max_col=hi + 1, values_only=True
                )
                block = pd.DataFrame(list(rows), dtype=object).reindex(columns=range(hi - lo + 1))
                values = {
                    role: block.iloc[:, position - lo].astype(object).reset_index(drop=True)
                    for role, (position, _) in wanted.items()
                }
                return _finish_table(f"{display} [{sheet}]", sheet, index + 2, columns, values)
        sheets = f" of any sheet ({', '.join(workbook.sheetnames)})"
        raise ReferenceDataError(_no_table_problem(display, list(first_rows), sheets))
    finally:
        workbook.close()


def _finish_table(
    display: str,
    sheet: str | None,
    first_row: int,
    columns: _Columns,
    values: dict[str, pd.Series],
) -> _Table:
    """Trim trailing blank rows; refuse a table with no data rows."""
    text = {role: _as_text(series) for role, series in values.items()}
    blank = np.logical_and.reduce([(series == "").to_numpy() for series in text.values()])
    filled = np.flatnonzero(~blank)
    n_rows = int(filled[-1]) + 1 if filled.size else 0
    if n_rows == 0:
        raise ReferenceDataError(
            Problem(
                "the file has a header row but no data rows",
                "Import the complete file: one row per LSOA below the header.",
                file=display,
                row=first_row - 1,
            )
        )
    trimmed = {role: series.iloc[:n_rows].reset_index(drop=True) for role, series in text.items()}
    return _Table(display, sheet, first_row, columns, trimmed, _format_name(columns))


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text: missing as "", integral floats from spreadsheets as integers."""
    values = series.astype(object)
    present = values.notna()
    text = values.where(present, "").astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    with np.errstate(invalid="ignore"):
        integral = (
            np.isfinite(numbers.to_numpy())
            & (np.mod(numbers.to_numpy(), 1) == 0)
            & (np.abs(numbers.to_numpy()) < 1e15)
        )
    as_int = pd.Series(np.where(integral, numbers.fillna(0).to_numpy(), 0).astype(np.int64))
    return text.where(~integral, as_int.astype(str)).astype(object)


# ---------------------------------------------------------------------------------------------
# Edition: declared (name) vs detected (headers, file name, codes)
# ---------------------------------------------------------------------------------------------


def _edition_from_key(key: str, what: str, display: str) -> Edition:
    if key in EDITIONS:
        return EDITIONS[key]
    raise ReferenceDataError(
        Problem(
            f"{what} '{key}' is not an edition equalqi knows",
            f"Use one of: {', '.join(sorted(EDITIONS))}; or choose a name that does not "
            "start with imd/wimd and a year, and the edition is read from the file.",
            file=display,
            value=key,
        )
    )


def _edition_label(key: str) -> str:
    return EDITIONS[key].edition if key in EDITIONS else key


def _codes_geography(codes: pd.Series, nation: str) -> tuple[bool, int]:
    """(any 2021-only code present, number of codes of this nation)."""
    prefix = "E01" if nation == "England" else "W01"
    own = codes[codes.str.match(rf"^{prefix}\d{{6}}$")]
    return bool((own > _LSOA11_MAX[nation]).any()), len(own)


def _resolve_edition(table: _Table, name: str | None, filename: str) -> Edition:
    columns = table.columns
    display = table.display
    problems = ProblemCollector()
    header_edition: str | None = None
    header_nation: str | None = None
    if columns.family == "wimd":
        header_nation = "Wales"
        if columns.family_year:
            header_edition = f"wimd{columns.family_year}"
    elif columns.official_iod:
        header_nation = "England"
        if columns.lad_year in _LAD_YEAR_TO_EDITION:
            header_edition = _LAD_YEAR_TO_EDITION[columns.lad_year]
        elif columns.lsoa_year == "2021":
            header_edition = "imd2025"
    header_geography = (
        {"2011": "LSOA11", "2021": "LSOA21"}.get(columns.lsoa_year) if columns.lsoa_year else None
    )

    declared_match = _NAME_EDITION.match(name) if name else None
    declared = declared_match.group(1) + declared_match.group(2) if declared_match else None
    file_match = _FILE_EDITION.search(filename.lower())
    from_file = None
    if file_match:
        family = "wimd" if file_match.group(1) == "wimd" else "imd"
        from_file = family + file_match.group(2)

    codes = table.values["lsoa"]
    if declared is not None:
        key = declared
    elif header_edition is not None:
        key = header_edition
    elif (
        from_file is not None
        and from_file in EDITIONS
        and header_nation in (None, EDITIONS[from_file].nation)
    ):
        key = from_file
    else:
        nation = header_nation
        if nation is None:
            welsh = codes.str.startswith("W01").sum()
            nation = "Wales" if welsh > len(codes) / 2 else "England"
        has_2021, _ = _codes_geography(codes, nation)
        geography = header_geography or ("LSOA21" if has_2021 else "LSOA11")
        england_key = "imd2025" if geography == "LSOA21" else "imd2019"
        key = "wimd2019" if nation == "Wales" else england_key
        if geography == "LSOA21" and nation == "Wales":
            raise ReferenceDataError(
                Problem(
                    "this looks like a Welsh index on the 2021 LSOA geography, which equalqi "
                    "does not know yet",
                    f"Import one of: {', '.join(sorted(EDITIONS))}.",
                    file=display,
                )
            )
    edition = _edition_from_key(key, "the reference name" if declared else "the edition", display)

    if header_nation is not None and header_nation != edition.nation:
        problems.add(
            Problem(
                f"the headers are those of the {header_nation} index, but the name declares "
                f"{edition.edition} ({edition.nation})",
                f"Import it under a name for {header_nation}, or import the {edition.nation} "
                f"file ({edition.page}).",
                file=display,
                row=table.first_row - 1,
                column=columns.rank[1] if columns.rank else columns.lsoa[1],
                value=name,
            )
        )
    elif header_edition is not None and header_edition != edition.key:
        problems.add(
            Problem(
                f"the headers are those of {_edition_label(header_edition)}, but the name "
                f"declares {edition.edition}",
                f"Import it as --name {header_edition}, or import the {edition.edition} file "
                f"({edition.page}).",
                file=display,
                row=table.first_row - 1,
                value=name,
            )
        )
    elif header_geography is not None and header_geography != edition.geography:
        problems.add(
            Problem(
                f"the LSOA codes are on the {header_geography} geography (header "
                f"'{columns.lsoa[1]}'), but {edition.edition} uses {edition.geography}",
                f"Import the {edition.edition} file ({edition.page}), or import this file "
                "under the name of its own edition.",
                file=display,
                row=table.first_row - 1,
                column=columns.lsoa[1],
                value=name,
            )
        )
    if problems.problems:
        raise ReferenceDataError(problems.problems)
    return edition


# ---------------------------------------------------------------------------------------------
# Validation and normalisation
# ---------------------------------------------------------------------------------------------


def _mask_problems(
    table: _Table,
    role: str,
    bad: np.ndarray,
    *,
    what: str,
    fix: str,
    limit: int = 50,
) -> list[Problem]:
    """One problem per bad row (up to ``limit``), then one that counts the rest."""
    positions = np.flatnonzero(bad)
    column = _column_name(table, role)
    values = table.values[role]
    problems = [
        Problem(
            what=what,
            fix=fix,
            file=table.display,
            row=int(position) + table.first_row,
            column=column,
            value=str(values.iat[int(position)]),
        )
        for position in positions[:limit]
    ]
    if positions.size > limit:
        problems.append(
            Problem(
                what=f"{positions.size - limit} more row(s) have the same problem",
                fix=fix,
                file=table.display,
                column=column,
            )
        )
    return problems


def _column_name(table: _Table, role: str) -> str:
    found = getattr(table.columns, role)
    return str(found[1]) if found is not None else f"imd_{role}"


def _whole_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    array = numbers.to_numpy()
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(array) & (np.mod(array, 1) == 0)
    return array, whole


def _normalise(table: _Table, edition: Edition, display: str) -> pd.DataFrame:
    problems = ProblemCollector()
    codes = table.values["lsoa"].astype(str)

    # LSOA codes: present, well formed, of the edition's nation and geography, unique.
    blank = (codes == "").to_numpy()
    malformed = ~codes.str.match(_LSOA_CODE.pattern).to_numpy() & ~blank
    other_nation = ~blank & ~malformed & ~codes.str.startswith(edition.code_prefix).to_numpy()
    problems.extend(
        _mask_problems(
            table,
            "lsoa",
            blank,
            what="the LSOA code is blank",
            fix="Fill in the LSOA code, or delete the row.",
        )
    )
    problems.extend(
        _mask_problems(
            table,
            "lsoa",
            malformed,
            what="this is not an LSOA code (expected E01 or W01 followed by 6 digits)",
            fix="Correct the code; the official file has codes such as E01000001.",
        )
    )
    problems.extend(
        _mask_problems(
            table,
            "lsoa",
            other_nation,
            what=f"this LSOA code is not in {edition.nation}, but {edition.edition} covers "
            f"{edition.nation} only (codes start {edition.code_prefix})",
            fix="Import each nation's index separately, under its own name.",
        )
    )
    valid_code = ~blank & ~malformed & ~other_nation
    duplicated = codes.duplicated(keep="first").to_numpy() & valid_code
    problems.extend(
        _mask_problems(
            table,
            "lsoa",
            duplicated,
            what="this LSOA code appears more than once",
            fix="Keep one row per LSOA (the official file has exactly one); remove the copy.",
        )
    )
    own_codes = codes[valid_code]
    if edition.geography == "LSOA11":
        newer = valid_code & (codes > _LSOA11_MAX[edition.nation]).to_numpy()
        problems.extend(
            _mask_problems(
                table,
                "lsoa",
                newer,
                what=f"this LSOA code exists only in the 2021 geography, but {edition.edition} "
                "uses the 2011 LSOAs",
                fix=f"Import the {edition.edition} file ({edition.page}), or import this file "
                "under the name of its own edition (e.g. imd2025).",
                limit=5,
            )
        )
    elif (
        len(own_codes) >= _MIN_AREAS_FOR_GEOGRAPHY_CHECK
        and not (own_codes > _LSOA11_MAX[edition.nation]).any()
    ):
        problems.add(
            Problem(
                f"none of the {len(own_codes):,} LSOA codes is new in the 2021 geography, so "
                f"this looks like a file on the 2011 LSOAs, but {edition.edition} uses "
                f"{edition.geography}",
                f"Import the {edition.edition} file ({edition.page}), or import this file "
                "under the name of its own edition (e.g. imd2019).",
                file=display,
                column=_column_name(table, "lsoa"),
            )
        )

    # Ranks: whole numbers >= 1.
    rank, rank_whole = _whole_numbers(table.values["rank"])
    bad_rank = ~(rank_whole & (rank >= 1))
    fix = "Ranks are whole numbers from 1 (most deprived); import the official file unchanged."
    if table.format == "wimd_official" and np.any(bad_rank & np.isfinite(rank)):
        fix += (
            " This column holds fractions, so this may be the WIMD scores file: import the "
            "WIMD ranks file instead."
        )
    problems.extend(
        _mask_problems(table, "rank", bad_rank, what="the IMD rank is not a whole number", fix=fix)
    )

    # Deciles: given (1-10) or, for the official WIMD ranks file, made from the ranks.
    if "decile" in table.values:
        decile_text = table.values["decile"]
        problems.extend(
            validate_deciles(
                decile_text.where(decile_text != "", None),
                column=_column_name(table, "decile"),
                file=display,
                first_row=table.first_row,
            )
        )
        decile, _ = _whole_numbers(decile_text)
    else:
        n = len(rank)
        decile = np.floor(10.0 * (rank - 1.0) / n) + 1.0

    # Scores: optional; blank is missing, anything else must be a number.
    if "score" in table.values:
        score_text = table.values["score"]
        score = pd.to_numeric(score_text.where(score_text != "", None), errors="coerce")
        score_array = score.astype(float).to_numpy()
        bad_score = (score_text != "").to_numpy() & ~np.isfinite(score_array)
        problems.extend(
            _mask_problems(
                table,
                "score",
                bad_score,
                what="the IMD score is not a number",
                fix="Give scores as numbers, or leave them blank.",
            )
        )
    else:
        score_array = np.full(len(codes), np.nan)

    if problems.problems:
        raise ReferenceDataError(problems.problems)
    return pd.DataFrame(
        {
            "lsoa_code": codes.to_numpy(dtype=object),
            "imd_rank": rank.astype(np.int64),
            "imd_decile": decile.astype(np.int64),
            "imd_score": score_array.astype(np.float64),
        }
    )


# ---------------------------------------------------------------------------------------------
# Cache files
# ---------------------------------------------------------------------------------------------


def _read_info(path: Path) -> ReferenceInfo | None:
    if not path.is_file():
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
        raw = metadata.get(_METADATA_KEY)
        return ReferenceInfo._from_metadata(raw, path) if raw is not None else None
    except (OSError, pa.ArrowException, ValueError, KeyError, TypeError):
        return None


def _write_atomically(frame: pd.DataFrame, info: ReferenceInfo, directory: Path) -> None:
    """Write to a temporary file in the cache folder, then rename over the old file."""
    directory.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("lsoa_code", pa.string()),
            ("imd_rank", pa.int64()),
            ("imd_decile", pa.int8()),
            ("imd_score", pa.float64()),
        ],
        metadata={_METADATA_KEY: info._metadata()},
    )
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    handle, temporary = tempfile.mkstemp(prefix=f".{info.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, info.path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
