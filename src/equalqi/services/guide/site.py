"""The offline guide: self-contained HTML pages (inline CSS and SVG, no scripts, no CDN).

``index.html``, one page per module (``<slug>.html``) ending with its exercises (answers
behind ``<details>``), ``glossary.html``, the workshop plan and notes (``workshop.html``) and
the co-production kit (``invitation.html``, ``easy-read.html``, ``checklist.html``,
``handout.html``, ``session-record.html``). The same fragments build the facilitator pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from pathlib import Path

import jinja2

from equalqi import __version__
from equalqi.learn import (
    Exercise,
    Guide,
    Module,
    Page,
    Workshop,
    glossary_html,
    load_guide,
    load_kit,
    load_workshop,
    offline_link,
    render_inline,
    render_markdown,
    render_module,
)
from equalqi.services.guide.form import activity_toml, feedback_form_html
from equalqi.services.guide.materials import Materials
from equalqi.services.guide.style import CSS

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("equalqi.services.guide", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
KIT_FILES = {
    "invitation": "invitation.html",
    "easy-read": "easy-read.html",
    "checklist": "checklist.html",
    "handout": "handout.html",
}
FORM_FILE = "session-record.html"
WORKSHOP_FILE = "workshop.html"
LETTERS = "ABCDEFGHIJ"
Pager = dict[str, tuple[str, str] | None]


def module_file(module: Module) -> str:
    return f"{module.number:02d}-{module.slug}.html"


def figure_html(materials: Materials, key: str) -> str:
    """A figure with its caption (the SVG carries its own title and description)."""
    caption = materials.caption(key)
    return (
        f'<figure class="chart" data-figure="{escape(key)}">{materials.figure(key)}'
        + (f"<figcaption>{escape(caption)}</figcaption>" if caption else "")
        + "</figure>"
    )


def answer_words(exercise: Exercise, answer: frozenset[str]) -> str:
    """The right options as "B and D: text; text"."""
    picked = [(i, o) for i, o in enumerate(exercise.options) if o.key in answer]
    letters = " and ".join(LETTERS[i] for i, _ in picked)
    return f"{letters}: " + "; ".join(o.text for _, o in picked)


def exercise_html(
    exercise: Exercise,
    number: str,
    materials: Materials,
    *,
    answer: frozenset[str] | None,
    with_figure: bool = True,
    boxes: bool = False,
) -> str:
    """One exercise: prompt, figure, options (A, B, …) and, if given, the answer on request."""
    kind = "Choose one answer." if exercise.kind == "single" else "Tick every answer that fits."
    parts = [
        f'<section class="exercise" id="{escape(exercise.id)}" aria-labelledby="h-{exercise.id}">',
        f'<h3 id="h-{exercise.id}">Exercise {escape(number)}</h3>',
        f"<p>{render_inline(exercise.prompt)}</p>",
    ]
    if with_figure and exercise.figure:
        parts.append(figure_html(materials, exercise.figure))
    parts.append(f'<p class="kind">{kind}</p><ol class="options">')
    for opt in exercise.options:
        tick = '<span class="tick"></span>' if boxes else ""
        parts.append(f"<li>{tick}{render_inline(opt.text)}</li>")
    parts.append("</ol>")
    if answer is not None:
        parts.append(
            "<details><summary>Show the answer</summary><div class='answer'>"
            f"<p><strong>Answer: {escape(answer_words(exercise, answer))}</strong></p>"
            f"<p>{render_inline(exercise.explanation)}</p></div></details>"
        )
    parts.append("</section>")
    return "".join(parts)


def module_body(
    module: Module,
    guide: Guide,
    materials: Materials,
    *,
    link: Callable[[str], str] = offline_link,
    answers: bool = True,
) -> str:
    """A module page's main content: title, body with figures, then its exercises."""
    body = render_module(module, guide, link=link, figure=lambda k: figure_html(materials, k))
    placed = set(re.findall(r'data-figure="([^"]+)"', body))
    exercises = "".join(
        exercise_html(
            e,
            f"{module.number}.{i}",
            materials,
            answer=materials.answer_for(guide, e.id) if answers else None,
            with_figure=e.figure not in placed,
        )
        for i, e in enumerate(module.exercises, start=1)
    )
    return (
        f'<p class="kind">Module {module.number} of {len(guide.modules)}</p>'
        f"<h1>{escape(module.title)}</h1><p class='lede'>{escape(module.summary)}</p>"
        f"{body}<h2 id='exercises'>Exercises</h2>"
        "<p>Try each one before you open the answer.</p>"
        f"{exercises}"
    )


