"""The front door: ``import equalqi`` then ``equalqi.analyse(data, plan)``.

Thin functions over the services for use from Python (a notebook, a script):

* :func:`read_plan` reads a TOML plan file (problems name the file and the line);
* :func:`analyse` runs a plan on data given as a path (CSV, Parquet, Excel), a database URL
  with ``table``, or a data frame already in memory (pandas, Polars, or a PyArrow table);
  it returns the full :class:`AnalysisResult`, every count included: the analyst's own view;
* :func:`disclose` applies the plan's small-number policy: use it (or
  :func:`write_outputs`, which discloses for you) for anything that is shared.

Confidence levels are accepted as 0.95 or 95 throughout (``stats``, ``impact``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis

from equalqi.engine.readers import Records
from equalqi.errors import InputError, Problem
from equalqi.plan import AnalysisPlan, parse_plan
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.analysis.pipeline import analyse as _analyse
from equalqi.services.disclosure import disclose
from equalqi.services.outputs import OutputPaths, write_outputs

__all__ = ["AnalysisResult", "OutputPaths", "analyse", "disclose", "read_plan", "write_outputs"]


def read_plan(path: str | Path) -> AnalysisPlan:
    """Read and check a plan file; :class:`~equalqi.errors.PlanError` lists every problem."""
    file = Path(path)
    if not file.is_file():
        raise InputError(
            Problem(what="the plan file does not exist", fix="Check the path.", file=str(file))
        )
    return parse_plan(file.read_text(encoding="utf-8"), source=file.name)


def _frame_records(data: Any) -> Records | None:
    """A pandas, Polars or PyArrow frame as records (None for anything else)."""
    module = type(data).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow") and hasattr(data, "columns"):
        return Records(ibis.memtable(data), f"a {module} data frame", "frame")
    return None


def analyse(
    data: Any,
    plan: AnalysisPlan | str | Path,
    *,
    table: str | None = None,
    con: Any = None,
) -> AnalysisResult:
    """Run ``plan`` (a plan, or the path of a TOML plan) on ``data``; see the module doc.

    The result is not disclosed: it holds every count, for the analyst. Share only
    ``equalqi.disclose(result)`` or the files ``equalqi.write_outputs(result, folder)`` writes.
    """
    the_plan = plan if isinstance(plan, AnalysisPlan) else read_plan(plan)
    records = _frame_records(data)
    return _analyse(records if records is not None else data, the_plan, con=con, table=table)
