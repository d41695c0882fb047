"""Read the guide's editable content (Markdown + TOML under ``content/``) into a :class:`Guide`.

Layout, so that a non-programmer can edit it:

* ``content/modules/NN-slug.md``: TOML front matter between ``+++`` lines (``number``,
  ``slug``, ``title``, ``summary``), then the module in Markdown;
* ``content/exercises/NN-slug.toml``: ``[[exercise]]`` tables with ``id``, ``prompt``,
  ``kind`` (single|multiple), ``explanation``, optional ``figure``, and either ``answer``
  (a list of option keys) or ``answer_from`` (a data rule), plus ``[[exercise.option]]``
  tables (``key``, ``text``);
* ``content/glossary.toml``: ``[[term]]`` tables with ``term``, ``definition`` and optional
  ``aliases``.

Mistakes in the files are reported all at once, each naming the file and what to fix.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, cast

from equalqi.learn.model import Exercise, GlossaryTerm, Guide, Kind, Module, Option

_FRONT = re.compile(r"\A\+\+\+\s*\n(.*?)\n\+\+\+\s*\n(.*)\Z", re.S)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(ValueError):
    """The guide's content files have mistakes; the message lists each with its file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("The guide's content has mistakes:\n- " + "\n- ".join(problems))


def slugify(text: str) -> str:
    """A lower-case anchor name: letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _content() -> Traversable:
    return resources.files("equalqi.learn").joinpath("content")


@cache
def load_guide() -> Guide:
    """The guide as shipped in the package (read once, then cached: content is immutable)."""
    return parse_guide(_content())


def parse_guide(root: Traversable) -> Guide:
    """Build a guide from a content folder laid out as the module docstring says."""
    problems: list[str] = []
    glossary = _glossary(root.joinpath("glossary.toml"), problems)
    modules: list[Module] = []
    md_files = sorted(
        (f for f in root.joinpath("modules").iterdir() if f.name.endswith(".md")),
        key=lambda f: f.name,
    )
    for f in md_files:
        module = _module(f, root, problems)
        if module is not None:
            modules.append(module)
    numbers = [m.number for m in modules]
    if numbers != list(range(1, len(modules) + 1)):
        problems.append(f"modules must be numbered 1, 2, 3, … in file order; found {numbers}")
    seen: dict[str, str] = {}
    for m in modules:
        for e in m.exercises:
            if e.id in seen:
                problems.append(
                    f"exercise id {e.id!r} is used in both {seen[e.id]} and {m.slug}: ids must "
                    "be unique across the guide"
                )
            seen[e.id] = m.slug
    if problems:
        raise ContentError(problems)
    return Guide(modules=tuple(modules), glossary=glossary)


def _toml(f: Traversable, problems: list[str]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(f.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{f.name}: the file is missing")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{f.name}: not valid TOML ({exc})")
    return None


def _text(data: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key!r} must be a non-empty text")
        return ""
    return value.strip()


def _glossary(f: Traversable, problems: list[str]) -> tuple[GlossaryTerm, ...]:
    data = _toml(f, problems)
    if data is None:
        return ()
    terms: list[GlossaryTerm] = []
    slugs: set[str] = set()
    for i, row in enumerate(data.get("term", []), start=1):
        where = f"glossary.toml, term {i}"
        term = _text(row, "term", where, problems)
        definition = _text(row, "definition", where, problems)
        aliases = row.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(f"{where}: 'aliases' must be a list of texts")
            aliases = []
        slug = slugify(term)
        if slug in slugs:
            problems.append(f"{where}: the term {term!r} is listed twice")
        slugs.add(slug)
        terms.append(GlossaryTerm(term, slug, definition, tuple(aliases)))
    if not terms:
        problems.append("glossary.toml: no [[term]] entries")
    return tuple(sorted(terms, key=lambda t: t.term.lower()))


def _module(f: Traversable, root: Traversable, problems: list[str]) -> Module | None:
    text = f.read_text(encoding="utf-8")
    match = _FRONT.match(text)
    if not match:
        problems.append(f"{f.name}: start the file with front matter between two '+++' lines")
        return None
    try:
        front = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{f.name}: the front matter is not valid TOML ({exc})")
        return None
    number = front.get("number")
    if not isinstance(number, int):
        problems.append(f"{f.name}: 'number' must be a whole number")
        return None
    slug = _text(front, "slug", f.name, problems)
    if slug and not _ID.match(slug):
        problems.append(f"{f.name}: slug {slug!r} must be lower-case words joined by hyphens")
    ex_file = root.joinpath("exercises").joinpath(f.name[: -len(".md")] + ".toml")
    exercises = _exercises(ex_file, slug, problems)
    return Module(
        number=number,
        slug=slug,
        title=_text(front, "title", f.name, problems),
        summary=_text(front, "summary", f.name, problems),
        body_markdown=match.group(2).strip() + "\n",
        exercises=exercises,
    )


def _exercises(f: Traversable, module: str, problems: list[str]) -> tuple[Exercise, ...]:
    data = _toml(f, problems)
    if data is None:
        return ()
    out: list[Exercise] = []
    for i, row in enumerate(data.get("exercise", []), start=1):
        where = f"{f.name}, exercise {i}"
        ex_id = _text(row, "id", where, problems)
        if ex_id:
            where = f"{f.name}, exercise {ex_id!r}"
            if not _ID.match(ex_id):
                problems.append(f"{where}: the id must be lower-case words joined by hyphens")
        kind = row.get("kind")
        if kind not in ("single", "multiple"):
            problems.append(f'{where}: \'kind\' must be "single" or "multiple", not {kind!r}')
            kind = "single"
        options: list[Option] = []
        for j, opt in enumerate(row.get("option", []), start=1):
            options.append(
                Option(
                    _text(opt, "key", f"{where}, option {j}", problems),
                    _text(opt, "text", f"{where}, option {j}", problems),
                )
            )
        keys = [o.key for o in options]
        if len(options) < 2:
            problems.append(f"{where}: give at least two [[exercise.option]] entries")
        if len(set(keys)) != len(keys):
            problems.append(f"{where}: option keys must differ ({keys})")
        answer_list = row.get("answer")
        answer_from = row.get("answer_from")
        answer: frozenset[str] | None = None
        if (answer_list is None) == (answer_from is None):
            problems.append(f"{where}: give exactly one of 'answer' or 'answer_from'")
        elif answer_list is not None:
            if not isinstance(answer_list, list) or not answer_list:
                problems.append(f"{where}: 'answer' must be a list of option keys")
            else:
                answer = frozenset(str(a) for a in answer_list)
                unknown = sorted(answer - set(keys))
                if unknown:
                    problems.append(f"{where}: answer {unknown} is not among the options {keys}")
                if kind == "single" and len(answer) != 1:
                    problems.append(f"{where}: a single-choice exercise has exactly one answer")
        elif not isinstance(answer_from, str) or not answer_from:
            problems.append(f"{where}: 'answer_from' must name a data rule")
            answer_from = None
        figure = row.get("figure")
        if figure is not None and not isinstance(figure, str):
            problems.append(f"{where}: 'figure' must be a figure name")
            figure = None
        out.append(
            Exercise(
                id=ex_id,
                module=module,
                prompt=_text(row, "prompt", where, problems),
                kind=cast(Kind, kind),
                options=tuple(options),
                explanation=_text(row, "explanation", where, problems),
                figure=figure,
                answer=answer,
                answer_from=answer_from,
            )
        )
    if not out:
        problems.append(f"{f.name}: no [[exercise]] entries")
    return tuple(out)
