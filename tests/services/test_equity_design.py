"""Equity by design in the report: served population from the data, demo assessments."""

from __future__ import annotations

from pathlib import Path

import pytest

from equalqi.assess.involvement import InvolvementLog
from equalqi.errors import InputError
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.assessments import EquityRecord
from equalqi.services.demo import demo_plan, seed_demo_registry
from equalqi.services.disclosure import disclose
from equalqi.services.equity_design import equity_section, served_population
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
    seeded = seed_demo_registry(tmp_path, "dna_sms", "Demo")
    assert seeded is not None
    url, record = seeded
    assert url == f"sqlite:///{tmp_path / 'equalqi.db'}"
    again = seed_demo_registry(tmp_path, "dna_sms", "Demo")  # a second call adds nothing
    assert again is not None and again[1] == record
    assert [a.stage for a in record.history] == ["planning", "review"]
    assert len(record.log.activities) == 1
    assert seed_demo_registry(tmp_path, "no_change", "Other") is None
    section = equity_section(result, record)
    # The workshop had 3 of 24 people from the most deprived fifth (12.5%), against about
    # 28% of the records: under-represented, so the section says so.
    assert "1 - most deprived (Deprivation (IMD quintile)), a priority group, took part less" in (
        " ".join(section.split())
    )
    paths = write_outputs(result, tmp_path / "out", equity=record)
    html = paths.report.read_text()
    assert 'id="equity-design"' in html and "What changed since the last check" in html


def test_a_project_with_nothing_recorded_is_an_error(result: AnalysisResult) -> None:
    with pytest.raises(InputError) as info:
        equity_section(result, EquityRecord("Empty", (), InvolvementLog()))
    assert "'Empty' has no equity assessment and no involvement log" in str(
        info.value.problems[0].message()
    )
