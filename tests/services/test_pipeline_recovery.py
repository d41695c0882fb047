"""End to end on the synthetic scenarios: the pipeline recovers the planted truth.

(a) dna_sms: the deprivation gap widens; (b) screening_outreach: it narrows; (c) no_change:
no significant change. Values are checked against the scenario's analytic truth, within
four standard errors (a false alarm about 1 in 16,000 per check).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.demo import demo_plan
from equalqi.synthetic import Truth, write_parquet

ROWS = 300_000
DIM = "Deprivation (IMD quintile)"


@pytest.fixture(scope="module", params=["dna_sms", "screening_outreach", "no_change"])
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[AnalysisResult, Truth]:
    name = request.param
    path = tmp_path_factory.mktemp(name) / f"{name}.parquet"
    truth = write_parquet(name, path, n_rows=ROWS, seed=11)
    return analyse(path, demo_plan(name)), truth


def _pooled(result: AnalysisResult, group: str, after: bool) -> tuple[float, float]:
    m = result.measures
    split = pd.Timestamp(result.plan.intervention)
    sub = m[(m["dimension"] == DIM) & (m["group"] == group)]
    sub = sub[sub["period"] >= split] if after else sub[sub["period"] < split]
    num, den = sub["numerator"].sum(), sub["denominator"].sum()
    p = num / den
    return p, float(np.sqrt(p * (1 - p) / den))


def test_quintile_values_match_truth(run: tuple[AnalysisResult, Truth]) -> None:
    result, truth = run
    for q, label in ((1, "1 - most deprived"), (5, "5 - least deprived")):
        for after, expected in ((False, truth.quintile_before), (True, truth.quintile_after)):
            p, se = _pooled(result, label, after)
            assert abs(p - expected[q]) < 4 * se, (label, after, p, expected[q])


def test_every_record_is_counted_once_per_dimension(run: tuple[AnalysisResult, Truth]) -> None:
    result, _ = run
    totals = result.measures.groupby("dimension")["n_records"].sum()
    # Intersections and every dimension partition the same records: 'Not known' included.
    assert (totals == ROWS).all(), totals.to_dict()


def test_verdict_matches_planted_effect(run: tuple[AnalysisResult, Truth]) -> None:
    result, truth = run
    impact = result.impact[DIM]
    expected = {"widens": "widened", "narrows": "narrowed"}.get(truth.gap_change_direction)
    if expected:
        assert impact.gap_change == expected, impact.verdict
        assert impact.overall == "improved", impact.verdict
    else:
        assert impact.gap_change in ("held", "no evidence"), impact.verdict
        assert impact.overall == "no evidence", impact.verdict
    assert impact.verdict  # one plain-language sentence for the report


def test_gap_series_sign_and_interval(run: tuple[AnalysisResult, Truth]) -> None:
    result, truth = run
    gaps = result.gaps
    diff = gaps[(gaps["dimension"] == DIM) & (gaps["measure"] == "difference")]
    assert len(diff) == 24
    assert (diff["lower"] <= diff["estimate"]).all() and (diff["estimate"] <= diff["upper"]).all()
    # Quintile 1 minus quintile 5, in percentage points, has the sign of the true gap.
    assert np.sign(diff["estimate"].mean()) == np.sign(truth.gap_before)


def test_sii_has_the_sign_of_the_gradient(run: tuple[AnalysisResult, Truth]) -> None:
    result, truth = run
    sii = result.gaps[(result.gaps["dimension"] == DIM) & (result.gaps["measure"] == "sii")]
    assert len(sii) == 24
    assert ((sii["lower"] <= sii["estimate"]) & (sii["estimate"] <= sii["upper"])).all()
    # PHE's SII runs from the most deprived (rank 0) to the least deprived (rank 1): it is
    # least minus most, the opposite sign of the quintile 1 minus quintile 5 gap.
    before = sii[sii["period"] < pd.Timestamp(result.plan.intervention)]["estimate"].mean()
    assert np.sign(before) == -np.sign(truth.gap_before)


def test_report_files(run: tuple[AnalysisResult, Truth], tmp_path: Path) -> None:
    from equalqi.services.outputs import write_outputs

    result, _ = run
    paths = write_outputs(result, tmp_path / "out")
    html = paths.report.read_text()
    assert result.impact[DIM].verdict.split(" ")[0] in html
    shared = pd.read_csv(paths.measures)
    # Suppressed cells carry no number, and every other cell keeps its count.
    hidden = shared["suppressed"]
    assert shared.loc[hidden, "numerator"].isna().all()
    assert shared.loc[~hidden, "numerator"].notna().all()
