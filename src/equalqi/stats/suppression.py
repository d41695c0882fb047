"""Small-number suppression for outputs that leave the organisation.

Why: a count of 1-9 patients in a small group (an ethnic group in one practice, a decile in
one month) can identify people, and so can the rate or interval computed from it, or a
count that can be recovered by subtracting the others from a published total.

The policy, on by default in every shared output (``equalqi`` plans: ``suppress_below``):

1. **Primary suppression.** A count from 1 to ``threshold − 1`` (1-9 by default) is
   blanked. True zeros are shown (``keep_zeros=True``), as in NHS England (formerly NHS
   Digital) and ONS publications: a zero says no-one had the outcome, which identifies
   no individual; set ``keep_zeros=False`` for the stricter rule.
2. **Complements.** With ``complement_of={"numerator": "denominator"}``, a row is also
   suppressed when denominator − numerator is 1 to ``threshold − 1``: the few people
   *without* the outcome would otherwise be identifiable.
3. **Derived values.** In a row with a suppressed count, the values derived from it
   (value, limits, standard error...: ``derived_columns``) are blanked too.
4. **Secondary suppression** (``secondary_within``): within each set of rows that add up
   to a published total (e.g. the groups of one dimension in one period), if exactly one
   cell of a count column is suppressed, the next smallest non-zero cell is suppressed as
   well, so the hidden count cannot be recovered by subtraction.
5. Optional **rounding** of the counts that remain to a base (``round_to=5``, the HES
   convention for counts of 8 and more).

A ``suppressed`` flag and a ``suppression_reason`` column say what was done, so every
report can state it. References: NHS Digital. Hospital Episode Statistics analysis guide
(statistical disclosure control: small numbers); Office for National Statistics.
Statistical disclosure control policy / Disclosure control guidance for tables produced
from administrative sources (GSS, 2014); ICO. Anonymisation code of practice (2012).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from equalqi.errors import Problem
from equalqi.stats._validation import check_columns, raise_problems

DEFAULT_THRESHOLD = 10
DERIVED_NAMES = (
    "value",
    "lower",
    "upper",
    "se",
    "sd",
    "estimate",
    "lowerci",
    "upperci",
    "lowercl",
    "uppercl",
    "rate",
    "proportion",
    "percentage",
)


def _default_derived(frame: pd.DataFrame, counts: Sequence[str]) -> list[str]:
    """Columns that are (by equalqi's naming) values or limits computed from the counts."""
    out = []
    for column in frame.columns:
        name = str(column)
        if name in counts:
            continue
        if name in DERIVED_NAMES or (
            (name.startswith("lower") or name.startswith("upper"))
            and pd.api.types.is_numeric_dtype(frame[column])
        ):
            out.append(name)
    return out


def suppress(
    frame: pd.DataFrame,
    *,
    count_columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    derived_columns: Sequence[str] | None = None,
    keep_zeros: bool = True,
    complement_of: Mapping[str, str] | None = None,
    secondary_within: Sequence[str] | None = None,
    round_to: int | None = None,
    marker: str | None = None,
    flag_column: str = "suppressed",
    reason_column: str = "suppression_reason",
) -> pd.DataFrame:
    """Apply the small-number suppression policy to a copy of ``frame``.

    ``count_columns`` are the counts that could identify people (numerators,
    denominators). Counts from 1 to ``threshold − 1`` are blanked (``threshold=0`` turns
    suppression off), with the ``derived_columns`` of their row (by default the columns
    named value, lower, upper, se, estimate, lowerci, upperci, lower…/upper… limits).
    Blanked cells hold NaN, or ``marker`` (e.g. ``"*"``) if given, which makes those
    columns text. ``flag_column`` (bool) and ``reason_column`` are added. The input
    frame is never changed.
    """
    counts = list(count_columns)
    problems = check_columns(frame, [("count_columns", c) for c in counts], numeric=())
    for column in counts:
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column]):
            problems.append(
                Problem(
                    what="a count column must hold numbers",
                    fix="Suppress before formatting the counts as text.",
                    column=column,
                )
            )
    if derived_columns is not None:
        problems += check_columns(frame, [("derived_columns", c) for c in derived_columns])
    if complement_of:
        problems += check_columns(
            frame, [("complement_of", c) for pair in complement_of.items() for c in pair]
        )
    if secondary_within is not None:
        problems += check_columns(frame, [("secondary_within", c) for c in secondary_within])
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        problems.append(
            Problem(
                what="threshold must be a whole number of 0 or more",
                fix="The NHS default is 10 (counts 1-9 suppressed); 0 turns suppression off.",
                value=repr(threshold),
            )
        )
    if round_to is not None and (not isinstance(round_to, int | np.integer) or round_to < 1):
        problems.append(
            Problem(
                what="round_to must be a whole number of 1 or more",
                fix="Use 5 to round counts to the nearest 5, or leave it out.",
                value=repr(round_to),
            )
        )
    if not counts:
        problems.append(
            Problem(
                what="suppression needs at least one count column",
                fix="Name the numerator and denominator columns as count_columns.",
            )
        )
    raise_problems(problems)

    out = frame.copy()
    derived = _default_derived(out, counts) if derived_columns is None else list(derived_columns)
    n = len(out)
    small = {c: _small(out[c].to_numpy(dtype=float), threshold, keep_zeros) for c in counts}
    reason = np.full(n, None, dtype=object)
    cell = {c: small[c].copy() for c in counts}
    for c in counts:
        reason = np.where(small[c] & (reason == None), f"count 1-{threshold - 1} in {c}", reason)  # noqa: E711
    row = np.zeros(n, dtype=bool)
    for c in counts:
        row |= small[c]
    if complement_of:
        for part, whole in complement_of.items():
            rest = out[whole].to_numpy(dtype=float) - out[part].to_numpy(dtype=float)
            hit = _small(rest, threshold, keep_zeros)
            cell[part] |= hit
            reason = np.where(
                hit & (reason == None),  # noqa: E711
                f"{whole} − {part} is 1-{threshold - 1}",
                reason,
            )
            row |= hit
    if secondary_within is not None and threshold > 0:
        for c in counts:
            extra = _secondary(out, c, cell[c], list(secondary_within))
            cell[c] |= extra
            reason = np.where(extra & (reason == None), "secondary suppression", reason)  # noqa: E711
            row |= extra

    if round_to is not None:
        for c in counts:
            values = out[c].to_numpy(dtype=float)
            out[c] = np.where(np.isnan(values), np.nan, np.round(values / round_to) * round_to)
    for c in counts:
        out[c] = _blank(out[c], cell[c], marker)
    for c in derived:
        out[c] = _blank(out[c], row, marker)
    out[flag_column] = row
    out[reason_column] = reason
    return out