_ICON_FRAME = (
    '<svg viewBox="0 0 72 72" role="img" aria-label="{label}"><title>{label}</title>'
    '<rect width="72" height="72" rx="10" fill="#e8edee"/>{shape}</svg>'
)
_ICONS = {
    "people": (
        "people",
        '<circle cx="24" cy="24" r="8" fill="#005eb8"/><circle cx="48" cy="24" r="8" '
        'fill="#005eb8"/><path d="M10 58c0-12 7-20 14-20s14 8 14 20zM34 58c0-12 7-20 14-20s14 '
        '8 14 20z" fill="#005eb8"/>',
    ),
    "question": (
        "question mark",
        '<text x="36" y="52" font-size="46" font-weight="700" text-anchor="middle" '
        'fill="#005eb8" font-family="Arial">?</text>',
    ),
    "talk": (
        "speech bubble",
        '<path d="M12 16h48v30H30l-12 10V46h-6z" fill="#005eb8"/>',
    ),
    "calendar": (
        "calendar",
        '<rect x="14" y="18" width="44" height="40" rx="3" fill="#fff" stroke="#005eb8" '
        'stroke-width="4"/><rect x="14" y="18" width="44" height="10" fill="#005eb8"/>'
        '<rect x="24" y="36" width="8" height="8" fill="#005eb8"/>',
    ),
    "place": (
        "map pin",
        '<path d="M36 62s-16-18-16-30a16 16 0 0 1 32 0c0 12-16 30-16 30z" fill="#005eb8"/>'
        '<circle cx="36" cy="32" r="6" fill="#fff"/>',
    ),
    "money": (
        "pound coin",
        '<circle cx="36" cy="36" r="22" fill="#ffb81c"/><text x="36" y="47" font-size="30" '
        'font-weight="700" text-anchor="middle" fill="#212b32" font-family="Arial">£</text>',
    ),
    "helper": (
        "two people holding hands",
        '<circle cx="24" cy="20" r="7" fill="#005eb8"/><circle cx="48" cy="20" r="7" '
        'fill="#007f3b"/><path d="M16 60V34h16v26zM40 60V34h16v26z" fill="#005eb8"/>'
        '<path d="M32 40h8" stroke="#212b32" stroke-width="4"/>',
    ),
    "lock": (
        "padlock",
        '<rect x="18" y="32" width="36" height="28" rx="4" fill="#005eb8"/><path d="M26 32v-8a10 '
        '10 0 0 1 20 0v8" fill="none" stroke="#005eb8" stroke-width="6"/>',
    ),
    "phone": (
        "telephone",
        '<rect x="24" y="10" width="24" height="52" rx="5" fill="#005eb8"/><rect x="28" y="16" '
        'width="16" height="34" fill="#fff"/>',
    ),
}


def _icon(name: str) -> str:
    label, shape = _ICONS.get(name, ("picture", ""))
    return _ICON_FRAME.format(label=label, shape=shape)


def kit_body(page: Page, link: Callable[[str], str] = offline_link) -> str:
    """A kit page: checklists get boxes to tick, easy read gets a picture per line."""
    html = render_markdown(page.body_markdown, load_guide().glossary, link=link)
    if page.slug == "checklist":
        html = html.replace("<ul>", '<ul class="checklist">')
        html = html.replace("<li>[ ] ", '<li><span class="box" aria-hidden="true"></span>')
    if page.slug == "easy-read":
        html = html.replace("<ul>", '<ul class="easyread">')
        html = re.sub(r"<li>:([a-z]+): ", lambda m: f"<li>{_icon(m.group(1))}<span>", html)
        html = html.replace("</li>", "</span></li>")
    return f"<h1>{escape(page.title)}</h1><p class='lede'>{escape(page.summary)}</p>{html}"


