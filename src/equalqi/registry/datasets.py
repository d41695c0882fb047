"""Uploaded extracts: stored byte-for-byte unchanged under the data folder, with a sha256.

The upload is streamed to a temporary file while its size is counted and its checksum
computed; it is moved into place only when complete and within the limit, so a refused or
failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from equalqi.errors import InputError, Problem
from equalqi.registry import audit
from equalqi.registry.access import NotFound, project_for, require
from equalqi.registry.models import AnalysisRun, Dataset, User, utcnow

ALLOWED_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx")
CHUNK = 1 << 20


class TooLarge(Exception):
    """The upload is bigger than the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit:,} bytes")
        self.limit = limit


def safe_name(filename: str) -> str:
    base = Path(filename.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "upload"
    return base[:120]


def check_type(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise InputError(
            Problem(
                what="this type of file cannot be analysed",
                fix="Upload a CSV (.csv), Parquet (.parquet) or Excel (.xlsx) file.",
                file=filename,
                value=suffix or "(no extension)",
            )
        )
    return suffix


def read_columns(path: Path) -> list[str]:
    """The column names in the file's header (nothing else is read)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open("r", encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(io.StringIO(fh.readline())), [])
            return [h.strip() for h in header if h.strip()]
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            row = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            book.close()
        return [str(v).strip() for v in row if v is not None and str(v).strip()]
    except Exception as exc:
        raise InputError(
            Problem(
                what=f"the file could not be read ({type(exc).__name__})",
                fix="Check that it is a valid CSV, Parquet or Excel file and upload it again.",
                file=path.name,
            )
        ) from exc


def store_upload(
    session: Session,
    user: User,
    project_id: int,
    filename: str,
    source: BinaryIO,
    *,
    data_dir: Path,
    max_bytes: int,
) -> Dataset:
    """Store an uploaded file unchanged and register it; raise :class:`TooLarge` or
    :class:`InputError` (wrong type, unreadable, no columns) leaving nothing behind."""
    require(user, "editor")
    project = project_for(session, user, project_id)
    check_type(filename)
    name = safe_name(filename)
    folder = data_dir / "uploads" / str(project.id) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        target = folder / name
        os.replace(tmp, target)
        columns = read_columns(target)
        if not columns:
            raise InputError(
                Problem(
                    "the file has no header row",
                    "Put the column names on the first line.",
                    file=filename,
                )
            )
    except BaseException:
        for f in folder.iterdir():
            f.unlink(missing_ok=True)
        folder.rmdir()
        raise
    dataset = Dataset(
        project_id=project.id,
        filename=name,
        stored_path=str(target),
        sha256=digest.hexdigest(),
        size_bytes=size,
        columns=columns,
        uploaded_by=user.id,
    )
    session.add(dataset)
    session.flush()
    audit.record(
        session,
        user,
        "upload",
        "dataset",
        dataset.id,
        {"project": project.id, "file": name, "sha256": dataset.sha256, "bytes": size},
    )
    return dataset


def get_dataset(session: Session, user: User, project_id: int, dataset_id: int) -> Dataset:
    """The project's dataset, unless it was deleted (then, as for another organisation's,
    :class:`NotFound`)."""
    require(user, "viewer")
    project_for(session, user, project_id)
    dataset = session.scalar(
        select(Dataset).where(
            Dataset.id == dataset_id,
            Dataset.project_id == project_id,
            Dataset.deleted_at.is_(None),
        )
    )
    if dataset is None:
        raise NotFound(f"dataset {dataset_id}")
    return dataset


def analyses_of(session: Session, dataset: Dataset) -> int:
    """How many analysis versions were computed from ``dataset``."""
    count = session.scalar(
        select(func.count(AnalysisRun.id)).where(AnalysisRun.dataset_id == dataset.id)
    )
    return int(count or 0)


def delete_dataset(session: Session, user: User, project_id: int, dataset_id: int) -> Dataset:
    """Remove a stored extract from disk; keep its row (for the audit trail and the analyses
    made from it, which are marked ``dataset_deleted``). Another organisation's: NotFound."""
    require(user, "editor")
    dataset = get_dataset(session, user, project_id, dataset_id)
    dataset.deleted_at = utcnow()
    dataset.deleted_by = user.id
    marked = session.execute(
        update(AnalysisRun).where(AnalysisRun.dataset_id == dataset.id).values(dataset_deleted=True)
    )
    audit.record(
        session,
        user,
        "delete",
        "dataset",
        dataset.id,
        {
            "project": project_id,
            "file": dataset.filename,
            "sha256": dataset.sha256,
            "analyses marked": int(getattr(marked, "rowcount", 0) or 0),
        },
    )
    session.flush()  # the database change first: a failure here leaves the file in place
    stored = Path(dataset.stored_path)
    stored.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the upload's own folder, if now empty
        stored.parent.rmdir()
    return dataset


def list_datasets(session: Session, user: User, project_id: int) -> list[Dataset]:
    require(user, "viewer")
    project_for(session, user, project_id)
    return list(
        session.scalars(
            select(Dataset)
            .where(Dataset.project_id == project_id, Dataset.deleted_at.is_(None))
            .order_by(Dataset.id.desc())
        )
    )


def verify_checksum(dataset: Dataset) -> bool:
    """True when the stored file still has the checksum recorded at upload."""
    digest = hashlib.sha256()
    with open(dataset.stored_path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == dataset.sha256
