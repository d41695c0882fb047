"""Checking an answer, and content mistakes reported with their file."""

from __future__ import annotations

from pathlib import Path

import pytest

from equalqi.learn import ContentError, check, load_guide, parse_guide, render_markdown
from equalqi.learn.model import Exercise, GlossaryTerm, Option

SINGLE = Exercise(
    id="x-single",
    module="m",
    prompt="?",
    kind="single",
    options=(Option("a", "A"), Option("b", "B")),
    explanation="Because.",
    answer=frozenset({"a"}),
)
MULTI = Exercise(
    id="x-multi",
    module="m",
    prompt="?",
    kind="multiple",
    options=(Option("a", "A"), Option("b", "B"), Option("c", "C")),
    explanation="Because.",
    answer=frozenset({"a", "c"}),
)


def test_check_right_and_wrong() -> None:
    assert check(SINGLE, ["a"], frozenset({"a"})).correct
    wrong = check(SINGLE, ["b"], frozenset({"a"}))
    assert not wrong.correct and wrong.explanation == "Because."
    assert check(MULTI, ["c", "a"], frozenset({"a", "c"})).correct
    partly = check(MULTI, ["a", "b"], frozenset({"a", "c"}))
    assert not partly.correct
    assert "1 of the 2" in partly.message and "1 that do not fit" in partly.message


def test_check_unknown_key_is_named() -> None:
    with pytest.raises(ValueError, match="'z'"):
        check(SINGLE, ["z"], frozenset({"a"}))
    with pytest.raises(ValueError, match="takes one answer"):
        check(SINGLE, ["a", "b"], frozenset({"a"}))
    with pytest.raises(ValueError, match="not a set of its options"):
        check(SINGLE, ["a"], frozenset({"q"}))


def test_check_every_shipped_fixed_answer_is_correct_against_itself() -> None:
    for e in load_guide().exercises:
        if e.answer is not None:
            assert check(e, e.answer, e.answer).correct
            others = [k for k in e.keys if k not in e.answer]
            assert not check(e, others[:1], e.answer).correct


def _content(tmp: Path, exercise: str, front: str = 'number = 1\nslug = "one"') -> Path:
    (tmp / "modules").mkdir()
    (tmp / "exercises").mkdir()
    (tmp / "glossary.toml").write_text('[[term]]\nterm = "gap"\ndefinition = "A gap."\n')
    (tmp / "modules" / "01-one.md").write_text(
        f'+++\n{front}\ntitle = "One"\nsummary = "S"\n+++\n\nThe gap.\n'
    )
    (tmp / "exercises" / "01-one.toml").write_text(exercise)
    return tmp


def test_content_mistakes_name_the_file(tmp_path: Path) -> None:
    bad = '[[exercise]]\nid = "e1"\nkind = "single"\nprompt = "?"\nexplanation = "x"\n'
    bad += 'answer = ["z"]\n[[exercise.option]]\nkey = "a"\ntext = "A"\n'
    with pytest.raises(ContentError) as info:
        parse_guide(_content(tmp_path, bad))
    text = str(info.value)
    assert "01-one.toml, exercise 'e1'" in text
    assert "at least two" in text and "answer ['z'] is not among the options" in text


def test_content_parses_when_right(tmp_path: Path) -> None:
    good = '[[exercise]]\nid = "e1"\nkind = "single"\nprompt = "?"\nexplanation = "x"\n'
    good += 'answer_from = "rule"\n'
    good += (
        '[[exercise.option]]\nkey = "a"\ntext = "A"\n[[exercise.option]]\nkey = "b"\ntext = "B"\n'
    )
    guide = parse_guide(_content(tmp_path, good))
    assert guide.module("one").exercises[0].answer_from == "rule"
    assert guide.glossary[0].slug == "gap"


def test_render_links_first_use_only_and_not_in_headings() -> None:
    terms = (GlossaryTerm("special cause", "special-cause", "d", ("special causes",)),)
    html = render_markdown(
        "## Special cause\n\nA special cause here. Another special cause.\n\n[[figure f1]]\n",
        terms,
        figure=lambda k: f"<svg id='{k}'></svg>",
    )
    assert html.count('href="glossary.html#special-cause"') == 1
    assert "<h2>Special cause</h2>" in html
    assert "<svg id='f1'></svg>" in html
