"""Property: over random small extracts, policies and thresholds, the attacker recovers
nothing, and no shown count is small."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from attacker import Attacker, read_published, recovered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equalqi.services.analysis.pipeline import analyse
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.outputs import write_outputs
from equalqi.synthetic import write_parquet


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(["dna_sms", "screening_outreach", "no_change"]),
    rows=st.integers(min_value=400, max_value=3_000),
    seed=st.integers(min_value=0, max_value=10_000),
    rule=st.sampled_from(["suppress", "round"]),
    k=st.sampled_from([5, 10, 20]),
)
def test_random_extracts_give_nothing_back(
    scenario: str, rows: int, seed: int, rule: str, k: int
) -> None:
    plan = demo_plan(scenario)
    plan = dataclasses.replace(
        plan, output=dataclasses.replace(plan.output, disclosure=rule, suppress_below=k)
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_parquet(scenario, folder / "x.parquet", n_rows=rows, seed=seed)
        full = analyse(folder / "x.parquet", plan)
        shared = disclose(full)
        write_outputs(shared, folder / "out")
        pub = read_published(folder / "out")
        attacker = Attacker(pub)
        assert recovered(attacker, attacker.run(), full.measures) == []
    least = k if rule == "suppress" else 8
    shown = shared.measures[~shared.measures["suppressed"]]
    for c in ("numerator", "denominator"):
        assert not ((shown[c] > 0) & (shown[c] < least)).any()
