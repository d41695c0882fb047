"""Cut box: the best box with cells cut from its corner while the specificity allows.

Anhøj J, Wentzel-Larsen T. Smooth operator: modifying the Anhøj rules to improve runs
analysis in statistical process control. *PLoS ONE* 2020;15(6):e0233920.

The best box ``(c, l)`` (:mod:`equalqi.spc.rules.bestbox`) usually has specificity above
its 0.925 target. The **cut box** spends the surplus: starting from the corner cell
``(C = c, L = l)`` — the least random-looking combination inside the box — it removes cells
from the no-signal region for as long as the specificity stays at or above the target:

1. if the box without its corner falls below the target, nothing is cut (cut box = best
   box);
2. otherwise the corner goes, and cells are taken one at a time along the box's two edges
   next to it: up the column ``L = l`` (``C = c + 1, c + 2, …``) or down the row ``C = c``
   (``L = l - 1, l - 2, …``), each time from the edge whose next cell is more likely under
   the 0.8-SD shift (more sensitivity gained; the column on a tie);
3. when only one edge can still give a cell, as many cells as the target allows are taken
   along it; when neither can, the cut stops.

The result is two borders: ``c_border``, the smallest number of crossings still without a
signal when ``L = l``, and ``l_border``, the longest run still without a signal when
``C = c``. There is no signal when ``C >= c + 1 and L <= l - 1``, or ``C = c and
L <= l_border``, or ``C >= c_border and L <= l``.
"""

from __future__ import annotations

from functools import lru_cache

from equalqi.spc.rules.bestbox import (
    _TIE,
    SHIFT,
    SPECIFICITY,
    at_least,
    best_box,
    box_probabilities,
    exact_null_mass,
)
from equalqi.spc.rules.joint import joint_distribution


@lru_cache(maxsize=1024)
def cut_box(
    n: int, specificity: float = SPECIFICITY, shift: float = SHIFT
) -> tuple[int, int] | None:
    """``(c_border, l_border)`` of the cut box, or None when the corner cannot be cut."""
    c, lb = best_box(n, specificity, shift)
    null = joint_distribution(n)
    alt = joint_distribution(n, shift)
    box = [(cc, ll) for cc in range(c, n) for ll in range(1, lb + 1)]
    box_mass = float(box_probabilities(null)[c, lb - 1])
    removed: list[tuple[int, int]] = []

    def keeps_target(extra: list[tuple[int, int]]) -> bool:
        cut = removed + extra
        value = box_mass - sum(float(null[cc, ll - 1]) for cc, ll in cut)
        gone = set(cut)
        return at_least(
            value,
            specificity,
            lambda: exact_null_mass(n, [cell for cell in box if cell not in gone]),
        )

    def null_cell(cc: int, ll: int) -> float:
        return float(null[cc, ll - 1]) if cc < n and ll >= 1 else 0.0

    if not keeps_target([(c, lb)]):
        return None
    removed.append((c, lb))
    c_border, l_border = c + 1, lb - 1  # smallest C kept at L = lb; largest L kept at C = c
    while True:
        can_c = null_cell(c_border, lb) > 0 and keeps_target([(c_border, lb)])
        can_l = null_cell(c, l_border) > 0 and keeps_target([(c, l_border)])
        if can_c and can_l:
            if float(alt[c_border, lb - 1]) >= float(alt[c, l_border - 1]) - _TIE:
                removed.append((c_border, lb))
                c_border += 1
            else:
                removed.append((c, l_border))
                l_border -= 1
            continue
        if can_l:
            while l_border >= 1 and keeps_target([(c, l_border)]):
                removed.append((c, l_border))
                l_border -= 1
        elif can_c:
            while c_border < n and keeps_target([(c_border, lb)]):
                removed.append((c_border, lb))
                c_border += 1
        return c_border, l_border


def no_signal(n: int, crossings: int, longest: int) -> bool:
    """Whether ``(C, L)`` lies inside the cut box (or the best box when nothing was cut)."""
    c, lb = best_box(n)
    cut = cut_box(n)
    if cut is None:
        return crossings >= c and longest <= lb
    c_border, l_border = cut
    return bool(
        (crossings >= c + 1 and longest <= lb - 1)
        or (crossings == c and longest <= l_border)
        or (crossings >= c_border and longest <= lb)
    )