def _small(values: np.ndarray, threshold: int, keep_zeros: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        low = 0 if keep_zeros else -1
        return (values > low) & (values < threshold) & ~np.isnan(values)


def _secondary(
    frame: pd.DataFrame, column: str, hidden: np.ndarray, within: list[str]
) -> np.ndarray:
    """The next smallest non-zero cell of each set with exactly one hidden cell."""
    values = frame[column].to_numpy(dtype=float)
    keys = [frame[k] for k in within]
    hidden_s = pd.Series(hidden, index=frame.index)
    n_hidden = hidden_s.groupby(keys, dropna=False).transform("sum").to_numpy()
    size = hidden_s.groupby(keys, dropna=False).transform("size").to_numpy()
    candidate = ~hidden & (values > 0) & ~np.isnan(values) & (n_hidden == 1) & (size > 1)
    score = pd.Series(np.where(candidate, values, np.inf), index=frame.index)
    # smallest candidate per set; ties go to the first row
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    ranked = pd.DataFrame({"score": score, "pos": position})
    for k, key in zip(within, keys, strict=True):
        ranked[f"_k_{k}"] = key.to_numpy()
    first = (
        ranked.sort_values(["score", "pos"])
        .groupby([f"_k_{k}" for k in within], dropna=False)["pos"]
        .first()
    )
    chosen = np.zeros(len(frame), dtype=bool)
    picks = first.to_numpy()
    picks = picks[np.isfinite(score.to_numpy()[picks])]
    chosen[picks] = True
    return chosen & candidate


def _blank(series: pd.Series, mask: np.ndarray, marker: str | None) -> pd.Series:
    if not mask.any():
        return series
    if marker is None:
        return series.astype(float).mask(mask)
    return series.astype(object).mask(mask, marker)
