"""Equity by design in the report: served population from the data, demo assessments."""

from __future__ import annotations

from pathlib import Path

import pytest

from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.equity_design import equity_section, seed_demo_project, served_population
from equalqi.services.outputs import write_outputs
from equalqi.synthetic import write_parquet

DIM = "Deprivation (IMD quintile)"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    path = tmp_path_factory.mktemp("eq") / "dna.parquet"
    write_parquet("dna_sms", path, n_rows=60_000, seed=9)
    return disclose(analyse(path, demo_plan("dna_sms")))


def test_served_population_shares_come_from_the_records(result: AnalysisResult) -> None:
    pop = served_population(result).frame
    quint = pop[pop["dimension"] == DIM]
    assert quint["share"].sum() == pytest.approx(1.0)
    m = result.measures
    sub = m[(m["dimension"] == DIM) & (m["group"] != "Not known")]
    most = sub[sub["group"] == "1 - most deprived"]["n_records"].sum() / sub["n_records"].sum()
    assert quint.set_index("group").loc["1 - most deprived", "share"] == pytest.approx(most)
    assert bool(quint.set_index("group").loc["1 - most deprived", "priority"])


def test_demo_project_is_seeded_once_and_reported(result: AnalysisResult, tmp_path: Path) -> None:
    project = tmp_path / "project"
    assert seed_demo_project(project)
    assert seed_demo_project(project)  # a second call adds nothing
    assert len(list((project / "equity" / "assessments").glob("*.json"))) == 2
    assert not seed_demo_project(tmp_path / "other", scenario="no_change")
    section = equity_section(result, project)
    # The workshop had 3 of 24 people from the most deprived fifth (12.5%), against about
    # 28% of the records: under-represented, so the section says so.
    assert "1 - most deprived (Deprivation (IMD quintile)), a priority group, took part less" in (
        " ".join(section.split())
    )
    paths = write_outputs(result, tmp_path / "out", project_dir=project)
    html = paths.report.read_text()
    assert 'id="equity-design"' in html and "What changed since the last check" in html
