"""Runs analysis by best box and cut box (Anhøj & Wentzel-Larsen, PLoS ONE 2020;15:e0233920).

Checked three ways: the joint distribution of (crossings, longest run) against every one of
the 2ⁿ sequences for small n; the critical values against the handful published by
qicharts2; and the properties the paper's construction guarantees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from equalqi.errors import InputError
from equalqi.spc import spc
from equalqi.spc.result import SPCResult
from equalqi.spc.rules.anhoej import MAX_BOX_N, crossings_limit, longest_run_limit
from equalqi.spc.rules.bestbox import SHIFT, SPECIFICITY, best_box, box_probabilities
from equalqi.spc.rules.cutbox import cut_box, no_signal
from equalqi.spc.rules.joint import joint_distribution, null_count


def _enumerate(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crossings, longest run and number of points above for all 2ⁿ sequences."""
    codes = np.arange(2**n)
    bits = (codes[:, None] >> np.arange(n)[None, :]) & 1
    crossings = (bits[:, 1:] != bits[:, :-1]).sum(axis=1)
    run = np.ones(2**n, dtype=np.int64)
    longest = np.ones(2**n, dtype=np.int64)
    for i in range(1, n):
        run = np.where(bits[:, i] == bits[:, i - 1], run + 1, 1)
        longest = np.maximum(longest, run)
    return crossings, longest, bits.sum(axis=1)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 11, 14])
def test_null_distribution_equals_enumeration_of_all_sequences(n: int) -> None:
    crossings, longest, _ = _enumerate(n)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (crossings, longest - 1), 1)
    exact = np.array([[null_count(n, c, run) for run in range(1, n + 1)] for c in range(n)])
    np.testing.assert_array_equal(exact, counts)
    np.testing.assert_allclose(joint_distribution(n), counts / 2**n, rtol=0, atol=1e-15)


def test_published_n14_probabilities() -> None:
    # Wentzel-Larsen T, Anhøj J. crossrun vignette (CRAN package crossrun, Table 1 and text):
    # for n = 14 in the symmetric case, P(C = 6, L = 5) = 392 / 8192 and the most likely
    # combinations are C = 7 or 8 with L = 3, each 756 / 8192 (probabilities x 2^13).
    times = joint_distribution(14) * 2**13
    assert times[6, 5 - 1] == 392
    assert times[7, 3 - 1] == times[8, 3 - 1] == 756 == times.max()
    assert [int(np.sum(times == 756))] == [2]
    assert null_count(14, 6, 5) == 2 * 392  # of all 2^14 sequences


