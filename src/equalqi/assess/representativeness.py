"""How the people involved compare with the population a project serves.

For each group ``g`` of a dimension (Core20, ethnic group, age band ...)::

    share involved       s_g = x_g / n          (x_g attendances from g, n with g recorded)
    population share     p_g                    (from the user's population file)
    representation ratio r_g = s_g / p_g

``r_g = 1`` means the group took part in proportion to its share of the population; the group
is *flagged as under-represented* when ``r_g`` is below a threshold (default 0.8, i.e. at least
a fifth fewer than a proportionate share). Worked case: 30% of the population is Core20 and 3
of the 20 people involved are, so ``s = 0.15`` and ``r = 0.15 / 0.30 = 0.5``: flagged.

The interval is the Wilson score interval for ``s_g`` (as PHEindicatormethods'
``phe_proportion``; Wilson EB, J Am Stat Assoc 1927;22:209-212) divided by ``p_g``, which is
treated as known. With few people involved the interval is wide: when fewer than
``min_expected`` (default 5) people from a group would be expected (``n x p_g``), the row
carries a small-number caution and the flag should be read as a prompt, not a finding.

Labels such as "Unknown" or "Prefer not to say" are left out of ``n`` and reported separately.
Counts are attendances, not distinct people.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from equalqi.errors import Problem

from .involvement import NOT_RECORDED_LABELS, InvolvementLog
from .names import did_you_mean, suggest
from .problems import InvolvementError

DEFAULT_THRESHOLD = 0.8
DEFAULT_MIN_EXPECTED = 5.0
RATIO_METHOD = (
    "representation ratio = share involved / population share; interval: Wilson score "
    "interval for the share involved divided by the population share (treated as known)"
)
_TRUE = {"yes", "y", "true", "1", "priority"}
_FALSE = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Population:
    """Population shares by dimension and group; ``priority`` marks Core20 / PLUS groups."""

    frame: pd.DataFrame  # columns: dimension, group, share, priority

    @classmethod
    def from_shares(
        cls,
        shares: Mapping[str, Mapping[str, float]],
        *,
        priority: Sequence[str] = (),
    ) -> Population:
        """Build from ``{dimension: {group: share}}`` with shares as proportions (0-1)."""
        rows = [
            {"dimension": d, "group": g, "share": float(s)}
            for d, groups in shares.items()
            for g, s in groups.items()
        ]
        frame = pd.DataFrame(rows, columns=["dimension", "group", "share"])
        wanted = {p.casefold() for p in priority}
        frame["priority"] = frame["group"].str.casefold().isin(wanted)
        _check_frame(frame, source=None, row_offset=None)
        return cls(frame)

    def to_dict(self) -> dict[str, Any]:
        return {"groups": self.frame.to_dict(orient="records")}


def parse_population_csv(text: str, *, source: str = "population.csv") -> Population:
    """Read population shares from CSV text.

    Columns: ``dimension``, ``group`` and one of ``share`` (0-1), ``percent`` (0-100) or
    ``count`` (turned into shares within each dimension); optional ``priority`` (yes/no) marks
    Core20 or PLUS groups. Raises :class:`InvolvementError` naming the row and column.
    """
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvolvementError(
            Problem(
                what=f"the population file cannot be read as CSV ({exc})",
                fix="Save it as CSV with a header row: dimension,group,share.",
                file=source,
            )
        ) from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    problems: list[Problem] = []
    for col in ("dimension", "group"):
        if col not in raw.columns:
            problems.append(
                Problem(f"the column '{col}' is missing", "Add it to the header row.", source)
            )
    value_cols = [c for c in ("share", "percent", "count") if c in raw.columns]
    if len(value_cols) != 1:
        problems.append(
            Problem(
                "the file needs exactly one of the columns 'share', 'percent' or 'count'",
                "Keep one of them (share as 0-1, percent as 0-100, or counts of people).",
                source,
                value=", ".join(value_cols) or None,
            )
        )
    if problems:
        raise InvolvementError(problems)
    col = value_cols[0]
    values = pd.to_numeric(raw[col].str.strip(), errors="coerce")
    rows = np.arange(len(raw)) + 2  # spreadsheet rows: the header is row 1
    bad = values.isna() | (values < 0)
    if col == "share":
        bad |= values > 1
    elif col == "percent":
        bad |= values > 100
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                f"the {col} is not a valid number",
                {"share": "Write a proportion between 0 and 1.",
                 "percent": "Write a percentage between 0 and 100.",
                 "count": "Write a whole number of people, 0 or more."}[col],
                source,
                row=int(rows[i]),
                column=col,
                value=str(raw[col].iloc[i]),
            )
        )  # fmt: skip
    frame = pd.DataFrame(
        {
            "dimension": raw["dimension"].str.strip(),
            "group": raw["group"].str.strip(),
            "share": values.astype(float),
        }
    )
    for c in ("dimension", "group"):
        for i in np.flatnonzero((frame[c] == "").to_numpy()):
            problems.append(
                Problem(f"the {c} is empty", f"Fill in the {c}.", source, int(rows[i]), c)
            )
    if "priority" in raw.columns:
        flag = raw["priority"].str.strip().str.lower()
        unknown = ~flag.isin(_TRUE | _FALSE)
        for i in np.flatnonzero(unknown.to_numpy()):
            problems.append(
                Problem(
                    "the priority is not yes or no",
                    "Write yes for Core20 or PLUS groups, otherwise no or leave it empty.",
                    source,
                    int(rows[i]),
                    "priority",
                    str(raw["priority"].iloc[i]),
                )
            )
        frame["priority"] = flag.isin(_TRUE).to_numpy()
    else:
        frame["priority"] = False
    if problems:
        raise InvolvementError(problems)
    if col == "percent":
        frame["share"] = frame["share"] / 100.0
    elif col == "count":
        totals = frame.groupby("dimension")["share"].transform("sum")
        frame["share"] = np.where(totals > 0, frame["share"] / totals, np.nan)
    _check_frame(frame, source=source, row_offset=2)
    return Population(frame.reset_index(drop=True))


def _check_frame(frame: pd.DataFrame, *, source: str | None, row_offset: int | None) -> None:
    problems: list[Problem] = []
    key = frame["dimension"].str.casefold() + "\x00" + frame["group"].str.casefold()
    for i in np.flatnonzero(key.duplicated().to_numpy()):
        problems.append(
            Problem(
                "this group is listed twice for its dimension",
                "Keep one row per dimension and group.",
                source,
                None if row_offset is None else int(i) + row_offset,
                "group",
                str(frame["group"].iloc[i]),
            )
        )
    sums = frame.groupby(frame["dimension"].str.casefold())["share"].sum()
    for dim in sums.index[(sums > 1.005).to_numpy()]:
        problems.append(
            Problem(
                f"the shares for dimension '{dim}' add up to more than 100%",
                "Check the figures; each person is in one group per dimension.",
                source,
                column="share",
                value=f"{sums[dim]:.3f}",
            )
        )
    if problems:
        raise InvolvementError(problems)


@dataclass(frozen=True)
class Mismatch:
    """Attendances logged under a name the population (the plan) does not have.

    ``group`` is None when the dimension itself is unknown. ``suggestions`` are the closest
    known names. The dimension is then not compared at all: a share computed without these
    attendances would be a false statement about who took part.
    """

    dimension: str
    group: str | None
    involved: int
    suggestions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "group": self.group,
            "involved": self.involved,
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class Representativeness:
    """Representation ratios by dimension and group, with intervals and flags."""

    rows: pd.DataFrame
    threshold: float
    confidence: float
    min_expected: float
    not_recorded: Mapping[str, int]  # dimension -> attendances with the group not recorded
    unrecorded_dimensions: tuple[str, ...]  # in the population file, never recorded in the log
    method: str = RATIO_METHOD
    #: log names that match nothing in the population; their dimensions are not compared
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def flagged(self) -> pd.DataFrame:
        return self.rows[self.rows["flagged"]]

    def to_frame(self) -> pd.DataFrame:
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        records = self.rows.astype(object).where(self.rows.notna(), None).to_dict("records")
        return {
            "method": self.method,
            "threshold": self.threshold,
            "confidence": self.confidence,
            "min_expected": self.min_expected,
            "rows": [{str(k): _plain(v) for k, v in r.items()} for r in records],
            "not_recorded": dict(self.not_recorded),
            "unrecorded_dimensions": list(self.unrecorded_dimensions),
            "mismatches": [m.to_dict() for m in self.mismatches],
        }


def _plain(value: object) -> object:
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def wilson_interval(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval for proportions ``x / n`` (vectorised; NaN where ``n = 0``)."""
    xa, na = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(na > 0, xa / na, np.nan)
        centre = (2 * xa + z**2) / (2 * (na + z**2))
        half = z * np.sqrt(z**2 + 4 * xa * (1 - p)) / (2 * (na + z**2))
    return centre - half, centre + half


