"""The additive relations a published measure table satisfies, as an attacker sees them.

Every count in the measure table (numerator, denominator, records) is a cell; each
relation says that a *total* cell equals the sum of its *part* cells:

* per period, the groups of every dimension add up to the Overall row (each dimension has
  its "Not known" group, so the groups partition the records);
* per period, the cells of an intersection (ethnic group x deprivation) add up to each
  margin: the cells that share one dimension's group add up to that group's row;
* over periods, the Overall rows add up to the number of records analysed (published in
  the summary): the *grand total*, an extra cell after the table's rows.

A group with no records in a period has no row: a known zero, which is not a cell.
Reference: Hundepool et al., *Statistical Disclosure Control* (2012), 4.2 (linked tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

OVERALL = "Overall"
SEPARATOR = " · "


@dataclass(frozen=True)
class Relation:
    total: int
    parts: tuple[int, ...]


@dataclass(frozen=True)
class Relations:
    """The relations of one table; cell ``grand`` (= number of rows) is the grand total."""

    n_cells: int
    grand: int
    items: tuple[Relation, ...]

    def containing(self) -> list[list[int]]:
        """For each cell, the indices of the relations it takes part in."""
        out: list[list[int]] = [[] for _ in range(self.n_cells)]
        for i, r in enumerate(self.items):
            out[r.total].append(i)
            for p in r.parts:
                out[p].append(i)
        return out


def build_relations(
    table: pd.DataFrame,
    dimensions: Sequence[str],
    intersections: Sequence[tuple[str, Sequence[str]]],
) -> Relations:
    """Relations of a measure table (columns ``period``, ``dimension``, ``group``)."""
    n = len(table)
    grand = n
    rows = pd.DataFrame(
        {
            "period": table["period"].to_numpy(),
            "dimension": table["dimension"].astype(str).to_numpy(),
            "group": table["group"].astype(str).to_numpy(),
            "i": np.arange(n),
        }
    )
    where = {
        (p, d, g): int(i)
        for p, d, g, i in zip(
            rows["period"], rows["dimension"], rows["group"], rows["i"], strict=True
        )
    }
    items: list[Relation] = []
    by_dim = {d: f for d, f in rows.groupby("dimension", sort=False)}
    overall = by_dim.get(OVERALL)
    if overall is None:
        return Relations(n + 1, grand, ())
    overall_at = dict(zip(overall["period"], overall["i"], strict=True))
    items.append(Relation(grand, tuple(int(i) for i in overall["i"])))
    for name in dimensions:
        frame = by_dim.get(name)
        if frame is None:
            continue
        for period, parts in frame.groupby("period", sort=False):
            total = overall_at.get(period)
            if total is not None:
                items.append(Relation(int(total), tuple(int(i) for i in parts["i"])))
    for name, of in intersections:
        frame = by_dim.get(name)
        if frame is None:
            continue
        split = frame["group"].str.split(SEPARATOR, regex=False)
        for position, margin_dim in enumerate(of):
            component = split.str[position]
            for (period, value), parts in frame.groupby([frame["period"], component], sort=False):
                total = where.get((period, margin_dim, str(value)))
                if total is not None:
                    items.append(Relation(total, tuple(int(i) for i in parts["i"])))
    return Relations(n + 1, grand, tuple(items))
