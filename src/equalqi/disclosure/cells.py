"""Apply a disclosure policy to the cells of a measure table.

``suppress``: primary suppression of small counts (and of small complements, the few people
*without* the outcome), then complementary suppression until the audit
(:mod:`equalqi.disclosure.audit`) finds no hidden cell that can be worked out. Each extra
cell is the cheapest that breaks the attack (the group with the fewest records, never an
Overall row when another cell will do), so as few cells as possible are hidden.
``round``: counts of 7 or fewer are redacted and the rest rounded to the nearest 5.

A hidden row hides all its counts (numerator, denominator, records) and everything worked
out from them. Pure: frames in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from equalqi.disclosure.audit import bounds_exhausted, linearly_determined
from equalqi.disclosure.policy import Policy
from equalqi.disclosure.relations import OVERALL, Relation, Relations

PRIMARY = "small number"
SECONDARY = "hidden to protect another cell"
COUNTS = ("numerator", "denominator", "n_records")


@dataclass(frozen=True)
class Protection:
    """What the policy did to each row (and to the grand total, the last cell)."""

    hidden: np.ndarray  # per cell (rows, then the grand total)
    reason: np.ndarray  # "", PRIMARY or SECONDARY per cell
    counts: pd.DataFrame  # the counts as shown (NaN where hidden; rounded under ``round``)

    @property
    def n_primary(self) -> int:
        return int((self.reason[:-1] == PRIMARY).sum())

    @property
    def n_secondary(self) -> int:
        return int((self.reason[:-1] == SECONDARY).sum())

    @property
    def grand_hidden(self) -> bool:
        return bool(self.hidden[-1])


def _small(values: np.ndarray, policy: Policy) -> np.ndarray:
    least = 0 if policy.hides_zeros else 1
    with np.errstate(invalid="ignore"):
        return (values >= least) & (values < policy.smallest_shown)


def primary_mask(table: pd.DataFrame, kind: str, policy: Policy) -> np.ndarray:
    """Rows resting on a count the policy hides.

    Proportions: the numerator, the denominator, or (``suppress``) denominator minus
    numerator, the few without the outcome. Rates: the events. Means: the records.
    """
    if kind == "mean":
        return _small(table["n_records"].to_numpy(float), policy)
    num = table["numerator"].to_numpy(float)
    if kind == "rate":
        return _small(num, policy)
    den = table["denominator"].to_numpy(float)
    mask = _small(num, policy) | _small(den, policy)
    if policy.rule == "suppress":
        mask |= _small(den - num, policy)
    return mask


def protect(table: pd.DataFrame, kind: str, policy: Policy, relations: Relations) -> Protection:
    """Hide (and, under ``round``, round) the table's counts as the policy says."""
    n = len(table)
    counts = table[list(COUNTS)].astype(float).reset_index(drop=True)
    hidden = np.zeros(n + 1, dtype=bool)
    reason = np.full(n + 1, "", dtype=object)
    if policy.rule == "none":
        return Protection(hidden, reason, counts)
    primary = primary_mask(table, kind, policy)
    hidden[:n] = primary
    reason[:n] = np.where(primary, PRIMARY, "")
    if policy.rule == "round":
        shown = counts.copy()
        for c in COUNTS:
            if kind == "mean" and c == "numerator":
                continue  # a sum of values, not a count: shown only as the mean
            shown[c] = np.round(shown[c] / policy.round_to) * policy.round_to
        _protect_rounded(table, kind, policy, shown, hidden, reason, relations)
        shown.loc[hidden[:n]] = np.nan
        return Protection(hidden, reason, shown)
    _complement(table, kind, hidden, reason, relations)
    shown = counts.mask(pd.Series(hidden[:n]), np.nan)
    return Protection(hidden, reason, shown)


def _cost(table: pd.DataFrame) -> np.ndarray:
    """What hiding each cell loses: its records; an Overall row far more; the grand total least."""
    records = table["n_records"].to_numpy(float)
    overall = table["dimension"].astype(str).to_numpy() == OVERALL
    return np.append(records + np.where(overall, 1e12, 0.0), -1.0)


