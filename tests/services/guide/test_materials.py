"""The guide's data-bound answers, each checked by a calculation of the test's own on the
disclosed demo tables, and the figures drawn from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from equalqi.learn import figure_keys, load_guide
from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.guide import Materials, cache_key, materials
from equalqi.synthetic import SCENARIOS

IMD = "Deprivation (IMD quintile)"
ROWS = 200_000  # as conftest.py
AFTER = pd.Timestamp("2024-01-01")  # the demo plans' intervention date


def _imd(result: AnalysisResult) -> pd.DataFrame:
    m = result.measures
    m = m[(m["dimension"] == IMD) & m["denominator"].notna()].copy()
    m["after"] = pd.to_datetime(m["period"]) >= AFTER
    m["rate"] = m["numerator"] / m["denominator"]
    return m


def test_results_are_disclosed(results: Mapping[str, AnalysisResult]) -> None:
    assert set(results) == {"dna_sms", "screening_outreach", "no_change"}
    assert all(r.disclosure is not None for r in results.values())


def test_every_data_bound_exercise_is_answered_with_its_options(mats: Materials) -> None:
    guide = load_guide()
    bound = [e for e in guide.exercises if e.answer is None]
    assert len(bound) >= 5
    for e in bound:
        answer = mats.answer(e.id)
        assert answer and answer <= set(e.keys), e.id
        if e.kind == "single":
            assert len(answer) == 1
    with pytest.raises(KeyError, match="why-plans-widen"):
        mats.answer("why-plans-widen")  # a fixed answer lives in the content


def test_dna_group_that_did_not_fall(
    results: Mapping[str, AnalysisResult], mats: Materials
) -> None:
    """Welch's t interval on the monthly rates before and after, per quintile: a group did
    not fall when the interval of (after - before) is not wholly below zero."""
    m = _imd(results["dna_sms"])
    expected = set()
    for group, sub in m.groupby("group", observed=True):
        before = sub.loc[~sub["after"], "rate"].to_numpy()
        after = sub.loc[sub["after"], "rate"].to_numpy()
        t = stats.ttest_ind(after, before, equal_var=False)
        upper = t.confidence_interval(0.95).high
        if upper >= 0:
            expected.add(f"q{str(group)[0]}")
    got = mats.answer("spc-dna-not-fallen")
    assert got == expected
    assert 0 < len(got) < 5  # the chart has an answer to find: some fell, some did not


def test_most_missing_field(results: Mapping[str, AnalysisResult], mats: Materials) -> None:
    """Share of records in each field's unknown groups, from the disclosed measure table."""
    m = results["dna_sms"].measures
    overall = m[m["dimension"] == "Overall"].set_index("period")["n_records"]
    unknown = {
        "ethnicity": ("Ethnic group", {"Not stated", "Not known"}),
        "deprivation": (IMD, {"Not known"}),
        "age": ("Age band", {"Not known"}),
        "sex": ("Sex", {"Not known"}),
    }
    shares = {}
    for key, (dim, groups) in unknown.items():
        sub = m[(m["dimension"] == dim) & m["group"].astype(str).isin(groups)]
        missing = sub.groupby("period")["n_records"].sum(min_count=1)
        known = missing.dropna()
        shares[key] = known.sum() / overall.reindex(known.index).sum() if len(known) else 0.0
    assert mats.answer("data-most-missing") == {max(shares, key=lambda k: shares[k])}


