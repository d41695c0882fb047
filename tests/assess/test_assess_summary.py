"""Plain-language summaries and the report section that renders them."""

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from equalqi.assess import (
    Answer,
    InvolvementLog,
    Population,
    activity_from_dict,
    default_theory,
    new_assessment,
    representativeness,
    summarise,
    summarise_involvement,
)
from equalqi.disclosure import Policy
from equalqi.services.report.assessment_section import render_assessment_section

THEORY = default_theory()
PLAN_DAY = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)
REVIEW_DAY = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
JARGON = ("mechanism", "cluster", "cmoc", "disaggregat", "stratif", "polarity", "configuration")


def planning():
    return new_assessment(
        THEORY,
        [
            Answer("values-aim-written", "no"),
            Answer("design-relies-on-digital", "yes"),
            Answer("design-non-digital-route", "no", note="Portal <only>"),
        ],
        stage="planning",
        created_at=PLAN_DAY,
        project="DNA <b>reduction</b>",
    )


def review():
    answers = [Answer(q, "yes") for q in THEORY.question_ids]
    answers = [a for a in answers if a.question_id not in {"data-missing-high"}]
    answers.append(Answer("data-missing-high", "no"))
    return new_assessment(THEORY, answers, stage="review", created_at=REVIEW_DAY)


def involvement():
    log = InvolvementLog().add(
        activity_from_dict(
            {
                "type": "workshop",
                "date": "2025-03-04",
                "participants": 20,
                "title": "Letters <script>",
                "groups": {"core20": {"Core20": 3, "Not Core20": 17}},
                "barriers": ["interpreters", "paid_travel"],
            }
        )
    )
    pop = Population.from_shares(
        {"core20": {"Core20": 0.3, "Not Core20": 0.7}}, priority=["Core20"]
    )
    return log, representativeness(log, pop)


def words_in(
    value, skip=("method", "sources", "theory_name", "theory_version", "project", "cites")
):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                yield from words_in(v, skip)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from words_in(v, skip)


def syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    n = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(1, n)


def fk_grade(text: str) -> float:
    # Flesch-Kincaid grade level (Kincaid JP et al. 1975, Naval Technical Training Command
    # report 8-75): 0.39 words/sentence + 11.8 syllables/word - 15.59.
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    words = re.findall(r"[A-Za-z']+", text)
    return (
        0.39 * len(words) / len(sentences)
        + 11.8 * sum(syllables(w) for w in words) / len(words)
        - 15.59
    )


def finished_planning():
    """The planning answers with every other question answered "don't know"."""
    given = planning().answers
    rest = [Answer(q, "dont_know") for q in planning().unanswered]
    return new_assessment(THEORY, [*given, *rest], stage="planning", created_at=PLAN_DAY)


def test_planning_summary_says_what_is_wrong_and_why():
    s = summarise(finished_planning())
    assert s.overall_risk == "high" and s.risk_words == "Higher risk"
    assert s.headline == "This project could widen the gap between groups unless the team acts."
    design = next(a for a in s.areas if a.name == "Design")
    digital = next(p for p in design.risks if "apps or the internet" in p.text)
    assert any("You said: yes." in b for b in digital.because)
    assert any("You said: no." in b for b in digital.because)
    assert s.unknown_note is not None and s.unknown_note.startswith("21 of 24 questions")
    assert s.complete and s.completeness == "24 of 24 questions answered (100%)"
    assert 0 < len(s.actions) <= 5
    assert s.changes is None
    assert any("Johnson" in c for c in s.sources)


def test_half_done_assessment_is_not_finished_not_high_risk():
    # 3 of 24 answered: blanks are "not answered yet", never scored as risk
    s = summarise(planning())
    assert s.overall_risk == "not_finished" and s.risk_words == "Not finished"
    assert not s.complete and s.completeness == "3 of 24 questions answered (12%)"
    assert s.headline.startswith("This assessment is not finished: 3 of 24 questions answered")
    assert s.unknown_note is None  # nobody answered "don't know"
    assert s.actions[0] == "Finish the assessment: 21 questions are not answered yet."
    # the areas with a blank get no risk level and no score
    unfinished = [a for a in s.areas if a.risk == "not_finished"]
    assert len(unfinished) == len(s.areas)
    assert all(a.score_percent is None for a in unfinished)
    # but a risk whose questions were all answered is still shown (both digital questions)
    design = next(a for a in s.areas if a.name == "Design")
    assert any("apps or the internet" in p.text for p in design.risks)
    # and nothing is said to be missing merely because it was not answered
    for area in s.areas:
        for point in area.not_in_place:
            assert all("Not answered yet" not in b for b in point.because)


