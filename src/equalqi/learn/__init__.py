"""Learn to use QI to reduce inequalities: the guide's content, exercises and glossary.

Pure core: the content ships as Markdown and TOML inside this package (read with
importlib.resources); nothing here writes files, serves pages or touches a database.
"""

from equalqi.learn.loader import ContentError, load_guide, parse_guide, slugify
from equalqi.learn.model import (
    Exercise,
    Feedback,
    GlossaryTerm,
    Guide,
    Module,
    Option,
    check,
)
from equalqi.learn.render import (
    figure_keys,
    glossary_html,
    key_points,
    offline_link,
    prose,
    render_inline,
    render_markdown,
    render_module,
)
from equalqi.learn.workshop import KIT_PAGES, Page, Step, Workshop, load_kit, load_workshop

__all__ = [
    "KIT_PAGES",
    "ContentError",
    "Exercise",
    "Feedback",
    "GlossaryTerm",
    "Guide",
    "Module",
    "Option",
    "Page",
    "Step",
    "Workshop",
    "check",
    "figure_keys",
    "glossary_html",
    "key_points",
    "load_guide",
    "load_kit",
    "load_workshop",
    "offline_link",
    "parse_guide",
    "prose",
    "render_inline",
    "render_markdown",
    "render_module",
    "slugify",
]
