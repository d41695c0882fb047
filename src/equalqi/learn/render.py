"""Markdown to HTML for the guide, with glossary words linked and demo figures placed.

Rendering uses markdown-it-py (CommonMark, raw HTML off, tables on). The first time a
glossary word (or one of its aliases) appears in a module's running text it links to the
glossary entry; headings and existing links are left alone. Where the link points is a
parameter: ``glossary.html#slug`` for the offline guide, ``/learn/glossary#slug`` in the app.

A paragraph that is only ``[[figure KEY]]`` is replaced by the figure that ``figure(KEY)``
returns (trusted SVG from :func:`equalqi.services.guide.materials`), so the Markdown files
stay free of numbers typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.token import Token

from equalqi.learn.model import GlossaryTerm, Guide, Module

LinkTarget = Callable[[str], str]
FigureHtml = Callable[[str], str]

_FIGURE = re.compile(r"^\[\[figure ([a-z0-9-]+)\]\]\s*$", re.M)


def offline_link(slug: str) -> str:
    """Glossary link target in the offline guide."""
    return f"glossary.html#{slug}"


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def figure_keys(markdown: str) -> tuple[str, ...]:
    """The figure keys a Markdown body places, in order."""
    return tuple(_FIGURE.findall(markdown))


def is_acronym(spelling: str) -> bool:
    """All capitals (an ending "s" allowed): matched case-sensitively."""
    core = spelling[:-1] if spelling.endswith("s") else spelling
    return len(core) > 1 and core.isupper()


def _spelling_pattern(spelling: str) -> str:
    escaped = re.escape(spelling)
    return f"(?-i:{escaped})" if is_acronym(spelling) else escaped


def _pattern(glossary: Sequence[GlossaryTerm]) -> tuple[re.Pattern[str], dict[str, str]]:
    by_spelling = {s.lower(): t.slug for t in glossary for s in t.spellings}
    spellings = sorted({s for t in glossary for s in t.spellings}, key=len, reverse=True)
    # An acronym (ITS, SII, DNA) matches in capitals only, so "its" is not "ITS".
    alternation = "|".join(_spelling_pattern(s) for s in spellings)
    return re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.I), by_spelling


def _link_children(
    children: list[Token],
    pattern: re.Pattern[str],
    by_spelling: dict[str, str],
    linked: set[str],
    link: LinkTarget,
) -> list[Token]:
    out: list[Token] = []
    depth = 0
    for tok in children:
        if tok.type == "link_open":
            depth += 1
        elif tok.type == "link_close":
            depth -= 1
        if tok.type != "text" or depth > 0:
            out.append(tok)
            continue
        text, pos = tok.content, 0
        for m in pattern.finditer(text):
            slug = by_spelling[m.group(1).lower()]
            if slug in linked:
                continue
            linked.add(slug)
            if m.start() > pos:
                out.append(_text(text[pos : m.start()]))
            opener = Token("link_open", "a", 1)
            opener.attrs = {"href": link(slug), "class": "glossary-link"}
            out += [opener, _text(m.group(1)), Token("link_close", "a", -1)]
            pos = m.end()
        if pos < len(text):
            out.append(_text(text[pos:]))
    return out


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def render_markdown(
    markdown: str,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    link: LinkTarget = offline_link,
    figure: FigureHtml | None = None,
) -> str:
    """HTML for one Markdown body: glossary words linked once each, figures placed."""
    md = _md()
    pattern, by_spelling = _pattern(glossary) if glossary else (None, {})
    linked: set[str] = set()
    parts = _FIGURE.split(markdown)
    html: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            if figure is not None:
                html.append(figure(part))
            continue
        tokens = md.parse(part)
        if pattern is not None:
            for j, tok in enumerate(tokens):
                in_heading = j > 0 and tokens[j - 1].type == "heading_open"
                if tok.type == "inline" and tok.children and not in_heading:
                    tok.children = _link_children(tok.children, pattern, by_spelling, linked, link)
        html.append(md.renderer.render(tokens, md.options, {}))
    return "".join(html)


def render_module(
    module: Module,
    guide: Guide,
    *,
    link: LinkTarget = offline_link,
    figure: FigureHtml | None = None,
) -> str:
    """A module's body as HTML (without its exercises, which each interface lays out)."""
    return render_markdown(module.body_markdown, guide.glossary, link=link, figure=figure)


def render_inline(text: str) -> str:
    """A short text (a prompt, an option) with Markdown emphasis, as inline HTML."""
    return _md().renderInline(text)


def prose(markdown: str) -> str:
    """The running text of a Markdown body, for reading-ease scores.

    Headings, code, tables and figure placeholders are left out (they are not sentences);
    each paragraph or list item ends with a full stop so it counts as a sentence.
    """
    tokens = _md().parse(_FIGURE.sub("", markdown))
    sentences: list[str] = []
    skip = 0
    for tok in tokens:
        if tok.type in ("table_open", "heading_open"):
            skip += 1
        elif tok.type in ("table_close", "heading_close"):
            skip -= 1
        if tok.type != "inline" or skip or not tok.children:
            continue
        text = "".join(
            " " if c.type in ("softbreak", "hardbreak") else c.content
            for c in tok.children
            if c.type in ("text", "code_inline", "softbreak", "hardbreak")
        )
        text = " ".join(text.split())
        if text:
            sentences.append(text if text[-1] in ".?!:" else text + ".")
    return " ".join(sentences)


def glossary_html(guide: Guide) -> str:
    """The glossary as a definition list with an anchor per term."""
    rows = [
        f'<dt id="{escape(t.slug)}">{escape(t.term)}</dt><dd>{render_inline(t.definition)}</dd>'
        for t in guide.glossary
    ]
    return '<dl class="glossary">' + "".join(rows) + "</dl>"


def key_points(markdown: str) -> tuple[str, ...]:
    """The list items of a module's last section ("What to take from this module")."""
    tokens = _md().parse(markdown)
    last_h2 = max((i for i, t in enumerate(tokens) if t.type == "heading_open"), default=-1)
    points: list[str] = []
    in_item = False
    for tok in tokens[last_h2 + 1 :]:
        if tok.type == "list_item_open":
            in_item = True
        elif tok.type == "list_item_close":
            in_item = False
        elif tok.type == "inline" and in_item and tok.children is not None:
            points.append("".join(c.content for c in tok.children if c.type == "text"))
    return tuple(points)
