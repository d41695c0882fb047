"""Best box: critical values for crossings and longest run chosen from their joint distribution.

The Anhøj rules set the limits for the longest run (``L``) and the number of crossings
(``C``) one at a time, so their joint specificity jumps up and down with ``n``. Anhøj and
Wentzel-Larsen (Smooth operator: modifying the Anhøj rules to improve runs analysis in
statistical process control. *PLoS ONE* 2020;15(6):e0233920) choose the two together.

A *box* ``(c, l)`` is the no-signal region ``C >= c and L <= l``. For ``n`` useful points the
**best box** is, among the boxes whose

* specificity, ``P(C >= c, L <= l)`` for a random process (each point above the centre line
  with probability 0.5), is at least 0.925, and whose
* corner cell ``(C = c, L = l)`` can occur,

the one with the lowest probability of no signal when the process has shifted by 0.8
standard deviations (points above with probability ``Φ(0.8)``), i.e. the highest
sensitivity. Equal sensitivities go to the smaller ``c``, then the smaller ``l`` (the
order in which the authors' ``bestbox()`` searches). Probabilities come from
:func:`equalqi.spc.rules.joint.joint_distribution`; comparisons with the specificity target
that floating point cannot settle are decided in exact integers.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache, partial

import numpy as np
from numpy.typing import NDArray

from equalqi.spc.rules.joint import joint_distribution, null_count

Arr = NDArray[np.float64]

#: specificity the box must keep for a random process (Anhøj & Wentzel-Larsen 2020)
SPECIFICITY = 0.925
#: shift, in standard deviations, at which the box's sensitivity is maximised
SHIFT = 0.8
#: floating-point results closer than this to a threshold are recomputed exactly
_CLOSE = 1e-9
#: sensitivities closer than this count as equal (so the search order decides)
_TIE = 1e-12


def box_probabilities(cells: Arr) -> Arr:
    """``B[c, l - 1] = P(C >= c, L <= l)`` from the cell probabilities ``P[c, l - 1]``."""
    return np.cumsum(cells, axis=1)[::-1].cumsum(axis=0)[::-1]


def exact_null_mass(n: int, cells: list[tuple[int, int]]) -> Fraction:
    """Exact probability, for a random process, of the set of ``(c, l)`` cells."""
    return Fraction(sum(null_count(n, c, run) for c, run in cells), 2**n)


def at_least(value: float, target: float, exact: Callable[[], Fraction]) -> bool:
    """``value >= target``, settled by ``exact()`` (a Fraction) when too close to call."""
    if abs(value - target) > _CLOSE:
        return value >= target
    return bool(exact() >= Fraction(str(target)))


@lru_cache(maxsize=1024)
def best_box(n: int, specificity: float = SPECIFICITY, shift: float = SHIFT) -> tuple[int, int]:
    """``(c, l)``: signal when crossings < c or longest run > l, for ``n`` useful points."""
    null = joint_distribution(n)
    alt = joint_distribution(n, shift)
    b0 = box_probabilities(null)
    bs = box_probabilities(alt)
    possible = null > 0
    ok = possible & (b0 >= specificity - _CLOSE)
    for c, l0 in zip(*np.nonzero(ok & (np.abs(b0 - specificity) <= _CLOSE)), strict=True):
        box = [(cc, ll) for cc in range(int(c), n) for ll in range(1, int(l0) + 2)]
        ok[c, l0] = at_least(float(b0[c, l0]), specificity, partial(exact_null_mass, n, box))
    best = float(np.min(bs[ok]))
    c, l0 = np.argwhere(ok & (bs <= best + _TIE))[0]
    return int(c), int(l0) + 1
