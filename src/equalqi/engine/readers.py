"""Open the user's records as an Ibis table without loading them into Python.

CSV and Parquet are scanned by the engine (DuckDB and Spark read them in parallel and
stream them; CSV reader options differ by name between the two, the one backend branch here);
Excel, which cannot hold more than 1,048,576 rows anyway, is read with openpyxl; a table in
any database Ibis reaches is opened by URL. CSV is read with every column as text so that
validation, not the reader, decides what a bad value is and can say where it is.
Nothing here changes the user's file.
"""

from __future__ import annotations

import codecs
import csv
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from equalqi.engine.connect import backend_name
from equalqi.errors import InputError, Problem

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


@dataclass(frozen=True)
class Records:
    """The user's records as an Ibis table, and where they came from (for messages)."""

    table: ibis.Table
    name: str
    format: str
    notes: tuple[str, ...] = field(default=())  # how the file was read, when not plainly


def is_database_url(source: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+]*://", source)) and not source.startswith("file://")


def open_records(
    source: str | Path,
    *,
    con: BaseBackend,
    table: str | None = None,
    delimiter: str = ",",
    header_row: int = 1,
) -> Records:
    """Open CSV, Parquet, Excel or a database table (``URL`` plus ``table``).

    ``table`` is the sheet for Excel; ``header_row`` the Excel row holding the column names
    (for sheets with title rows above the table)."""
    text = str(source)
    if is_database_url(text):
        return _open_database(text, table)
    path = Path(text.removeprefix("file://"))
    name = path.name
    if not path.exists():
        raise InputError(
            Problem(
                what="the file does not exist", fix="Check the path and try again.", file=str(path)
            )
        )
    if path.is_dir():
        raise InputError(
            Problem(
                what="this is a folder, not a file",
                fix="Give the path of a CSV, Parquet or Excel file.",
                file=str(path),
            )
        )
    if path.stat().st_size == 0:
        raise InputError(
            Problem(
                what="the file is empty (0 bytes)",
                fix="Export the extract again with its header row and data.",
                file=name,
            )
        )
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        readable, notes = _utf8_copy(path)
        return Records(_open_csv(readable, con, delimiter, name=name), name, "csv", notes)
    if suffix in PARQUET_SUFFIXES:
        return Records(_open_parquet(path, con), name, "parquet")
    if suffix in EXCEL_SUFFIXES:
        return Records(_open_excel(path, table, header_row), name, "excel")
    raise InputError(
        Problem(
            what=f"files ending '{suffix or '(none)'}' cannot be read",
            fix="Save the extract as CSV (comma separated), Parquet or Excel (.xlsx).",
            file=name,
        )
    )


#: Files up to this size are checked for UTF-8 in full; larger ones on their first part.
FULL_ENCODING_CHECK_BYTES = 64 * 1024 * 1024
_SNIFF_BYTES = 1024 * 1024


def _is_utf8(path: Path) -> bool:
    limit = FULL_ENCODING_CHECK_BYTES if path.stat().st_size <= FULL_ENCODING_CHECK_BYTES else 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_SNIFF_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            read += len(chunk)
            if not limit and read >= _SNIFF_BYTES:
                return True
    return True


def _utf8_copy(path: Path) -> tuple[Path, tuple[str, ...]]:
    """The file itself when it is UTF-8 (a byte-order mark is fine), else a UTF-8 copy.

    Excel on Windows saves CSV as Windows-1252 (cp1252): such a file is copied to UTF-8 in
    a temporary folder (the user's file is not changed) and a note says so. Bytes that are
    neither UTF-8 nor cp1252 are refused as an encoding problem, with the position.
    """
    if _is_utf8(path):
        return path, ()
    raw = path.read_bytes()
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(
                what="the file's text encoding is neither UTF-8 nor Windows-1252 (cp1252): "
                f"byte 0x{raw[exc.start]:02x} cannot be read",
                fix="Save the file as 'CSV UTF-8 (comma delimited)' and try again.",
                file=path.name,
                row=line,
            )
        ) from exc
    folder = Path(tempfile.mkdtemp(prefix="equalqi-utf8-"))
    copy = folder / path.name
    copy.write_text(text, encoding="utf-8")
    return copy, (
        "The file was not UTF-8; it was read as Windows-1252 (cp1252), the encoding Excel "
        "uses on Windows. Save it as 'CSV UTF-8' to avoid this.",
    )


