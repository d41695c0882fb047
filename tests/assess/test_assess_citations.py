"""Statements' labels (e.g. CMOC numbers) and sources are cited where outputs use them."""

from __future__ import annotations

import datetime as dt

from equalqi.assess import Answer, default_theory, new_assessment, summarise
from equalqi.assess.summary import short_citation
from equalqi.assess.theory import theory_from_dict


def _labelled():
    raw = default_theory().to_dict()
    for cluster in raw["clusters"]:
        for statement in cluster["statements"]:
            if statement["id"] == "design-digital-barriers":
                statement["label"] = "CMOC 4"
    return theory_from_dict(raw)


def test_short_citations():
    names = {s.id: short_citation(s.citation) for s in default_theory().sources}
    assert names["johnson2025"] == "Johnson et al. 2025"
    assert names["ihi2016"] == "Wyatt et al. 2016"
    assert names["core20plus5"] == "NHS England"
    assert names["progressplus"] == "O'Neill et al. 2014"


def test_a_label_from_the_theory_file_is_cited_with_its_sources():
    theory = _labelled()
    a = new_assessment(
        theory,
        [Answer("design-relies-on-digital", "yes"), Answer("design-non-digital-route", "no")],
        stage="planning",
        created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC),
    )
    design = next(x for x in summarise(a).areas if x.name == "Design")
    (digital,) = [p for p in design.risks if "apps or the internet" in p.text]
    # the statement cites johnson2025 only (see default_theory.toml)
    assert digital.cites == "CMOC 4; Johnson et al. 2025"


def test_default_theory_cites_its_sources_without_labels():
    a = new_assessment(
        default_theory(),
        [Answer(q, "yes") for q in default_theory().question_ids],
        stage="review",
        created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC),
    )
    values = next(x for x in summarise(a).areas if x.name == "Values and understanding")
    aim = next(p for p in values.in_place if p.text.startswith("Making fairness"))
    assert aim.cites == "Johnson et al. 2025; Wyatt et al. 2016"


def test_docs_map_every_built_in_statement_to_a_finding():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "programme-theory.md").read_text()
    table = doc[doc.index("| statement | tends to | review finding") :]
    rows = {
        line.split("|")[1].strip().strip("`"): [c.strip() for c in line.split("|")[2:5]]
        for line in table.splitlines()[2:]
        if line.startswith("| `")
    }
    statements = {s.id: s for _, s in default_theory().statements()}
    assert set(rows) == set(statements)
    for sid, (tends, finding, _other) in rows.items():
        st = statements[sid]
        assert tends == st.tends_to, sid
        # a statement the theory says draws on the review must name a finding, and vice versa
        assert ("johnson2025" in st.sources) == finding.startswith("F"), sid
