"""Frame plumbing shared by the PHE-style functions: grouping, output types, R-style labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem

OUTPUT_TYPES = ("value", "lower", "upper", "standard", "full")
META_COLUMNS = ("confidence", "statistic", "method", "note")


def check_type(type: str) -> list[Problem]:
    """PHE's ``type`` argument: which columns to return."""
    if type in OUTPUT_TYPES:
        return []
    return [
        Problem(
            what="type must be one of value, lower, upper, standard or full",
            fix='Use type="full" for every column or "standard" to leave out the metadata.',
            value=repr(type),
        )
    ]


def apply_type(
    frame: pd.DataFrame,
    type: str,
    *,
    intermediates: Sequence[str] = (),
) -> pd.DataFrame:
    """Drop columns as PHE's ``type`` does.

    ``value``: no limits and no metadata; ``lower``/``upper``: only that limit;
    ``standard``: no metadata (``confidence``, ``statistic``, ``method``, ``note``);
    ``full``: everything. ``intermediates`` (e.g. ``total_count``) go with ``value``,
    ``lower`` and ``upper``.
    """
    lowers = [c for c in frame.columns if str(c).startswith("lower") and str(c).endswith("cl")]
    uppers = [c for c in frame.columns if str(c).startswith("upper") and str(c).endswith("cl")]
    meta = [c for c in META_COLUMNS if c in frame.columns]
    drop: list[str] = []
    if type == "lower":
        drop = [*intermediates, "value", *uppers, *meta]
    elif type == "upper":
        drop = [*intermediates, "value", *lowers, *meta]
    elif type == "value":
        drop = [*intermediates, *lowers, *uppers, *meta]
    elif type == "standard":
        drop = meta
    return frame.drop(columns=[c for c in drop if c in frame.columns])


def group_sums(data: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Sum ``columns`` within each combination of ``keys``; a missing value makes the sum missing.

    This mirrors R's ``sum()`` without ``na.rm``, which PHE uses when it summarises a
    grouped frame; groups come out in ascending key order, as dplyr's ``summarise``.
    """
    grouped = data.groupby(list(keys), sort=True, dropna=False)
    sums = grouped[list(columns)].sum(min_count=1)
    missing = data[list(columns)].isna().groupby([data[k] for k in keys], sort=True, dropna=False)
    sums = sums.mask(missing.any())
    return sums.reset_index()


def r_number(x: float) -> str:
    """A number as R's ``as.character`` prints it (``1e+05`` for 100000, ``100`` for 100)."""
    if not np.isfinite(x):
        return str(x)
    fixed = f"{x:.15g}"
    if "e" in fixed:
        fixed = f"{x:.15f}".rstrip("0").rstrip(".")
    mantissa, exponent = f"{x:.14e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    exp_value = int(exponent)
    sci = f"{mantissa}e{'+' if exp_value >= 0 else '-'}{abs(exp_value):02d}"
    return sci if len(sci) < len(fixed) else fixed


def r_format(x: float) -> str:
    """A number as R's ``format(x, scientific = FALSE)`` prints it."""
    text = f"{x:.15g}"
    if "e" in text:
        text = f"{x:.15f}".rstrip("0").rstrip(".")
    return text


def notes_from(*pairs: tuple[np.ndarray, str]) -> np.ndarray:
    """A note per row: the first message whose mask is true, else ``None``."""
    size = len(pairs[0][0]) if pairs else 0
    out = np.full(size, None, dtype=object)
    for mask, message in reversed(pairs):
        out = np.where(mask, message, out)
    return out
