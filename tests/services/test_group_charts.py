"""All the groups of all the dimensions charted in one spc() call, as one call per dimension.

``group_charts`` keys every (dimension, group) series into a single call to pay spc()'s
fixed cost once; the property is that its frames are exactly those of one call per
dimension (``_charts_by_dimension``, the plain form), on a full and a disclosed measure
table (hidden rows leave gaps in the series) and with the intervention's phases.
"""

from __future__ import annotations

import pandas as pd
import pytest

from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.analysis.spc_runs import _charts_by_dimension, group_charts
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.synthetic import write_parquet


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    path = tmp_path_factory.mktemp("charts") / "dna_sms.parquet"
    write_parquet("dna_sms", path, n_rows=20_000, seed=5)
    return analyse(path, demo_plan("dna_sms"))


@pytest.mark.parametrize("disclosed", [False, True])
def test_one_call_gives_the_per_dimension_charts(result: AnalysisResult, disclosed: bool) -> None:
    table = (disclose(result) if disclosed else result).measures
    if disclosed:  # the small extract must leave some cells hidden for this to test gaps
        assert table["denominator"].isna().any()
    shown = table[table["denominator"].notna() & table["n_records"].notna()]
    plan = result.plan
    assert plan.phases[1:], "the demo plan has an intervention (a second phase)"
    frame, summary = group_charts(shown, plan)
    ref_frame, ref_summary = _charts_by_dimension(shown, plan)
    assert len(frame) == len(shown[shown["group"] != "Not known"])
    pd.testing.assert_frame_equal(frame, ref_frame, check_exact=True)
    pd.testing.assert_frame_equal(summary, ref_summary, check_exact=True)
