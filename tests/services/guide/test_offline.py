"""The offline guide: self-contained pages, links that resolve, a tagged PDF pack, slides,
and a session record form with the involvement log's own fields."""

from __future__ import annotations

import io
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader
from typer.testing import CliRunner

from equalqi.assess.involvement import ACTIVITY_TYPES, BARRIERS, ROLES, parse_activity
from equalqi.cli.main import app
from equalqi.learn import load_guide
from equalqi.services.guide import GuideOutput, Materials, write_guide
from equalqi.services.guide.form import FORM_FIELDS, activity_toml

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, mats: Materials) -> GuideOutput:
    return write_guide(tmp_path_factory.mktemp("guide"), built=mats)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.ids: set[str] = set()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("href", "src", "xlink:href", "action", "data"):
                self.refs.append((tag, k, v or ""))
            if k == "id" and v:
                self.ids.add(v)


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_pages_written(built: GuideOutput) -> None:
    names = {p.name for p in built.pages}
    guide = load_guide()
    assert {"index.html", "glossary.html", "session-record.html", "easy-read.html"} <= names
    assert sum(1 for n in names if re.match(r"0\d-", n)) == len(guide.modules) == 6
    for m in guide.modules:
        page = (built.folder / f"{m.number:02d}-{m.slug}.html").read_text(encoding="utf-8")
        assert f"<h1>{m.title}</h1>" in page
        assert page.count('<section class="exercise"') == len(m.exercises)
        assert page.count("<summary>Show the answer</summary>") == len(m.exercises)


def test_self_contained_and_links_resolve(built: GuideOutput) -> None:
    parsed = {p.name: _parse(p) for p in built.pages}
    for name, page in parsed.items():
        assert "script" not in page.tags and "link" not in page.tags, name
        for tag, attr, value in page.refs:
            assert not re.match(r"(?i)^(https?:)?//", value), (name, tag, value)
            if attr != "href" or value.startswith(("#", "mailto:")):
                continue
            target, _, anchor = value.partition("#")
            path = built.folder / target
            assert path.exists(), (name, value)
            if anchor and target.endswith(".html"):
                assert anchor in parsed[target].ids, (name, value)


def test_glossary_anchor_for_every_term(built: GuideOutput) -> None:
    ids = _parse(built.folder / "glossary.html").ids
    assert {t.slug for t in load_guide().glossary} <= ids


def test_answers_on_request_match_materials(built: GuideOutput, mats: Materials) -> None:
    guide = load_guide()
    page = (built.folder / "03-spc.html").read_text(encoding="utf-8")
    exercise = guide.exercise("spc-dna-not-fallen")
    answer = mats.answer("spc-dna-not-fallen")
    letters = [chr(65 + i) for i, o in enumerate(exercise.options) if o.key in answer]
    assert f"Answer: {' and '.join(letters)}:" in page


def test_pack_is_tagged_and_complete(built: GuideOutput) -> None:
    reader = PdfReader(built.pack)
    assert len(reader.pages) >= 20
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).lower().startswith("en")
    texts = [p.extract_text() for p in reader.pages]
    whole = "\n".join(texts)
    for heading in (
        "Timed plan",
        "Notes for the facilitator",
        "Exercise sheet: module 6",
        "Answer sheet",
        "Taking part: a guide for patients and carers",
        "Easy read",
        "Accessibility and reimbursement checklist",
        "Session record form",
    ):
        assert heading in whole, heading
    handout = [i for i, t in enumerate(texts) if "Taking part: a guide for patients" in t]
    assert len(handout) == 1  # the handout fits on one page
    assert "Invitation" in texts[handout[0] + 1]


def test_slides(built: GuideOutput, mats: Materials) -> None:
    prs = Presentation(str(built.slides))
    assert len(prs.slides) >= 10
    assert len(built.slide_titles) == len(prs.slides)
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    assert any(n.startswith("Answer: ") for n in notes)
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    assert len(pictures) >= 4
    for pic in pictures:  # a chart, not a blank: dark marks on a white background
        image = Image.open(io.BytesIO(pic.image.blob)).convert("L")
        low, high = image.getextrema()
        assert high == 255 and low < 100


def test_session_record_form_matches_the_involvement_log(built: GuideOutput) -> None:
    page = (built.folder / "session-record.html").read_text(encoding="utf-8")
    keys = re.findall(r'<span class="key">\(([a-z_]+)\)</span>', page)
    asked = [k for k in keys if k in FORM_FIELDS]
    assert asked == list(FORM_FIELDS)
    from equalqi.assess import involvement

    assert set(FORM_FIELDS) == set(involvement._ACTIVITY_KEYS)
    for mapping in (ACTIVITY_TYPES, ROLES, BARRIERS):
        for key, label in mapping.items():
            assert f'{escape(label)} <span class="key">({key})</span>' in page, key
    # The form's file layout, filled in, is a valid activity for the log.
    filled = (
        activity_toml()
        .replace("participants = 0", "participants = 12")
        .replace("patients = 0", "patients = 8")
        .replace("staff = 0", "staff = 4")
        .replace('"Core20" = 0', '"Core20" = 5')
        .replace('"Not Core20" = 0', '"Not Core20" = 7')
        .replace("barriers = []", 'barriers = ["paid_travel", "interpreters"]')
        .replace('barrier_notes = ""', 'barrier_notes = "Taxi for two people"')
    )
    activity = parse_activity(filled, source="form")
    assert activity.participants == 12 and activity.barriers == ("paid_travel", "interpreters")


def test_cli_guide(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["guide", "--out", str(tmp_path / "g"), "--rows", "100000", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "index.html").exists()
    assert (tmp_path / "g" / "facilitator-pack.pdf").exists()
    assert '"slide_count"' in result.output


def test_demo_writes_the_guide(tmp_path: Path) -> None:
    """``make demo`` (``equalqi demo``) asks the demo for the guide: out/demo/guide/."""
    from equalqi.services.demo import run_demo

    run = run_demo(tmp_path, rows=60_000, seed=3, with_portfolio=False, with_guide=True)
    assert run.guide == tmp_path / "guide" / "index.html"
    folder = tmp_path / "guide"
    for name in ("index.html", "03-spc.html", "facilitator-pack.pdf", "workshop.pptx"):
        assert (folder / name).exists(), name
    assert list((tmp_path / "data" / "guide-cache").glob("guide-materials-*.json"))