def _bound_counts(table: pd.DataFrame, kind: str) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Counts an attacker can bound from below, per cell (grand total: records only)."""

    def cells(values: np.ndarray) -> np.ndarray:
        return np.append(values, np.nan)

    records = table["n_records"].to_numpy(float)
    counts = {"records": cells(records)}
    lowest = {"records": 1.0}
    if kind != "mean":
        num = table["numerator"].to_numpy(float)
        counts["numerator"] = cells(num)
        lowest["numerator"] = 0.0
    if kind == "proportion":
        den = table["denominator"].to_numpy(float)
        counts["denominator"] = cells(den)
        counts["complement"] = cells(den - num)
        lowest["denominator"] = 1.0
        lowest["complement"] = 0.0
    return counts, lowest


def _pick(
    relation: Relation,
    hidden: np.ndarray,
    cost: np.ndarray,
    useful: np.ndarray | None = None,
) -> int | None:
    """The cheapest published cell of the relation (that breaks the attack, if ``useful``)."""
    best, best_cost = None, np.inf
    for c in (*relation.parts, relation.total):
        if hidden[c] or (useful is not None and c != relation.total and not useful[c]):
            continue
        if cost[c] < best_cost:
            best, best_cost = c, cost[c]
    return best


def _complement(
    table: pd.DataFrame,
    kind: str,
    hidden: np.ndarray,
    reason: np.ndarray,
    relations: Relations,
) -> None:
    """Add cells to ``hidden`` (in place) until neither attack recovers a hidden cell."""
    cost = _cost(table)
    counts, lowest = _bound_counts(table, kind)
    _add_until_safe(relations, hidden, reason, cost, counts, lowest)
    _prune(relations, hidden, reason, cost, counts, lowest)


def _unsafe(
    relations: Relations,
    hidden: np.ndarray,
    counts: dict[str, np.ndarray],
    lowest: dict[str, float],
    only: list[int] | None = None,
) -> bool:
    """True if either attack recovers a hidden cell (the per-relation checks only on the
    relations ``only``, if given; the linear audit always on the whole table)."""
    items = relations.items if only is None else [relations.items[i] for i in only]
    for r in items:
        n_hidden = sum(1 for c in (r.total, *r.parts) if hidden[c])
        if n_hidden == 1 or (n_hidden and bounds_exhausted(r, hidden, counts, lowest)):
            return True
    return bool(linearly_determined(relations, hidden).any())


def _prune(
    relations: Relations,
    hidden: np.ndarray,
    reason: np.ndarray,
    cost: np.ndarray,
    counts: dict[str, np.ndarray],
    lowest: dict[str, float],
) -> None:
    """Show again every protecting cell that is not needed (costliest first): the greedy
    additions can make an earlier one redundant."""
    containing = relations.containing()
    extra = [int(c) for c in np.flatnonzero(reason == SECONDARY)]
    for c in sorted(extra, key=lambda c: -cost[c]):
        hidden[c] = False
        if _unsafe(relations, hidden, counts, lowest, only=containing[c]):
            hidden[c] = True
        else:
            reason[c] = ""


def _add_until_safe(
    relations: Relations,
    hidden: np.ndarray,
    reason: np.ndarray,
    cost: np.ndarray,
    counts: dict[str, np.ndarray],
    lowest: dict[str, float],
) -> None:
    containing = relations.containing()

    def hide(c: int) -> None:
        hidden[c] = True
        reason[c] = SECONDARY

    for _ in range(10 * relations.n_cells + 10):
        changed = False
        # Cheap sweep first: no relation may have exactly one hidden cell, nor hidden parts
        # at their smallest possible sum.
        for r in relations.items:
            cells = (r.total, *r.parts)
            n_hidden = sum(1 for c in cells if hidden[c])
            if n_hidden == 0:
                continue
            if n_hidden == 1:
                pick = _pick(r, hidden, cost)
            else:
                which = bounds_exhausted(r, hidden, counts, lowest)
                if which is None:
                    continue
                positive = counts[which] > lowest[which]
                pick = _pick(r, hidden, cost, useful=np.nan_to_num(positive) > 0)
            if pick is not None:
                hide(pick)
                changed = True
        if changed:
            continue
        determined = linearly_determined(relations, hidden)
        if not determined.any():
            return
        for c in np.flatnonzero(determined):
            options = [
                p
                for i in containing[c]
                if (p := _pick(relations.items[i], hidden, cost)) is not None
            ]
            if options:
                hide(min(options, key=lambda p: cost[p]))
                changed = True
        if not changed:
            break
    raise RuntimeError("complementary suppression did not settle")


def _protect_rounded(
    table: pd.DataFrame,
    kind: str,
    policy: Policy,
    rounded: pd.DataFrame,
    hidden: np.ndarray,
    reason: np.ndarray,
    relations: Relations,
) -> None:
    """Rounding blurs a total by up to half the base, but a total and its parts rounded
    apart can still pin a redacted part down (185 - 100 - 90 with each off by 2 leaves only
    1). Where a relation's rounded numbers leave a hidden part a single possible value,
    hide the cheapest shown cell of the relation too, until none does."""
    half = policy.round_to // 2
    least = policy.redact_at_most + 1
    cost = _cost(table)
    columns = ["n_records"] if kind == "mean" else ["numerator", "denominator", "n_records"]
    caps = {"numerator": float(policy.redact_at_most), "denominator": np.inf, "n_records": np.inf}
    floors = {"numerator": 0.0, "denominator": 1.0, "n_records": 1.0}
    values = {c: np.append(rounded[c].to_numpy(float), np.nan) for c in columns}

    def interval(c: str, cell: int) -> tuple[float, float]:
        if hidden[cell] or cell == relations.grand:
            return floors[c], caps[c] if hidden[cell] else np.inf
        v = values[c][cell]
        return max(v - half, least), v + half

    for _ in range(relations.n_cells + 10):
        changed = False
        for r in relations.items:
            parts = [p for p in r.parts if hidden[p]]
            if not parts or hidden[r.total] or r.total == relations.grand:
                continue
            for c in columns:
                tlo, thi = interval(c, r.total)
                spans = [interval(c, p) for p in r.parts]
                lo_sum = sum(a for a, _ in spans)
                finite = sum(b for _, b in spans if np.isfinite(b))
                n_inf = sum(1 for _, b in spans if not np.isfinite(b))
                pinned = False
                for p, (plo, phi) in zip(r.parts, spans, strict=True):
                    if not hidden[p]:
                        continue
                    others_inf = n_inf - (0 if np.isfinite(phi) else 1)
                    others_hi = np.inf if others_inf else finite - (phi if np.isfinite(phi) else 0)
                    top = min(phi, thi - (lo_sum - plo))
                    bottom = max(plo, tlo - others_hi)
                    if np.floor(top) <= np.ceil(bottom):
                        pinned = True
                        break
                if pinned:
                    pick = _pick(r, hidden, cost)
                    if pick is not None:
                        hidden[pick] = True
                        reason[pick] = SECONDARY
                        changed = True
                    break
        if not changed:
            return