def workshop_table(workshop: Workshop, guide: Guide, *, links: bool = True) -> str:
    rows = []
    for start, step in workshop.timetable():
        module = ""
        if step.module:
            m = guide.module(step.module)
            module = (
                f'<a href="{module_file(m)}">Module {m.number}</a>'
                if links
                else f"Module {m.number}"
            )
        rows.append(
            f"<tr><td>{start}</td><td>{step.minutes} min</td><td><strong>"
            f"{escape(step.activity)}</strong><br>{escape(step.notes)}</td><td>{module}</td></tr>"
        )
    return (
        f"<table class='plan'><caption>Timed plan ({workshop.minutes} minutes)</caption>"
        "<thead><tr><th scope='col'>Start</th><th scope='col'>Time</th>"
        "<th scope='col'>What happens</th><th scope='col'>Guide</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def workshop_body(workshop: Workshop, guide: Guide) -> str:
    notes = render_markdown(workshop.notes.body_markdown, guide.glossary)
    return (
        f"<h1>{escape(workshop.title)}</h1><p class='lede'>{escape(workshop.audience)}</p>"
        f"{workshop_table(workshop, guide)}<h2>{escape(workshop.notes.title)}</h2>{notes}"
        "<p>The printable version, with exercise sheets, an answer sheet and a handout, is "
        '<a href="facilitator-pack.pdf">facilitator-pack.pdf</a>. The slides are '
        '<a href="workshop.pptx">workshop.pptx</a>.</p>'
    )


def form_body() -> str:
    return (
        "<h1>Session record form</h1>"
        "<p class='lede'>Fill this in at the end of each co-production session, then add it to "
        "the involvement log.</p>"
        f"{feedback_form_html()}"
        "<h2>Logging the session</h2><p>Copy the form's answers into a file like this and run "
        "<code>equalqi assess involvement add --project NAME --from FILE</code>, or type them "
        "into the involvement page of the web app.</p>"
        f"<pre>{escape(activity_toml())}</pre>"
    )


def index_body(guide: Guide, workshop: Workshop) -> str:
    cards = "".join(
        f'<li><a href="{module_file(m)}"><strong>{m.number}. {escape(m.title)}</strong></a>'
        f"<p>{escape(m.summary)}</p></li>"
        for m in guide.modules
    )
    kit = "".join(
        f'<li><a href="{KIT_FILES[p.slug]}">{escape(p.title)}</a></li>' for p in load_kit()
    )
    n = len(guide.exercises)
    return (
        "<h1>Using quality improvement to close gaps in care</h1>"
        "<p class='lede'>A plain-English guide for NHS teams who are new to healthcare "
        "inequalities, SPC charts or working with patients as partners.</p>"
        "<p>There are six short modules. Each one ends with exercises that you can check "
        f"yourself ({n} in all). The charts come from the toolkit's demo data: three made-up "
        "projects that behave like real ones. One sent text reminders, one did outreach for "
        "screening, and one changed a discharge letter.</p>"
        f'<h2>The modules</h2><ul class="cards">{cards}</ul>'
        f'<h2>Running a workshop</h2><ul><li><a href="{WORKSHOP_FILE}">{escape(workshop.title)}'
        "</a>: the timed plan and notes for the facilitator</li>"
        '<li><a href="facilitator-pack.pdf">Facilitator pack (PDF)</a>: plan, notes, exercise '
        "sheets, answer sheet and a handout for patients and carers</li>"
        '<li><a href="workshop.pptx">Workshop slides (PowerPoint)</a></li></ul>'
        f"<h2>Co-production kit</h2><ul>{kit}"
        f'<li><a href="{FORM_FILE}">Session record form</a>: the same fields as the '
        "involvement log</li></ul>"
        '<h2>Words</h2><p>Technical words are linked to the <a href="glossary.html">glossary'
        "</a> the first time they appear in a module.</p>"
    )


def render_page(title: str, body: str, *, rows: int, pager: Pager | None = None) -> str:
    return _ENV.get_template("page.html.j2").render(
        title=title,
        body=body,
        css=CSS,
        version=__version__,
        rows=f"{rows:,}",
        crumbs=title != "Guide",
        pager=pager,
    )


def write_site(out: Path, materials: Materials) -> list[Path]:
    """Write every HTML page of the offline guide into ``out``; return their paths."""
    guide = load_guide()
    workshop = load_workshop()
    out.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, str, str, Pager | None]] = [
        ("index.html", "Guide", index_body(guide, workshop), None)
    ]
    mods = guide.modules
    for i, m in enumerate(mods):
        pager: Pager = {
            "prev": (module_file(mods[i - 1]), mods[i - 1].title) if i else None,
            "next": (module_file(mods[i + 1]), mods[i + 1].title) if i + 1 < len(mods) else None,
        }
        pages.append((module_file(m), m.title, module_body(m, guide, materials), pager))
    pages.append(("glossary.html", "Glossary", "<h1>Glossary</h1>" + glossary_html(guide), None))
    pages.append((WORKSHOP_FILE, workshop.title, workshop_body(workshop, guide), None))
    for page in load_kit():
        pages.append((KIT_FILES[page.slug], page.title, kit_body(page), None))
    pages.append((FORM_FILE, "Session record form", form_body(), None))
    written = []
    for name, title, body, nav in pages:
        path = out / name
        path.write_text(render_page(title, body, rows=materials.rows, pager=nav), "utf-8")
        written.append(path)
    return written
