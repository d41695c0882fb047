"""Coverage: do the 95% intervals for the change in the gap contain the truth 95% of the time?

300 simulated projects (seeded), each 24 months before and 24 after, about 800 people a month
in each group, with extra-binomial month-to-month noise (sd 1 point) that is autocorrelated
(AR(1), rho = 0.3), a shared downward trend, and a planted change in the gap of +3 points
(D improves by 2 points, A by 5). The fraction of intervals containing +3 must lie in
[0.92, 0.98] for both the before/after difference in differences (the verdict's estimate)
and the interrupted time series level change of the gap.

With 300 runs the Monte Carlo standard error of a true 95% coverage is 1.3 points, so the
band is about +/-2.3 standard errors. (Newey-West errors cover only about 0.80-0.86 in this
design; see docs/impact.md - which is why AR(1) errors are the default.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from equalqi.impact.before_after import before_after
from equalqi.impact.design import default_lags
from equalqi.impact.its import its_frame
from equalqi.impact.model_spec import ModelSpec
from equalqi.impact.targets import Options, build_targets
from equalqi.impact.validate import prepare

RUNS = 300
DIM, D, A = "IMD quintile", "1 - most deprived", "5 - least deprived"


def test_interval_coverage_of_the_gap_change(simulate_table: Callable) -> None:
    rng = np.random.default_rng(20240101)
    hits_did = hits_its = 0
    for _ in range(RUNS):
        planted = simulate_table(
            rng,
            n_pre=24,
            n_post=24,
            step=(-0.02, -0.05, -0.03),
            trend=-0.0005,
            n=800.0,
            noise=0.01,
            rho=0.3,
        )
        truth = 100 * planted.gap_change
        prepared = prepare(
            planted.table,
            dimension=DIM,
            groups=(D, A),
            intervention=planted.intervention,
            kind="proportion",
            control=None,
        )
        targets = [t for t in build_targets(prepared) if t.role == "gap"]
        options = Options(
            ModelSpec("proportion", "absolute"),
            "decrease",
            None,
            True,
            "ar1",
            default_lags(prepared.timeline.n_grid),
            0.95,
            100.0,
        )
        did, _ = before_after(prepared, targets, options)
        its, *_ = its_frame(prepared, targets, options)
        level = its[its["term"] == "level change"].iloc[0]
        hits_did += bool(did["lower"].iloc[0] <= truth <= did["upper"].iloc[0])
        hits_its += bool(level["lower"] <= truth <= level["upper"])
    coverage_did, coverage_its = hits_did / RUNS, hits_its / RUNS
    assert abs(truth - 3.0) < 1e-9
    print(f"coverage: DiD {coverage_did:.3f}, ITS level change {coverage_its:.3f}")
    assert 0.92 <= coverage_did <= 0.98, coverage_did
    assert 0.92 <= coverage_its <= 0.98, coverage_its
