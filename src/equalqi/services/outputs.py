"""Write an analysis to a folder: the HTML report, tidy CSVs, a JSON summary and the board
pack (``board/``: board.pdf, report.pdf, tables.xlsx, board.pptx, charts/).

Writing is staged *inside* the output folder (so it works when the folder is a mounted
volume or network share: no rename crosses a device) and switched over in one step: each
set of files lives in ``.equalqi/set-<id>/``, the visible names (``report.html`` ...) are
links through ``.equalqi/current``, and the switch is one atomic rename of that link, so a
reader sees the old set or the new set, never a mix. Where the filesystem has no symbolic
links (FAT, some SMB shares) the files are moved into place one by one instead (each file
whole, but a reader could then see a mix for a moment; :data:`SWITCH_NOTE`). A failure
before the switch leaves the folder as it was. Every operating-system failure (a file
where the folder should be, a read-only place, a full disk) becomes an
:class:`OutputError` with one clear message.

Every file is built from the disclosed result (:func:`equalqi.services.disclosure.disclose`):
the plan's small-number policy applies to all of them, and each says what it hid.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from equalqi.errors import InputError, Problem
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.disclosure import disclose
from equalqi.services.equity_design import equity_section
from equalqi.services.report.board import assessment_actions, build_board
from equalqi.services.report.html import render_html
from equalqi.services.report.model import build_model
from equalqi.services.report.pack import PackPaths, write_pack

if TYPE_CHECKING:
    from equalqi.services.assessments import EquityRecord

FILES = ("report.html", "measures.csv", "gaps.csv", "completeness.csv", "summary.json", "plan.toml")
BOARD = "board"  # the board pack's folder
SETS = ".equalqi"
SWITCH_NOTE = "this filesystem has no symbolic links: files were replaced one by one"


class OutputError(InputError):
    """The outputs could not be written; the folder is as it was before."""


def _os_problem(exc: OSError, out: Path) -> Problem:
    reasons = {
        errno.ENOSPC: ("the disk is full", "Free some space, or write to another folder."),
        errno.EDQUOT: ("the disk quota is used up", "Free some space, or use another folder."),
        errno.EROFS: ("the place is read-only", "Write to a folder you can change (--out)."),
        errno.EACCES: ("permission denied", "Write to a folder you can change (--out)."),
        errno.EPERM: ("permission denied", "Write to a folder you can change (--out)."),
        errno.ENOTDIR: (
            "a file is in the way where a folder should be",
            "Give --out a folder path (not an existing file), or move the file.",
        ),
        errno.EEXIST: (
            "a file is in the way where a folder should be",
            "Give --out a folder path (not an existing file), or move the file.",
        ),
        errno.EISDIR: (
            "a folder is in the way where a file should be",
            "Remove or rename that folder inside the output folder.",
        ),
    }
    what, fix = reasons.get(
        exc.errno or 0, (exc.strerror or type(exc).__name__, "Check the output folder.")
    )
    where = exc.filename or out
    return Problem(
        what=f"the outputs could not be written: {what} ({where}); nothing was changed",
        fix=fix,
        file=str(out),
    )


@dataclass(frozen=True)
class OutputPaths:
    folder: Path
    report: Path
    measures: Path
    gaps: Path
    completeness: Path
    summary: Path
    plan: Path
    board: PackPaths | None = None


def write_outputs(
    result: AnalysisResult,
    out_dir: str | Path,
    *,
    equity: EquityRecord | None = None,
    board: bool = False,
) -> OutputPaths:
    """Write every output; with ``equity`` (a project's stored record, see
    :func:`equalqi.services.assessments.equity_record`), the report includes equity by design (and
    the board page the assessment's actions); ``board=True`` also writes the board pack
    (``board/``).

    ``result`` is disclosed here with the plan's policy unless it already has been."""
    if result.disclosure is None:
        result = disclose(result)
    out = Path(out_dir)
    try:
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(out))
        out.mkdir(parents=True, exist_ok=True)
        sets = out / SETS
        sets.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="set-", dir=sets))
        try:
            pack = _write_set(result, staging, equity, board)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch(out, sets, staging, (*FILES, BOARD) if pack else FILES)
    except OSError as exc:
        raise OutputError(_os_problem(exc, out)) from exc
    return OutputPaths(
        folder=out,
        report=out / "report.html",
        measures=out / "measures.csv",
        gaps=out / "gaps.csv",
        completeness=out / "completeness.csv",
        summary=out / "summary.json",
        plan=out / "plan.toml",
        board=_moved(pack, out / "board") if pack else None,
    )


def _moved(pack: PackPaths, folder: Path) -> PackPaths:
    return PackPaths(
        folder=folder,
        board_pdf=folder / pack.board_pdf.name,
        report_pdf=folder / pack.report_pdf.name,
        tables=folder / pack.tables.name,
        slides=folder / pack.slides.name,
        charts=folder / pack.charts.name,
        board_html=folder / pack.board_html.name,
        seconds=pack.seconds,
    )


def _write_set(
    result: AnalysisResult, staging: Path, equity: EquityRecord | None, board: bool
) -> PackPaths | None:
    extra = (equity_section(result, equity),) if equity is not None else ()
    model = build_model(result)
    html = render_html(model, extra_sections=tuple(s for s in extra if s))
    (staging / "report.html").write_text(html, encoding="utf-8")
    pack = None
    if board:
        page = build_board(result, model, assessment_actions=assessment_actions(equity))
        pack = write_pack(result, model, page, html, staging / BOARD)
    result.measures.to_csv(staging / "measures.csv", index=False)
    result.gaps.to_csv(staging / "gaps.csv", index=False)
    result.completeness.to_csv(staging / "completeness.csv", index=False)
    (staging / "summary.json").write_text(
        json.dumps(result.to_dict(), indent=2, default=str), encoding="utf-8"
    )
    (staging / "plan.toml").write_text(result.plan.to_toml(), encoding="utf-8")
    for name in FILES:  # force the bytes to disk before the switch makes them visible
        with (staging / name).open("rb+") as fh:
            os.fsync(fh.fileno())
    return pack


def _switch(out: Path, sets: Path, staging: Path, names: tuple[str, ...]) -> None:
    """Make ``staging`` the visible set in one rename (or file by file without symlinks)."""
    current = sets / "current"
    link = sets / f".current-{uuid.uuid4().hex}"
    try:
        link.symlink_to(staging.name)
    except OSError:
        for name in names:  # no symbolic links here: each file replaced whole
            if (staging / name).is_dir() and (out / name).is_dir():
                shutil.rmtree(out / name)
            os.replace(staging / name, out / name)
        shutil.rmtree(staging, ignore_errors=True)
        return
    previous = os.readlink(current) if current.is_symlink() else None
    os.replace(link, current)  # the switch: one atomic rename
    # The visible names are links through "current", made once. (Over a folder written by
    # an older version of equalqi, its plain files are replaced by links here, each
    # atomically: only that first switch can show a mix.)
    for name in names:
        visible = out / name
        target = Path(SETS) / "current" / name
        if visible.is_symlink() and Path(os.readlink(visible)) == target:
            continue
        if visible.is_dir() and not visible.is_symlink():
            shutil.rmtree(visible)  # a folder written by an older version (board/)
        tmp = out / f".{name}.{uuid.uuid4().hex}"
        tmp.symlink_to(target)
        os.replace(tmp, visible)
    if previous and previous != staging.name:
        shutil.rmtree(sets / previous, ignore_errors=True)