def representativeness(
    log: InvolvementLog,
    population: Population,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = 0.95,
    min_expected: float = DEFAULT_MIN_EXPECTED,
    priority_groups: Sequence[str] = (),
) -> Representativeness:
    """Compare involvement counts with population shares (see the module docstring)."""
    if not threshold > 0:
        raise ValueError("threshold must be positive")
    _check_priority(priority_groups, population)
    counts = pd.DataFrame(
        [(g.dimension, g.group, g.count) for g in log.group_counts()],
        columns=["dimension", "group", "involved"],
    )
    counts["dim_key"] = counts["dimension"].str.casefold()
    counts["group_key"] = counts["group"].str.casefold()
    missing = counts["group_key"].isin(NOT_RECORDED_LABELS)
    not_recorded = counts[missing].groupby("dimension")["involved"].sum()
    counts = (
        counts[~missing]
        .groupby(["dim_key", "group_key"], as_index=False)
        .agg(
            dimension=("dimension", "first"), group=("group", "first"), involved=("involved", "sum")
        )
    )
    pop = population.frame.assign(
        dim_key=population.frame["dimension"].str.casefold(),
        group_key=population.frame["group"].str.casefold(),
        _order=np.arange(len(population.frame), dtype=float),
    )
    recorded_dims = set(counts["dim_key"])
    unrecorded = tuple(
        pop.loc[~pop["dim_key"].isin(recorded_dims), "dimension"].drop_duplicates().tolist()
    )
    mismatches = _mismatches(counts, pop)
    withheld = {m.dimension.casefold() for m in mismatches}
    pop = pop[pop["dim_key"].isin(recorded_dims - withheld)]
    counts = counts[counts["dim_key"].isin(set(pop["dim_key"]))]
    merged = pop.merge(counts, on=["dim_key", "group_key"], how="outer", suffixes=("", "_log"))
    dim_order = merged["dim_key"].map(pop.groupby("dim_key")["_order"].min())
    merged = (
        merged.assign(_d=dim_order, _o=merged["_order"].fillna(np.inf))
        .sort_values(["_d", "_o"], kind="stable")
        .reset_index(drop=True)
    )
    merged["dimension"] = merged["dimension"].fillna(merged["dimension_log"])
    merged["group"] = merged["group"].fillna(merged["group_log"])
    merged["involved"] = merged["involved"].fillna(0).astype(int)
    merged["involved_total"] = merged.groupby("dim_key")["involved"].transform("sum").astype(int)
    x = merged["involved"].to_numpy(dtype=float)
    n = merged["involved_total"].to_numpy(dtype=float)
    p = merged["share"].to_numpy(dtype=float)
    lower, upper = wilson_interval(x, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(n > 0, x / n, np.nan)
        valid = p > 0
        ratio = np.where(valid, s / p, np.nan)
        ratio_lower = np.where(valid, lower / p, np.nan)
        ratio_upper = np.where(valid, upper / p, np.nan)
    expected = n * p
    wanted = {g.casefold() for g in priority_groups}
    priority = merged["priority"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    priority |= merged["group_key"].isin(wanted).to_numpy()
    rows = pd.DataFrame(
        {
            "dimension": merged["dimension"],
            "group": merged["group"],
            "involved": merged["involved"],
            "involved_total": merged["involved_total"],
            "share_involved": s,
            "share_involved_lower": lower,
            "share_involved_upper": upper,
            "population_share": p,
            "expected": expected,
            "ratio": ratio,
            "ratio_lower": ratio_lower,
            "ratio_upper": ratio_upper,
            "flagged": np.nan_to_num(ratio, nan=np.inf) < threshold,
            "priority": priority,
            "small_numbers": np.nan_to_num(expected, nan=0.0) < min_expected,
            "method": RATIO_METHOD,
        }
    )
    return Representativeness(
        rows=rows,
        threshold=threshold,
        confidence=confidence,
        min_expected=min_expected,
        not_recorded={str(k): int(v) for k, v in not_recorded.items()},
        unrecorded_dimensions=unrecorded,
        mismatches=mismatches,
    )


def _check_priority(priority_groups: Sequence[str], population: Population) -> None:
    """A priority group must be a group in the population: a typo would mark nothing."""
    groups = population.frame["group"].drop_duplicates().tolist()
    known = {str(g).casefold() for g in groups}
    problems = [
        Problem(
            what=f"the priority group '{p}' is not a group in the population",
            fix=did_you_mean(p, groups)
            + "Use a group name as the population lists it: "
            + "; ".join(f"'{g}'" for g in groups)
            + ".",
            value=p,
        )
        for p in priority_groups
        if p.strip().casefold() not in known
    ]
    if problems:
        raise InvolvementError(problems)


def _mismatches(counts: pd.DataFrame, pop: pd.DataFrame) -> tuple[Mismatch, ...]:
    """Log rows whose dimension, or group within a known dimension, the population lacks."""
    out: list[Mismatch] = []
    dims = pop.drop_duplicates("dim_key").set_index("dim_key")["dimension"]
    known = set(zip(pop["dim_key"], pop["group_key"], strict=True))
    for r in counts.itertuples(index=False):
        if r.dim_key not in dims.index:
            out.append(
                Mismatch(str(r.dimension), None, int(r.involved), suggest(r.dimension, dims))
            )
        elif (r.dim_key, r.group_key) not in known:
            groups = pop.loc[pop["dim_key"] == r.dim_key, "group"]
            out.append(
                Mismatch(
                    str(dims[r.dim_key]), str(r.group), int(r.involved), suggest(r.group, groups)
                )
            )
    return tuple(out)
