"""Exact joint distribution of the longest run and the number of crossings.

For ``n`` useful points, each independently above the centre line with probability ``p``
(``p = 0.5`` for a random process around its median; ``p = Φ(shift)`` for a process whose
mean has moved ``shift`` standard deviations away from the centre line), let ``C`` be the
number of crossings (runs - 1) and ``L`` the longest run. The runs analysis methods
*bestbox* and *cutbox* choose their critical values from this distribution (Anhøj J,
Wentzel-Larsen T. Smooth operator: modifying the Anhøj rules to improve runs analysis in
statistical process control. *PLoS ONE* 2020;15(6):e0233920; the distribution itself:
Wentzel-Larsen T, Anhøj J. crossrun: an R package for the joint distribution of number of
crossings and longest run in independent Bernoulli observations. *R Journal* 2019).

**Recursion (our own).** A sequence is a chain of ``k = C + 1`` runs that alternate sides.
Let ``F_k(m)`` be the probability that the first ``m`` points form exactly ``k`` complete
runs, all of length at most ``l``, the first on a given side. With ``w`` the probability of
the side of run ``k``,

    F_0(m) = [m = 0],    F_k(m) = Σ_{t=1..l} w^t F_{k-1}(m - t).

The truncated geometric sum is an IIR filter minus its shift by ``l``:
``E_k(m) = w (E_k(m - 1) + F_{k-1}(m - 1))`` and ``F_k(m) = E_k(m) - w^l E_k(m - l)``, so
each ``k`` costs one linear filter over all ``(l, m)`` at once and the whole table costs
O(n³) operations. Then ``P(C = k - 1, L ≤ l) = F_k(n)`` summed over the two starting sides,
and differencing in ``l`` gives the cells ``P(C = c, L = l)``. Every ``F`` is the probability
of an event, so it stays in [0, 1]: no overflow and absolute rounding errors of order
``n · 2⁻⁵²``.

For ``p = 0.5`` every sequence has probability ``2⁻ⁿ`` and the counts are also available
exactly in integers (:func:`null_count`): the number of compositions of ``n`` into ``k``
parts of at most ``l`` is ``Σ_j (-1)^j C(k, j) C(n - j·l - 1, k - 1)`` (inclusion-exclusion).
The box methods use it wherever a floating-point comparison with the specificity target is
too close to call.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np
from numpy.typing import NDArray
from scipy.signal import lfilter
from scipy.stats import norm

Arr = NDArray[np.float64]


def _start_on_one_side(n: int, w_first: float, w_second: float) -> Arr:
    """``out[l - 1, k - 1]`` = P(k runs, all of length <= l; first run on the ``w_first`` side)."""
    lengths = np.arange(1, n + 1, dtype=np.float64)
    power = w_first**lengths, w_second**lengths
    # E_k lives in the right half of a zero-padded buffer, so that row l of E_k shifted
    # right by l is a strided view (the padding supplies the zeros for m < l)
    width = 2 * (n + 1)
    buffer = np.zeros((n, width))
    e = buffer[:, n + 1 :]
    stride = buffer.strides
    shifted = np.lib.stride_tricks.as_strided(
        buffer.ravel()[n:], shape=(n, n + 1), strides=(stride[0] - stride[1], stride[1])
    )
    f = np.zeros((n, n + 1))
    f[:, 0] = 1.0
    out = np.zeros((n, n))
    for k in range(1, n + 1):
        w = w_first if k % 2 else w_second
        wl = power[0] if k % 2 else power[1]
        # F_{k-1} is zero below m = k - 1 and F_k below m = k: work on m >= k - 1 only
        lo = k - 1
        e[:, lo:] = lfilter([0.0, w], [1.0, -w], f[:, lo:], axis=1)
        f = e - wl[:, None] * shifted
        f[:, :k] = 0.0  # k runs need at least k points (clears rounding noise)
        out[:, k - 1] = f[:, n]
    return np.clip(out, 0.0, 1.0)


@lru_cache(maxsize=64)
def _joint(n: int, shift: float) -> Arr:
    p = 0.5 if shift == 0 else float(norm.cdf(shift))
    q = 1.0 - p
    above = _start_on_one_side(n, p, q)
    cum = 2.0 * above if p == q else above + _start_on_one_side(n, q, p)
    # cum[l - 1, c] = P(C = c, L <= l); difference in l for the cells
    cells = np.diff(cum, axis=0, prepend=np.zeros((1, n)))
    cells = np.clip(cells, 0.0, 1.0).T.copy()  # [c, l - 1]
    cells.setflags(write=False)
    return cells


def joint_distribution(n: int, shift: float = 0.0) -> Arr:
    """``P[c, l - 1] = P(C = c, L = l)`` for ``n`` useful points (read-only, cached).

    ``shift`` is the distance of the process mean from the centre line in standard
    deviations; 0 is a random process around its median.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    return _joint(int(n), float(shift))


@lru_cache(maxsize=4096)
def _compositions(n: int, k: int, most: int) -> int:
    """Compositions of ``n`` into ``k`` parts, each between 1 and ``most`` (inclusion-exclusion)."""
    if k < 1 or most < 1 or k > n:
        return 0
    total = 0
    j = 0
    while j <= k and n - j * most - 1 >= k - 1:
        total += (-1) ** j * comb(k, j) * comb(n - j * most - 1, k - 1)
        j += 1
    return total


def null_count(n: int, c: int, longest: int) -> int:
    """Exactly how many of the ``2ⁿ`` sequences have ``C = c`` crossings and ``L = longest``."""
    k = c + 1
    return 2 * (_compositions(n, k, longest) - _compositions(n, k, longest - 1))