@pytest.mark.parametrize("n", [4, 9, 13])
def test_shifted_distribution_equals_enumeration(n: int) -> None:
    p = float(norm.cdf(SHIFT))
    crossings, longest, above = _enumerate(n)
    weight = p**above * (1 - p) ** (n - above)
    expected = np.zeros((n, n))
    np.add.at(expected, (crossings, longest - 1), weight)
    np.testing.assert_allclose(joint_distribution(n, SHIFT), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", [10, 57, 150])
def test_distribution_properties(n: int) -> None:
    null = joint_distribution(n)
    assert null.sum() == pytest.approx(1.0, abs=1e-12)
    # under the null each of the n - 1 steps crosses with probability 1/2, independently:
    # C ~ Binomial(n - 1, 1/2)
    from scipy.stats import binom

    np.testing.assert_allclose(null.sum(axis=1), binom.pmf(np.arange(n), n - 1, 0.5), atol=1e-13)
    # P(L = n) = 2 / 2^n (all on one side), and no sequence has L = n with a crossing
    assert null[0, n - 1] == pytest.approx(2.0 ** (1 - n), rel=1e-12)
    assert null[1:, n - 1].sum() == 0
    shifted = joint_distribution(n, SHIFT)
    assert shifted.sum() == pytest.approx(1.0, abs=1e-12)
    # E[C] = (n - 1) * 2pq by linearity, whatever the dependence between steps
    p = float(norm.cdf(SHIFT))
    expected_c = (n - 1) * 2 * p * (1 - p)
    assert (shifted.sum(axis=1) * np.arange(n)).sum() == pytest.approx(expected_c, rel=1e-12)
    # symmetric: a shift down gives the same distribution as a shift up
    np.testing.assert_allclose(joint_distribution(n, -SHIFT), shifted, atol=1e-14)


# qicharts2 R/helper.functions.R, crsignal(), table `bounds` (github.com/anhoej/qicharts2,
# commit 1b9487e), which holds the authors' best and cut boxes for n = 10..100:
# n -> (cb, lb, cbord, lbord); None = nothing cut.
QICHARTS2_BOXES = {
    10: (2, 6, 3, 5),
    12: (3, 6, None, None),
    15: (4, 7, 6, 6),
    26: (9, 9, 10, 7),
    47: (17, 9, 20, 7),
    83: (33, 10, 36, 7),
    100: (41, 10, 42, 9),
}


@pytest.mark.parametrize("n", sorted(QICHARTS2_BOXES))
def test_boxes_match_qicharts2(n: int) -> None:
    cb, lb, cbord, lbord = QICHARTS2_BOXES[n]
    assert best_box(n) == (cb, lb)
    assert cut_box(n) == (None if cbord is None else (cbord, lbord))


def _box_mass(cells: np.ndarray, c: int, run: int) -> float:
    return float(box_probabilities(cells)[c, run - 1])


def _cut_region_mass(cells: np.ndarray, n: int) -> float:
    keep = np.array([[no_signal(n, c, run) for run in range(1, n + 1)] for c in range(n)])
    return float(cells[keep].sum())


@pytest.mark.parametrize("n", [6, 10, 15, 26, 40, 47, 83, 100, 130])
def test_box_guarantees(n: int) -> None:
    null, shifted = joint_distribution(n), joint_distribution(n, SHIFT)
    c, run = best_box(n)
    spec_best = _box_mass(null, c, run)
    assert spec_best >= SPECIFICITY
    assert null[c, run - 1] > 0  # the corner can happen
    # no eligible box is more sensitive at the 0.8 SD shift (brute force over every box)
    b0, bs = box_probabilities(null), box_probabilities(shifted)
    eligible = (b0 >= SPECIFICITY) & (null > 0)
    assert bs[c, run - 1] <= bs[eligible].min() + 1e-12
    # the cut box keeps the specificity target, inside the best box, and is never less
    # sensitive; it is the best box exactly when removing the corner would break the target
    spec_cut = _cut_region_mass(null, n)
    assert SPECIFICITY <= spec_cut <= spec_best + 1e-15
    assert _cut_region_mass(shifted, n) <= _box_mass(shifted, c, run) + 1e-15
    cut = cut_box(n)
    if cut is None:
        assert spec_best - null[c, run - 1] < SPECIFICITY
        assert spec_cut == pytest.approx(spec_best, abs=1e-15)
    else:
        assert spec_best - null[c, run - 1] >= SPECIFICITY
        assert cut[0] > c and cut[1] < run
    for cc in range(n):
        for rr in range(1, n + 1):
            if no_signal(n, cc, rr):
                assert cc >= c and rr <= run


def test_anhoej_limits_are_a_box_with_varying_specificity() -> None:
    # The paper's motivation: the Anhøj limits' joint specificity jumps with n; the best box
    # never falls below its target.
    spec = []
    for n in range(10, 41):
        c = int(crossings_limit(np.array([float(n)]))[0])
        run = int(longest_run_limit(np.array([float(n)]))[0])
        spec.append(_box_mass(joint_distribution(n), c, run))
    assert min(spec) < SPECIFICITY < max(spec)


def _chart(y: list[float], method: str) -> SPCResult:
    data = pd.DataFrame({"x": range(1, len(y) + 1), "y": y})
    result = spc(data, x="x", y="y", chart="run", rules="anhoej", method=method, cl=0.0)
    return result


def test_cut_corner_signals_only_with_cutbox() -> None:
    # signs ++++++ -- ++: 10 useful points, 2 crossings, longest run 6. Anhøj (n = 10:
    # crossings >= 2, run <= 6) and the best box (2, 6) see nothing; the cut box removed the
    # corner (C = 2, L = 6), so it signals, naming the run of six above the line.
    y = [1.0] * 6 + [-1.0] * 2 + [1.0] * 2
    for method, expected in (("anhoej", False), ("bestbox", False), ("cutbox", True)):
        result = _chart(y, method)
        s = result.summary().iloc[0]
        assert (s["n_crossings"], s["longest_run"]) == (2, 6)
        assert bool(s["runs_signal"]) is expected, method
    pts = _chart(y, "cutbox").to_frame()
    assert list(pts["rule"]) == ["longest_run"] * 6 + [""] * 4
    assert set(pts["direction"][:6]) == {1}
    s = _chart(y, "cutbox").summary().iloc[0]
    assert (s["n_crossings_min"], s["longest_run_max"]) == (2, 6)
    assert (s["crossings_border"], s["longest_run_border"]) == (3, 5)


def test_bestbox_limits_in_summary_and_method_text() -> None:
    # n = 15: Anhøj gives crossings >= 4 and run <= 7; the best box is (4, 7) as well, and
    # the cut box (6, 6) — signs with 4 crossings and a run of 7 signal only by cut box.
    y = [1.0] * 7 + [-1.0] * 2 + [1.0] * 2 + [-1.0] * 2 + [1.0] * 2
    anh = _chart(y, "anhoej").summary().iloc[0]
    best = _chart(y, "bestbox")
    cut = _chart(y, "cutbox")
    assert (anh["n_crossings"], anh["longest_run"]) == (4, 7)
    assert not anh["runs_signal"] and not best.summary().iloc[0]["runs_signal"]
    assert cut.summary().iloc[0]["runs_signal"]
    assert "best box" in best.method and "cut box" in cut.method
    assert best.settings["method"] == "bestbox"


def test_method_needs_the_anhoej_rules() -> None:
    data = pd.DataFrame({"x": range(1, 13), "y": range(12)})
    with pytest.raises(InputError, match="method='bestbox'"):
        spc(data, x="x", y="y", rules="mdc", method="bestbox")
    with pytest.raises(InputError, match="'method' must be one of"):
        spc(data, x="x", y="y", rules="anhoej", method="best")


def test_long_phases_fall_back_to_anhoej_and_say_so() -> None:
    n = MAX_BOX_N + 1
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    data = pd.DataFrame({"x": range(n), "y": y})
    result = spc(data, x="x", y="y", chart="run", rules="anhoej", method="bestbox", cl=0.0)
    s = result.summary().iloc[0]
    assert s["n_crossings_min"] == crossings_limit(np.array([float(n)]))[0]
    assert "Anhøj limits were used" in s["warnings"]


def test_every_phase_gets_the_box_for_its_own_n() -> None:
    y = [1.0] * 6 + [-1.0] * 2 + [1.0] * 2 + [1.0, -1.0] * 6
    data = pd.DataFrame({"x": range(1, len(y) + 1), "y": y})
    result = spc(
        data, x="x", y="y", chart="run", rules="anhoej", method="cutbox", cl=0.0, phases=[11]
    )
    s = result.summary()
    assert list(s["n_useful"]) == [10, 12]
    assert list(s["n_crossings_min"]) == [best_box(10)[0], best_box(12)[0]]
    assert list(s["runs_signal"]) == [True, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([-1.0, 1.0]), min_size=10, max_size=60))