def test_review_summary_reports_what_changed():
    s = summarise(review(), planning())
    assert s.overall_risk == "low"
    assert s.changes is not None
    assert s.changes.headline.startswith("Things have got better since the last check.")
    assert "higher risk and is now lower risk" in s.changes.headline
    assert s.changes.since == "The last check was on 4 March 2025."
    assert any("apps or the internet" in t for t in s.changes.no_longer_risks)
    assert s.changes.answers_worse == 0


@pytest.mark.parametrize("which", ["planning", "review"])
def test_summary_is_plain_language(which):
    s = summarise(planning()) if which == "planning" else summarise(review(), planning())
    pieces = list(words_in(s.to_dict()))
    text = " ".join(p if p.endswith((".", "?", "!")) else p + "." for p in pieces)
    lowered = text.lower()
    for word in JARGON:
        assert word not in lowered, word
    sentences = [x for p in pieces for x in re.split(r"(?<=[.!?])\s+", p) if x.strip()]
    assert max(len(x.split()) for x in sentences) <= 25
    # reading age about 9-11 is roughly US grade 4-6; allow up to grade 7 for the heuristic
    assert fk_grade(text) <= 7.0


def test_involvement_summary_flags_and_suppresses():
    log, result = involvement()
    s = summarise_involvement(log, result)  # default: counts 1-9 hidden
    core, other = s.groups
    assert core.flagged and core.status == "Fewer than expected" and core.priority
    assert core.involved == "fewer than 10" and core.ratio == "hidden"
    assert other.involved == "hidden"  # 17 would give away the 3 (20 - 17)
    assert s.under_represented[0].startswith("Core20, a priority group, took part less")
    assert "Travel costs paid" in s.barriers_addressed
    assert "Help to get online (devices, data or support)" in s.barriers_not_addressed
    open_ = summarise_involvement(log, result, policy=Policy(rule="none"))
    assert open_.groups[0].involved == "3" and open_.groups[0].ratio == "0.50"
    assert open_.groups[0].share_involved == "15%" and open_.groups[0].share_population == "30%"
    json.dumps(s.to_dict())


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.table_has_caption: list[bool] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.table_has_caption.append(False)
        if tag == "caption":
            self.table_has_caption[-1] = True


def test_report_section_structure_and_escaping():
    log, result = involvement()
    html = render_assessment_section(
        summarise(review(), planning()), summarise_involvement(log, result)
    )
    p = _Html()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    assert "h1" not in tags and tags.count("h2") == 2
    assert p.table_has_caption and all(p.table_has_caption)
    assert all(a.get("scope") in {"col", "row"} for t, a in p.tags if t == "th")
    assert not any(t in {"script", "link", "img", "style"} for t in tags)  # no external assets
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Designing for fairness" in html and "Involving patients and the public" in html
    assert "What changed since the last check" in html


def test_report_section_accepts_dicts_and_missing_parts():
    s = summarise(planning())
    html = render_assessment_section(s.to_dict(), None)
    assert "DNA &lt;b&gt;reduction&lt;/b&gt;" in html
    assert "Involving patients" not in html
    assert render_assessment_section(None, None) == ""
    only_log = render_assessment_section(None, summarise_involvement(InvolvementLog()))
    assert "No involvement activities have been recorded yet." in only_log


def test_project_section_reads_the_store(home):
    from equalqi.services.report.assessment_section import render_project_section

    from .conftest import store_record

    assert render_project_section(store_record(home, "P")) == ""
    log, _ = involvement()
    record = store_record(home, "P", [planning(), review()], log)
    pop = Population.from_shares({"core20": {"Core20": 0.3, "Not Core20": 0.7}})
    html = render_project_section(record, population=pop)
    assert "What changed since the last check" in html  # review compared with planning
    assert "Fewer than expected" in html
