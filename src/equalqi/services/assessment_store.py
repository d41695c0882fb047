"""Equity assessments and the involvement log as JSON files in a folder: the import/export
format (``equalqi assess import`` / ``export``), never a second store; the registry holds them.

Layout::

    <project_dir>/equity/assessments/<stage>-<timestamp>.json   one file per assessment
    <project_dir>/equity/involvement.json                        the whole involvement log

Assessments are never overwritten: each save creates a new file (history is kept), written to
a temporary file first and then hard-linked into place, which fails rather than replaces if the
name is taken. The involvement log is replaced atomically (``os.replace``) on each save. Each
assessment file embeds a full copy of the theory it answers, so it can be re-scored without
the theory file.

The interface is deliberately small: :meth:`save_assessment`, :meth:`load_assessments`,
:meth:`latest`, :meth:`save_involvement`, :meth:`load_involvement`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from equalqi.assess.answers import STAGES, Assessment, assessment_from_dict
from equalqi.assess.involvement import InvolvementLog, involvement_from_dict
from equalqi.errors import InputError, Problem

EQUITY_DIR = "equity"
ASSESSMENTS_DIR = "assessments"
INVOLVEMENT_FILE = "involvement.json"
_SUFFIX = re.compile(r"Z-(\d+)\.json$")


class StoreError(InputError):
    """A stored file cannot be read; nothing has been changed."""


class AssessmentStore:
    """Assessments and involvement for one project folder."""

    def __init__(self, project_dir: str | os.PathLike[str]) -> None:
        self.project_dir = Path(project_dir)
        self.equity_dir = self.project_dir / EQUITY_DIR
        self.assessments_dir = self.equity_dir / ASSESSMENTS_DIR
        self.involvement_path = self.equity_dir / INVOLVEMENT_FILE

    # ----------------------------------------------------------------- assessments
    def save_assessment(self, assessment: Assessment) -> Path:
        """Write ``assessment`` to a new file and return its path; never overwrites."""
        self.assessments_dir.mkdir(parents=True, exist_ok=True)
        stamp = assessment.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        data = _dumps(assessment.to_dict())
        suffix = 0
        while True:
            name = f"{assessment.stage}-{stamp}" + (f"-{suffix}" if suffix else "") + ".json"
            target = self.assessments_dir / name
            if _write_new(target, data):
                return target
            suffix += 1

    def load_assessments(self, stage: str | None = None) -> list[Assessment]:
        """All saved assessments (optionally of one stage), oldest first."""
        if stage is not None and stage not in STAGES:
            raise StoreError(Problem(f"unknown stage '{stage}'", "Use 'planning' or 'review'."))
        if not self.assessments_dir.is_dir():
            return []
        found: list[tuple[dt.datetime, int, int, Assessment]] = []
        for path in self.assessments_dir.glob("*.json"):
            if stage is not None and not path.name.startswith(f"{stage}-"):
                continue
            assessment = assessment_from_dict(_read_json(path), source=str(path))
            if stage is None or assessment.stage == stage:
                m = _SUFFIX.search(path.name)
                suffix = int(m.group(1)) if m else 0
                # ties on created_at: the later save (suffix, then file time) counts as later
                found.append((assessment.created_at, suffix, path.stat().st_mtime_ns, assessment))
        found.sort(key=lambda t: (t[0], t[1], t[2]))
        return [t[3] for t in found]

    def latest(self, stage: str) -> Assessment | None:
        """The most recent assessment of ``stage`` (``planning`` or ``review``), if any."""
        items = self.load_assessments(stage)
        return items[-1] if items else None

    # ----------------------------------------------------------------- involvement
    def save_involvement(self, log: InvolvementLog) -> Path:
        """Replace the involvement log atomically; return its path."""
        self.equity_dir.mkdir(parents=True, exist_ok=True)
        _write_replace(self.involvement_path, _dumps(log.to_dict()))
        return self.involvement_path

    def load_involvement(self) -> InvolvementLog:
        """The project's involvement log (empty if none has been saved)."""
        if not self.involvement_path.exists():
            return InvolvementLog()
        return involvement_from_dict(
            _read_json(self.involvement_path), source=str(self.involvement_path)
        )


def open_project(
    project_dir: str | os.PathLike[str], *, must_have_content: bool
) -> AssessmentStore:
    """The store of a project folder, with a clear error for a folder that is not one.

    ``must_have_content``: the folder must exist and already hold an assessment or an
    involvement log (for commands that read them), so a mistyped folder is never read as
    "nothing recorded". Without it, a missing folder is a new project (commands that write
    say they created it).
    """
    path = Path(project_dir)
    if not must_have_content and not path.exists():
        return AssessmentStore(path)  # a new project: the caller says it was created
    if not path.is_dir():
        raise StoreError(
            Problem(
                "the project folder does not exist",
                "Check the spelling of --folder.",
                str(path),
            )
        )
    store = AssessmentStore(path)
    if must_have_content and not (
        store.involvement_path.exists()
        or (store.assessments_dir.is_dir() and any(store.assessments_dir.glob("*.json")))
    ):
        raise StoreError(
            Problem(
                "this folder has no equity assessment and no involvement log",
                "Check --folder names a folder written by equalqi assess export (it holds "
                "equity/assessments/ or equity/involvement.json).",
                str(path),
            )
        )
    return store


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(
            Problem(
                what=f"the file is not valid JSON ({exc.msg} at line {exc.lineno})",
                fix="Restore it from a backup, or move it out of the folder.",
                file=str(path),
            )
        ) from exc


def _temp(directory: Path, data: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def _write_new(target: Path, data: str) -> bool:
    """Atomically create ``target`` with ``data``; False (and no change) if it exists."""
    tmp = _temp(target.parent, data)
    try:
        os.link(tmp, target)
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


def _write_replace(target: Path, data: str) -> None:
    tmp = _temp(target.parent, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
