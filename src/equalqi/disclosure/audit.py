"""Which hidden cells an attacker could still work out: the audit behind secondary suppression.

Two attacks, as in Hundepool et al., *Statistical Disclosure Control* (2012), 4.3:

* **Linear.** The published cells and the relations (:mod:`equalqi.disclosure.relations`)
  give a linear system in the hidden cells. A hidden cell is determined exactly when its
  unit vector lies in the row space of that system, i.e. when the null space has no
  component along it. This covers subtraction from a total, from an intersection's margins
  and any chain of them, however long.
* **Bounds.** Hidden counts cannot be negative, and a hidden row has at least one record.
  When the hidden parts of a relation with a published total add up to their smallest
  possible sum (no events, or one record each), every one of them is known.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from equalqi.disclosure.relations import Relation, Relations

_TOL = 1e-9


def _components(relations: Relations, hidden: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Connected groups of hidden cells: (hidden cells, relations linking them)."""
    parent = {int(c): int(c) for c in np.flatnonzero(hidden)}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    touching: list[int] = []
    for i, r in enumerate(relations.items):
        cells = [c for c in (r.total, *r.parts) if hidden[c]]
        if not cells:
            continue
        touching.append(i)
        root = find(cells[0])
        for c in cells[1:]:
            other = find(c)
            if other != root:
                parent[other] = root
    cells_of: dict[int, list[int]] = {}
    for c in parent:
        cells_of.setdefault(find(c), []).append(c)
    rels_of: dict[int, list[int]] = {}
    for i in touching:
        r = relations.items[i]
        first = next(c for c in (r.total, *r.parts) if hidden[c])
        rels_of.setdefault(find(first), []).append(i)
    return [(cells, rels_of.get(root, [])) for root, cells in cells_of.items()]


def linearly_determined(relations: Relations, hidden: np.ndarray) -> np.ndarray:
    """Boolean mask of hidden cells whose exact value follows from the published cells."""
    out = np.zeros(relations.n_cells, dtype=bool)
    for cells, rels in _components(relations, hidden):
        if not rels:
            continue
        column = {c: j for j, c in enumerate(cells)}
        matrix = np.zeros((len(rels), len(cells)))
        for row, i in enumerate(rels):
            r = relations.items[i]
            if hidden[r.total]:
                matrix[row, column[r.total]] = -1.0
            for p in r.parts:
                if hidden[p]:
                    matrix[row, column[p]] += 1.0
        _, s, vt = np.linalg.svd(matrix, full_matrices=True)
        rank = int((s > _TOL * max(1.0, float(s.max(initial=0.0)))).sum())
        null = vt[rank:].T  # columns span the null space
        free = np.abs(null).max(axis=1, initial=0.0) > 1e-7
        for c, j in column.items():
            out[c] = not free[j]
    return out


def bounds_exhausted(
    relation: Relation,
    hidden: np.ndarray,
    counts: Mapping[str, np.ndarray],
    lowest: Mapping[str, float],
) -> str | None:
    """The count whose hidden parts sit at their smallest possible sum, if any.

    Only for a relation whose total is published: then the hidden parts' sum is known.
    ``counts`` maps a count name to its values per cell; ``lowest`` to the least value a
    hidden cell can take (0 events; 1 record).
    """
    if hidden[relation.total]:
        return None
    parts = [p for p in relation.parts if hidden[p]]
    if not parts:
        return None
    for name, values in counts.items():
        if float(np.sum(values[parts])) <= lowest[name] * len(parts) + _TOL:
            return name
    return None