def _duplicate_columns(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for c in columns:
        key = c.strip()
        seen[key] = seen.get(key, 0) + 1
    return [c for c, k in seen.items() if k > 1]


def _refuse_duplicates(columns: list[str], name: str, row: int) -> None:
    dups = _duplicate_columns(columns)
    if dups:
        raise InputError(
            Problem(
                what=f"the header names {'a column' if len(dups) == 1 else 'columns'} more "
                f"than once: {', '.join(repr(d) for d in dups)}",
                fix="Give every column its own name: equalqi would not know which to use.",
                file=name,
                row=row,
                value=", ".join(dups),
            )
        )


def _header_line(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(65536)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    return text.splitlines()[0] if text.splitlines() else ""


def _open_csv(
    path: Path, con: BaseBackend, delimiter: str, *, name: str | None = None
) -> ibis.Table:
    shown = name or path.name
    header = _header_line(path)
    if not header.strip():
        raise InputError(
            Problem(
                what="the first line is blank: there is no header row",
                fix="Put the column names on the first line.",
                file=shown,
                row=1,
            )
        )
    if delimiter not in header:
        for other, label in _OTHER_DELIMITERS.items():
            if other != delimiter and other in header:
                raise InputError(
                    Problem(
                        what=f"the columns seem to be separated by {label}, not '{delimiter}'",
                        fix="Save the file as 'CSV (comma delimited)', or give the delimiter "
                        "(--delimiter in the CLI, delimiter in the plan's [data]).",
                        file=shown,
                        row=1,
                        value=header[:80],
                    )
                )
    _refuse_duplicates(next(csv.reader([header], delimiter=delimiter)), shown, 1)
    try:
        if backend_name(con) == "pyspark":
            # Spark's reader takes other option names; without inferSchema every column is
            # text and empty fields are null, as DuckDB's all_varchar gives.
            return con.read_csv(
                str(path), header=True, inferSchema=False, sep=delimiter, quote='"', escape='"'
            )
        return con.read_csv(
            str(path),
            all_varchar=True,
            header=True,
            delim=delimiter,
            quote='"',
            escape='"',
        )
    except Exception as exc:  # DuckDB's CSV sniffer reports malformed lines
        raise InputError(_csv_problem(shown, exc)) from exc


def _csv_problem(name: str, exc: Exception) -> Problem:
    message = str(exc)
    line = re.search(r"[Ll]ine:? (\d+)", message)
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return Problem(
        what=f"the file could not be read as CSV ({first[:200]})",
        fix="Check that every row has the same number of columns and that text containing "
        "commas is in double quotes.",
        file=name,
        row=int(line.group(1)) if line else None,
    )


def _open_parquet(path: Path, con: BaseBackend) -> ibis.Table:
    try:
        return con.read_parquet(str(path))
    except Exception as exc:
        raise InputError(
            Problem(
                what=f"the file is not a readable Parquet file ({str(exc)[:200]})",
                fix="Export it again, or save it as CSV.",
                file=path.name,
            )
        ) from exc


def _open_excel(path: Path, sheet: str | None, header_row: int = 1) -> ibis.Table:
    import pandas as pd

    try:
        head = pd.read_excel(
            path,
            sheet_name=sheet or 0,
            header=None,
            skiprows=header_row - 1,
            nrows=1,
            dtype=str,
            engine="openpyxl",
        )
        columns = [str(c) for c in head.iloc[0].tolist()] if len(head) else []
        _refuse_duplicates([c for c in columns if c != "nan"], path.name, header_row)
        frame = pd.read_excel(
            path, sheet_name=sheet or 0, header=header_row - 1, dtype=str, engine="openpyxl"
        )
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(
            Problem(
                what=f"the workbook could not be read ({str(exc)[:200]})",
                fix="Name the sheet that holds the records (--table), or save it as CSV.",
                file=path.name,
            )
        ) from exc
    except Exception as exc:
        raise InputError(
            Problem(
                what=f"the file is not a readable Excel workbook ({str(exc)[:200]})",
                fix="Open it in Excel and save it as .xlsx, or save it as CSV.",
                file=path.name,
            )
        ) from exc
    frame.columns = [str(c) for c in frame.columns]
    return ibis.memtable(frame)


def _open_database(url: str, table: str | None) -> Records:
    safe = re.sub(r"//[^@/]*@", "//***@", url)  # never echo a password
    if not table:
        raise InputError(
            Problem(
                what="a database URL needs a table name",
                fix="Give the table with --table NAME.",
                file=safe,
            )
        )
    try:
        backend = ibis.connect(url)
        return Records(backend.table(table), f"{safe} table {table}", "database")
    except Exception as exc:
        raise InputError(
            Problem(
                what=f"could not open the table ({str(exc).splitlines()[0][:200]})",
                fix="Check the URL, that the database is running, and the table name.",
                file=safe,
                value=table,
            )
        ) from exc