def _two_proportion(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    p1, p2 = x1 / n1, x2 / n2
    se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2 - 1.96 * se, p1 - p2 + 1.96 * se


def test_lower_group_before_outreach(
    results: Mapping[str, AnalysisResult], mats: Materials
) -> None:
    m = _imd(results["screening_outreach"])
    before = m[~m["after"]].groupby("group", observed=True)[["numerator", "denominator"]].sum()
    q1, q5 = before.loc["1 - most deprived"], before.loc["5 - least deprived"]
    lo, hi = _two_proportion(q1.numerator, q1.denominator, q5.numerator, q5.denominator)
    expected = "q1" if hi < 0 else "q5" if lo > 0 else "same"
    assert mats.answer("gap-screening-behind") == {expected}


@pytest.mark.parametrize(
    ("scenario", "exercise"),
    [
        ("dna_sms", "verdict-dna"),
        ("screening_outreach", "verdict-screening"),
        ("no_change", "verdict-no-change"),
    ],
)
def test_gap_verdicts(
    results: Mapping[str, AnalysisResult], mats: Materials, scenario: str, exercise: str
) -> None:
    """Difference in differences of pooled rates (most minus least deprived), with a simple
    binomial interval; 'worse' follows the plan's better direction."""
    result = results[scenario]
    m = _imd(result)
    pooled = m.groupby(["group", "after"], observed=True)[["numerator", "denominator"]].sum()
    rate = pooled["numerator"] / pooled["denominator"]
    var = rate * (1 - rate) / pooled["denominator"]
    d, a = "1 - most deprived", "5 - least deprived"
    did = (rate[d, True] - rate[d, False]) - (rate[a, True] - rate[a, False])
    se = np.sqrt(var[d, True] + var[d, False] + var[a, True] + var[a, False])
    lo, hi = did - 1.96 * se, did + 1.96 * se
    worse_up = result.plan.measure.improvement == "decrease"
    if (lo > 0 and worse_up) or (hi < 0 and not worse_up):
        expected = "widened"
    elif (hi < 0 and worse_up) or (lo > 0 and not worse_up):
        expected = "narrowed"
    else:
        expected = "no evidence"
    assert mats.answer(exercise) == {expected}


@pytest.mark.parametrize(
    ("scenario", "exercise"),
    [
        ("dna_sms", "verdict-dna"),
        ("screening_outreach", "verdict-screening"),
        ("no_change", "verdict-no-change"),
    ],
)
def test_planted_effects_come_through_at_this_size(
    mats: Materials, scenario: str, exercise: str
) -> None:
    """The guide's stories need the effect each scenario plants to show, after disclosure."""
    planted = SCENARIOS[scenario].outcome.gap_change
    word = {"widens": "widened", "narrows": "narrowed", "none": "no evidence"}[planted]
    assert mats.answer(exercise) == {word}


def test_ringed_point_answer_matches_the_chart(mats: Materials) -> None:
    """Read the answer off the drawn chart: the point under the ring and its colour class."""
    svg = mats.figure("spc-ringed-point")
    ring = re.search(r'<g class="guide-ring"><circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert ring is not None
    cx, cy = ring.groups()
    point = re.search(rf'<circle cx="{cx}" cy="{cy}"[^>]*data-classification="(\w+)"', svg)
    assert point is not None
    special = point.group(1) != "common"
    assert mats.answer("spc-special-cause") == {"yes" if special else "no"}


def test_every_placed_figure_is_an_accessible_svg(mats: Materials) -> None:
    guide = load_guide()
    keys = {k for m in guide.modules for k in figure_keys(m.body_markdown)}
    keys |= {e.figure for e in guide.exercises if e.figure}
    for key in keys:
        svg = mats.figure(key)
        assert "<svg" in svg and "<title" in svg, key
        assert mats.caption(key), key
    with pytest.raises(KeyError, match="dna-imd-lines"):
        mats.figure("nope")


def test_verdict_sentences_are_the_toolkits(
    results: Mapping[str, AnalysisResult], mats: Materials
) -> None:
    for scenario, result in results.items():
        assert mats.verdicts[scenario] == result.impact[IMD].verdict


def test_cache_is_used_and_keyed(mats: Materials, tmp_path: Path) -> None:
    key = cache_key(ROWS)
    assert key.startswith("0.1.0-") and key != cache_key(ROWS + 1)
    path = tmp_path / f"guide-materials-{key}.json"
    # A marked copy in the cache: getting the mark back shows the cache was read.
    marked = Materials(
        {**mats.figures}, {**mats.captions, "dna-imd-lines": "from the cache"},
        mats.answers, mats.verdicts, rows=ROWS, key=key,
    )  # fmt: skip
    path.write_text(marked.to_json(), encoding="utf-8")
    assert materials(tmp_path, ROWS).caption("dna-imd-lines") == "from the cache"
    path.write_text("{not json", encoding="utf-8")
    rebuilt = materials(tmp_path, ROWS)  # an unreadable cache is rebuilt, never trusted
    assert rebuilt.answers == mats.answers
    assert rebuilt.caption("dna-imd-lines") == mats.caption("dna-imd-lines")
    assert Materials.from_json(path.read_text(encoding="utf-8")).answers == mats.answers
