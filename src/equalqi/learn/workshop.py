"""The workshop plan, facilitator notes and co-production kit pages (editable content).

``content/workshop/plan.toml`` holds the timed two-hour plan; ``content/workshop/*.md`` and
``content/kit/*.md`` are pages with TOML front matter (``title``, ``summary``) like the
modules. Read with importlib.resources only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from equalqi.learn.loader import ContentError

_FRONT = re.compile(r"\A\+\+\+\s*\n(.*?)\n\+\+\+\s*\n(.*)\Z", re.S)
#: The kit's pages in the order they are printed.
KIT_PAGES = ("invitation", "easy-read", "checklist", "handout")
WORKSHOP_MINUTES = 120


@dataclass(frozen=True)
class Page:
    """A page of the kit or the workshop: a title, a one-line summary and a Markdown body."""

    slug: str
    title: str
    summary: str
    body_markdown: str


@dataclass(frozen=True)
class Step:
    """One timed part of the workshop; ``module`` is a guide module's slug or ``None``."""

    minutes: int
    activity: str
    notes: str
    module: str | None = None


@dataclass(frozen=True)
class Workshop:
    """The two-hour workshop: who it is for, the timed steps and the facilitator's notes."""

    title: str
    audience: str
    steps: tuple[Step, ...]
    notes: Page

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.steps)

    def timetable(self) -> tuple[tuple[str, Step], ...]:
        """Each step with its start as "0:00", "0:10", … from the start of the session."""
        out: list[tuple[str, Step]] = []
        at = 0
        for s in self.steps:
            out.append((f"{at // 60}:{at % 60:02d}", s))
            at += s.minutes
        return tuple(out)


def _content() -> Traversable:
    return resources.files("equalqi.learn").joinpath("content")


def _page(f: Traversable, slug: str) -> Page:
    match = _FRONT.match(f.read_text(encoding="utf-8"))
    if not match:
        raise ContentError([f"{f.name}: start the file with front matter between '+++' lines"])
    try:
        front = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{f.name}: the front matter is not valid TOML ({exc})"]) from exc
    problems = [f"{f.name}: {k!r} must be a text" for k in ("title", "summary")]
    problems = [p for p, k in zip(problems, ("title", "summary"), strict=True)
                if not isinstance(front.get(k), str)]  # fmt: skip
    if problems:
        raise ContentError(problems)
    return Page(slug, front["title"], front["summary"], match.group(2).strip() + "\n")


@cache
def load_kit() -> tuple[Page, ...]:
    """The co-production kit's pages (invitation, easy read, checklist, handout)."""
    root = _content().joinpath("kit")
    return tuple(_page(root.joinpath(f"{slug}.md"), slug) for slug in KIT_PAGES)


@cache
def load_workshop() -> Workshop:
    """The timed two-hour plan and the facilitator's notes."""
    root = _content().joinpath("workshop")
    f = root.joinpath("plan.toml")
    try:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"plan.toml: not valid TOML ({exc})"]) from exc
    problems: list[str] = []
    steps: list[Step] = []
    for i, row in enumerate(data.get("step", []), start=1):
        minutes = row.get("minutes")
        if not isinstance(minutes, int) or minutes <= 0:
            problems.append(f"plan.toml, step {i}: 'minutes' must be a whole number above 0")
            continue
        activity, notes = row.get("activity"), row.get("notes")
        if not isinstance(activity, str) or not isinstance(notes, str):
            problems.append(f"plan.toml, step {i}: give 'activity' and 'notes' as texts")
            continue
        module = row.get("module")
        steps.append(Step(minutes, activity, notes, module if isinstance(module, str) else None))
    total = sum(s.minutes for s in steps)
    if total != WORKSHOP_MINUTES:
        problems.append(f"plan.toml: the steps add up to {total} minutes, not {WORKSHOP_MINUTES}")
    if problems:
        raise ContentError(problems)
    return Workshop(
        title=str(data.get("title", "Workshop")),
        audience=str(data.get("audience", "")),
        steps=tuple(steps),
        notes=_page(root.joinpath("facilitator.md"), "facilitator-notes"),
    )
