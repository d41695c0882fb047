"""The guide's shipped content: six modules, valid exercises, plain English, linked glossary."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import textstat

from equalqi.learn import figure_keys, load_guide, prose, render_module

#: The six modules issue 17 asks for, in order (number, slug, a word the title must hold).
EXPECTED = [
    (1, "why-gaps", "widen"),
    (2, "seeing-data", "group"),
    (3, "spc", "SPC"),
    (4, "measuring-gap", "gap"),
    (5, "did-it-work", "narrow"),
    (6, "design-and-involve", "involving"),
]


def test_six_modules_in_order_with_titles() -> None:
    guide = load_guide()
    got = [(m.number, m.slug) for m in guide.modules]
    assert got == [(n, s) for n, s, _ in EXPECTED]
    for module, (_, _, word) in zip(guide.modules, EXPECTED, strict=True):
        assert word.lower() in module.title.lower()
        assert module.summary
        assert guide.module(module.slug) is module


def test_unknown_module_names_the_choices() -> None:
    with pytest.raises(KeyError, match="why-gaps, seeing-data"):
        load_guide().module("nope")


def test_exercise_counts_and_answers_are_valid() -> None:
    guide = load_guide()
    ids = [e.id for e in guide.exercises]
    assert len(ids) == len(set(ids)) >= 14
    for m in guide.modules:
        assert len(m.exercises) >= 2, m.slug
        for e in m.exercises:
            assert e.module == m.slug
            assert len(e.options) >= 2
            assert (e.answer is None) != (e.answer_from is None), e.id
            if e.answer is not None:
                assert e.answer and e.answer <= set(e.keys), e.id
                if e.kind == "single":
                    assert len(e.answer) == 1, e.id


def test_the_issues_example_exercises_are_there() -> None:
    prompts = [e.prompt for e in load_guide().exercises]
    for wanted in (
        "Which group's DNA rate did not fall",
        "Is it special cause?",
        "Which two of these project plans risk widening the gap?",
    ):
        assert any(wanted in p for p in prompts), wanted
    plans = load_guide().exercise("why-plans-widen")
    assert plans.kind == "multiple" and plans.answer is not None and len(plans.answer) == 2


@pytest.mark.parametrize("slug", [s for _, s, _ in EXPECTED])
def test_reading_ease_at_least_60(slug: str) -> None:
    text = prose(load_guide().module(slug).body_markdown)
    assert "[[figure" not in text and "##" not in text and "**" not in text
    assert len(text.split()) > 400  # a module, not a stub
    assert textstat.flesch_reading_ease(text) >= 60


def _acronym(spelling: str) -> bool:
    """ITS, SII, LSOAs: capitals are what make them the term ("its" is a plain word)."""
    return sum(c.isupper() for c in spelling) >= 2 and not any(c == " " for c in spelling)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v or "" for k, v in attrs if k == "href"]


@pytest.mark.parametrize("slug", [s for _, s, _ in EXPECTED])
def test_glossary_terms_linked_where_used(slug: str) -> None:
    guide = load_guide()
    module = guide.module(slug)
    html = render_module(module, guide)
    parser = _Links()
    parser.feed(html)
    targets = {h.split("#", 1)[1] for h in parser.hrefs if h.startswith("glossary.html#")}
    slugs = {t.slug for t in guide.glossary}
    assert targets, "a module links to the glossary"
    assert targets <= slugs  # every link target exists
    text = prose(module.body_markdown)
    # A longer term wins over a shorter one inside it ("slope index of inequality" is not a
    # use of "inequality"): blank each match out, longest spellings first.
    spellings = sorted(
        ((s, t.slug) for t in guide.glossary for s in t.spellings), key=lambda p: -len(p[0])
    )
    used: set[str] = set()
    for spelling, term_slug in spellings:
        flags = 0 if _acronym(spelling) else re.I
        pattern = re.compile(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", flags)
        if pattern.search(text):
            used.add(term_slug)
            text = pattern.sub(lambda m: "#" * len(m.group(0)), text)
    assert used == targets, (slug, used ^ targets)


def test_link_target_is_a_parameter() -> None:
    guide = load_guide()
    html = render_module(guide.modules[0], guide, link=lambda s: f"/learn/glossary#{s}")
    assert 'href="/learn/glossary#' in html and "glossary.html" not in html


def test_technical_words_are_in_the_glossary() -> None:
    spellings = {s.lower() for t in load_guide().glossary for s in t.spellings}
    for word in (
        "SPC", "special cause", "common cause", "Making Data Count", "SII", "IMD", "LSOA",
        "quintile", "confidence interval", "interrupted time series", "verdict",
        "levelling down", "inverse equity pattern", "co-production", "completeness",
        "disaggregation", "representativeness", "easy read", "reimbursement", "realist review",
    ):  # fmt: skip
        assert word.lower() in spellings, word


def test_review_cited_where_drawn_on() -> None:
    guide = load_guide()
    body = guide.module("why-gaps").body_markdown
    assert "Johnson et al., BMJ Qual Saf 2025;34:537–546" in body
    assert "Equal-QI programme" in body
    assert "Johnson et al." in guide.module("design-and-involve").body_markdown


def test_figures_named_in_modules_and_exercises() -> None:
    guide = load_guide()
    keys = {k for m in guide.modules for k in figure_keys(m.body_markdown)}
    keys |= {e.figure for e in guide.exercises if e.figure}
    assert {"dna-imd-multiples", "spc-ringed-point", "dna-completeness"} <= keys


def test_workshop_is_two_hours_and_points_at_real_modules() -> None:
    from equalqi.learn import load_kit, load_workshop

    workshop = load_workshop()
    assert sum(s.minutes for s in workshop.steps) == 120 == workshop.minutes
    slugs = {m.slug for m in load_guide().modules}
    used = {s.module for s in workshop.steps if s.module}
    assert used == slugs  # every module has its place in the session
    start, last = workshop.timetable()[-1]
    assert start == f"{(120 - last.minutes) // 60}:{(120 - last.minutes) % 60:02d}"
    assert [p.slug for p in load_kit()] == ["invitation", "easy-read", "checklist", "handout"]


@pytest.mark.parametrize("slug", ["invitation", "easy-read", "handout"])
def test_kit_for_patients_reads_easily(slug: str) -> None:
    from equalqi.learn import load_kit

    page = next(p for p in load_kit() if p.slug == slug)
    assert textstat.flesch_reading_ease(prose(page.body_markdown)) >= 70
