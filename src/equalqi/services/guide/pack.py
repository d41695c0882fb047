"""``facilitator-pack.pdf``: the two-hour workshop on paper, from the guide's own content.

Timed plan and facilitator notes, printable exercise sheets with the demo charts (no
answers), the answer sheet, a one-page handout for patients and carers, and the
co-production kit (invitation, easy read, checklist, session record form). WeasyPrint renders
one HTML document to a tagged PDF (``pdf/ua-1``, language from ``<html lang>``), as the
report's PDFs are.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from equalqi import __version__
from equalqi.learn import glossary_html, load_guide, load_kit, load_workshop, render_markdown
from equalqi.services.guide.form import feedback_form_html
from equalqi.services.guide.materials import Materials
from equalqi.services.guide.site import answer_words, exercise_html, kit_body, workshop_table
from equalqi.services.guide.style import CSS

PDF_VARIANT = "pdf/ua-1"
SCENARIO_NAMES = {
    "dna_sms": "Text reminders (DNA rate)",
    "screening_outreach": "Screening outreach (uptake)",
    "no_change": "New discharge template (summaries on time)",
}

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-left { content: "Equal-QI facilitator pack"; font-size: 8pt; color: #4c6272; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt;
    color: #4c6272; } }
body { background: #fff; font-size: 11pt; line-height: 1.4; }
main { padding: 0; } .wrap { max-width: none; padding: 0; }
h1 { font-size: 20pt; margin-top: 0; } h2 { font-size: 15pt; } h3 { font-size: 12pt; }
section.part { break-before: page; }
section.part:first-of-type { break-before: auto; }
.sheet-head { border-bottom: 2px solid #005eb8; padding-bottom: 4pt; margin-bottom: 8pt; }
figure.chart { break-inside: avoid; margin: 4pt 0 8pt; }
figure.chart > svg { width: 100% !important; height: auto !important; max-height: 82mm; }
.eqi-grid { grid-template-columns: 1fr 1fr 1fr !important; gap: 2mm 3mm !important; }
.eqi-panel svg { width: 100% !important; height: auto !important; }
.exercise { background: #fff; border: 1px solid #d8dde0; border-left: 6px solid #005eb8;
  break-inside: avoid; padding: 4pt 10pt; margin: 8pt 0; }
.exercise ol.options, .exercise h3, .exercise p { break-inside: avoid; }
.exercise h3 { break-after: avoid; }
.exercise .tick { display: inline-block; width: 10pt; height: 10pt; border: 1.5pt solid #212b32;
  margin-right: 6pt; vertical-align: -1pt; }
.exercise ol.options { list-style: upper-alpha; }
table { font-size: 10pt; } tr { break-inside: avoid; } a { color: #212b32; text-decoration: none; }
.handout { font-size: 12pt; }
.kit-invitation { font-size: 10.5pt; } .kit-invitation h2 { font-size: 12pt; margin: 8pt 0 2pt; }
.kit-invitation p, .kit-invitation li { margin: 2pt 0; }
.handout h1 { font-size: 18pt; } .handout h2 { font-size: 13pt; margin: 8pt 0 2pt; }
.handout p, .handout li { margin: 2pt 0; }
ul.easyread li { font-size: 14pt; margin: 6pt 0; }
ul.easyread svg { width: 52px; height: 52px; flex-basis: 52px; }
dl.glossary { columns: 2; column-gap: 12mm; font-size: 9.5pt; }
dl.glossary dt { break-after: avoid; } dl.glossary dd { break-inside: avoid; }
form.record fieldset { break-inside: avoid; padding: 4pt 8pt 8pt; margin-bottom: 6pt; }
form.record ul.checklist { columns: 2; margin: 0; } form.record ul.checklist li { margin: 2pt 0; }
"""