def test_signals_follow_the_regions(signs: list[float]) -> None:
    # For any sequence: the runs signal of each method is exactly "(C, L) outside its
    # region", and the cut box (inside the best box) signals whenever the best box does.
    found = {m: _chart(signs, m).summary().iloc[0] for m in ("bestbox", "cutbox")}
    n = len(signs)
    c, run = int(found["cutbox"]["n_crossings"]), int(found["cutbox"]["longest_run"])
    cb, lb = best_box(n)
    assert bool(found["bestbox"]["runs_signal"]) is not (c >= cb and run <= lb)
    assert bool(found["cutbox"]["runs_signal"]) is not no_signal(n, c, run)
    if found["bestbox"]["runs_signal"]:
        assert found["cutbox"]["runs_signal"]


def test_close_calls_are_settled_exactly() -> None:
    # A float a hair above the target loses to an exact value a hair below it, and vice versa;
    # far from the target the float decides alone (the exact function is not called).
    from fractions import Fraction

    from equalqi.spc.rules.bestbox import at_least

    below = Fraction(37, 40) - Fraction(1, 2**80)
    assert not at_least(0.925 + 1e-12, 0.925, lambda: below)
    assert at_least(0.925 - 1e-12, 0.925, lambda: Fraction(37, 40))

    def never() -> Fraction:
        raise AssertionError("not needed")

    assert at_least(0.93, 0.925, never) and not at_least(0.92, 0.925, never)
    # the exact box mass agrees with the floating one
    from equalqi.spc.rules.bestbox import exact_null_mass

    n, (c, run) = 32, best_box(32)
    cells = [(cc, rr) for cc in range(c, n) for rr in range(1, run + 1)]
    assert float(exact_null_mass(n, cells)) == pytest.approx(
        _box_mass(joint_distribution(n), c, run), abs=1e-15
    )
