"""One run of the three demo scenarios for all the guide's service tests (a few seconds)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from equalqi.services.analysis.pipeline import AnalysisResult
from equalqi.services.guide import Materials
from equalqi.services.guide.materials import build_materials, run_scenarios

ROWS = 200_000


@pytest.fixture(scope="session")
def results() -> Mapping[str, AnalysisResult]:
    return run_scenarios(ROWS)


@pytest.fixture(scope="session")
def mats(results: Mapping[str, AnalysisResult]) -> Materials:
    return build_materials(results, rows=ROWS, key="test")