def pack_html(materials: Materials) -> str:
    """The whole pack as one HTML document (print layout)."""
    guide = load_guide()
    workshop = load_workshop()
    kit = {p.slug: p for p in load_kit()}
    parts: list[str] = []
    contents = [
        "Timed plan for a two-hour workshop",
        "Notes for the facilitator",
        "Exercise sheets (one per module, with the demo charts)",
        "Answer sheet",
        "Handout for patients and carers (one page)",
        "Co-production kit: invitation, easy read, checklist, session record form",
        "Glossary",
    ]
    parts.append(
        '<section class="part"><h1>Using QI to close gaps in care: facilitator pack</h1>'
        f"<p class='lede'>{escape(workshop.audience)}</p>"
        "<p>This pack goes with the Equal-QI guide. It has everything you need to run a "
        "two-hour workshop for a team, with patients and carers taking part as equals. The "
        "charts and answers come from the toolkit's made-up demo data, worked out when the "
        "pack was made, with small numbers hidden.</p><h2>In this pack</h2><ol>"
        + "".join(f"<li>{escape(c)}</li>" for c in contents)
        + "</ol><h2>Before you start</h2><ul><li>Print one exercise sheet set per pair, one "
        "answer sheet for yourself, and one handout per patient or carer.</li><li>Send the "
        "invitation (and the easy read version) at least three weeks before.</li><li>Work "
        "through the checklist for access and payment.</li></ul></section>"
    )
    parts.append(
        '<section class="part"><h1>Timed plan</h1>'
        f"{workshop_table(workshop, guide, links=False)}</section>"
    )
    parts.append(
        f'<section class="part"><h1>{escape(workshop.notes.title)}</h1>'
        f"{render_markdown(workshop.notes.body_markdown)}</section>"
    )
    for m in guide.modules:
        sheets = "".join(
            exercise_html(e, f"{m.number}.{i}", materials, answer=None, boxes=True)
            for i, e in enumerate(m.exercises, start=1)
        )
        parts.append(
            f'<section class="part"><div class="sheet-head"><h1>Exercise sheet: module '
            f"{m.number}</h1><p>{escape(m.title)}</p><p>Names: ______________________</p></div>"
            f"{sheets}</section>"
        )
    rows = []
    for m in guide.modules:
        for i, e in enumerate(m.exercises, start=1):
            answer = materials.answer_for(guide, e.id)
            source = "demo data" if e.answer is None else "fixed"
            rows.append(
                f"<tr><td>{m.number}.{i}</td><td><strong>{escape(answer_words(e, answer))}"
                f"</strong><br>{escape(e.explanation)}</td><td>{source}</td></tr>"
            )
    verdicts = "".join(
        f"<li><strong>{escape(SCENARIO_NAMES.get(k, k))}:</strong> {escape(v)}</li>"
        for k, v in materials.verdicts.items()
    )
    parts.append(
        '<section class="part"><h1>Answer sheet</h1>'
        "<table><thead><tr><th scope='col'>Exercise</th><th scope='col'>Answer and why</th>"
        "<th scope='col'>Answer from</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<h2>The demo verdicts, word for word</h2>"
        "<p>Read these out in the session on module 5. They are the toolkit's own sentences "
        "for the demo data (deprivation: most against least deprived fifth).</p>"
        f"<ul>{verdicts}</ul></section>"
    )
    parts.append(f'<section class="part handout">{kit_body(kit["handout"])}</section>')
    for slug in ("invitation", "easy-read", "checklist"):
        parts.append(f'<section class="part kit-{slug}">{kit_body(kit[slug])}</section>')
    parts.append(
        f'<section class="part"><h1>Session record form</h1>{feedback_form_html()}</section>'
    )
    parts.append(f'<section class="part"><h1>Glossary</h1>{glossary_html(guide)}</section>')
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        "<title>Using QI to close gaps in care: facilitator pack</title>"
        f'<meta name="generator" content="equalqi {__version__}">'
        f'<meta name="author" content="equalqi">'
        f"<style>{CSS}{PRINT_CSS}</style></head><body><main><div class='wrap'>"
        + "".join(parts)
        + "</div></main></body></html>"
    )


def write_pack(path: Path, materials: Materials) -> Path:
    """Render the pack to a tagged PDF at ``path``."""
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=pack_html(materials)).write_pdf(path, pdf_variant=PDF_VARIANT)
    return path
