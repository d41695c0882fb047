"""``workshop.pptx``: slides for the two-hour workshop, generated from the guide's content.

python-pptx, 16:9, one idea per slide in large type: the plan, each module's key points
(its "What to take from this module" list), the demo charts (PNG via cairosvg from the same
SVG as the pages), the issue's example exercises with their answers in the speaker notes,
and the close. The facilitator's notes for each step go in the notes of its slides.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from equalqi.learn import Exercise, figure_keys, key_points, load_guide, load_workshop
from equalqi.services.guide.materials import Materials
from equalqi.services.guide.site import LETTERS, answer_words
from equalqi.services.report.pack import _png as report_png

#: Exercises shown on their own slides (the issue's examples), in workshop order.
SLIDE_EXERCISES = ("why-plans-widen", "spc-special-cause", "spc-dna-not-fallen", "verdict-dna")
#: A chart that a PNG can show in place of a figure that is HTML (small multiples).
STAND_IN = {"dna-imd-multiples": "dna-imd-lines"}


def _png(svg: str) -> bytes:
    """PNG of a chart the way the board pack makes them (white background, root style
    dropped so cairosvg sees the size)."""
    return report_png(svg, scale=2.5)


def write_slides(path: Path, materials: Materials) -> list[str]:
    """Write the workshop slides; return the slide titles."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    guide = load_guide()
    workshop = load_workshop()
    notes_for = {s.module: s.notes for s in workshop.steps if s.module}
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    blue = RGBColor(0x00, 0x5E, 0xB8)
    titles: list[str] = []

    def slide(title: str, notes: str = "") -> Any:
        s = prs.slides.add_slide(blank)
        box = s.shapes.add_textbox(Inches(0.6), Inches(0.35), Inches(12.1), Inches(1.0))
        box.text_frame.word_wrap = True
        p = box.text_frame.paragraphs[0]
        p.text = title
        p.font.size, p.font.bold, p.font.color.rgb = Pt(32), True, blue
        s.notes_slide.notes_text_frame.text = notes
        titles.append(title)
        return s

    def text(s: Any, lines: list[str], top: float = 1.6, size: int = 24) -> None:
        box = s.shapes.add_textbox(Inches(0.6), Inches(top), Inches(12.1), Inches(7.2 - top))
        tf = box.text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size = Pt(size)
            p.space_after = Pt(10)

    def picture(s: Any, key: str, top: float = 1.5, max_h: float = 5.2) -> None:
        svg = materials.figure(STAND_IN.get(key, key))
        pic = s.shapes.add_picture(io.BytesIO(_png(svg)), Inches(0.6), Inches(top))
        ratio = pic.width / pic.height
        h = int(Inches(max_h))
        w = int(h * ratio)
        if w > int(Inches(12.1)):
            w = int(Inches(12.1))
            h = int(w / ratio)
        pic.width, pic.height = Emu(w), Emu(h)
        pic.left = int((prs.slide_width - w) / 2)

    s = slide("Using quality improvement to close gaps in care", workshop.audience)
    text(
        s,
        [
            "A two-hour workshop for teams, with patients and carers as equal partners.",
            "Everyone's voice counts the same today. Ask what any word means.",
            "Charts come from the toolkit's made-up demo data, with small numbers hidden.",
        ],
    )
    s = slide("Today's plan")
    text(s, [f"{start}  {step.activity}" for start, step in workshop.timetable()], size=20)
    exercises = {e.id: e for e in guide.exercises}
    for m in guide.modules:
        s = slide(f"{m.number}. {m.title}", notes_for.get(m.slug, ""))
        text(s, [m.summary, *[f"• {p}" for p in key_points(m.body_markdown)]], size=22)
        keys = figure_keys(m.body_markdown)
        if keys:
            s = slide(f"{m.number}. From the demo data", notes_for.get(m.slug, ""))
            picture(s, keys[0])
            text(s, [materials.caption(keys[0])], top=6.75, size=14)
        for ex_id in SLIDE_EXERCISES:
            e = exercises[ex_id]
            if e.module == m.slug:
                _exercise_slide(slide, text, picture, e, materials.answer_for(guide, e.id))
    s = slide("What will you do next?", workshop.steps[-1].notes)
    text(
        s,
        [
            "• One thing each of us will do this month.",
            "• One barrier we will remove, and who we will involve.",
            "• Fill in the session record form together, for the involvement log.",
            "• The guide, glossary and co-production kit: open index.html in the guide folder.",
        ],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    return titles


def _exercise_slide(
    slide: Any, text: Any, picture: Any, e: Exercise, answer: frozenset[str]
) -> None:
    notes = f"Answer: {answer_words(e, answer)}. {e.explanation}"
    s = slide("Exercise", notes)
    options = [f"{LETTERS[i]}. {o.text}" for i, o in enumerate(e.options)]
    if e.figure:
        text(s, [e.prompt], top=1.2, size=20)
        picture(s, e.figure, top=2.05, max_h=3.75)
        text(s, ["   ".join(options)] if len(options) > 3 else options, top=5.95, size=16)
    else:
        text(s, [e.prompt, *options], size=22)
