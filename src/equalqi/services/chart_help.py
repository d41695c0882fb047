""" "How to read this chart": the short help shown (collapsed) under every chart of the report
and the web app, and the guide module every verdict points to.

The words live in ``chart_help.toml`` beside this module, so a non-programmer can change them
without touching code; this module only reads and checks that file. The verdict's module is
named there by its number and looked up in the guide (:func:`equalqi.learn.load_guide`), so
a renamed module or a changed slug is followed, never typed twice.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTENT = Path(__file__).with_name("chart_help.toml")

#: Every kind of chart that carries help: the report's and the web app's.
CHARTS: tuple[str, ...] = (
    "overall_spc",
    "group_lines",
    "gap_spc",
    "sii",
    "before_after",
    "spc_multiples",
    "completeness",
    "forest",
    "web_group_spc",
    "web_gap_spc",
)


class ChartHelpError(ValueError):
    """The help file is missing a chart or has one in the wrong shape (names file and key)."""


@dataclass(frozen=True)
class VerdictModule:
    """The guide module that explains the verdicts: its number, title and slug."""

    number: int
    title: str
    slug: str
    lead: str

    @property
    def href(self) -> str:
        """Where the web app serves it."""
        return f"/learn/{self.slug}"


@dataclass(frozen=True)
class ChartHelp:
    summary: str
    charts: dict[str, tuple[str, ...]]
    verdict_number: int
    verdict_lead: str

    def paragraphs(self, chart: str) -> tuple[str, ...]:
        try:
            return self.charts[chart]
        except KeyError:
            raise ChartHelpError(f"{CONTENT.name}: no help for a chart called {chart!r}") from None

    def for_templates(self) -> dict[str, Any]:
        """What a template needs: the summary line and chart -> paragraphs."""
        return {"summary": self.summary, **self.charts}


def parse_chart_help(raw: dict[str, Any], *, source: str = CONTENT.name) -> ChartHelp:
    """Check the help file's content: every chart in :data:`CHARTS` with at least one
    non-empty paragraph, and the verdict's module number."""
    summary = raw.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise ChartHelpError(f"{source}: `summary` must be a line of text")
    charts: dict[str, tuple[str, ...]] = {}
    for key in CHARTS:
        section = raw.get(key)
        paras = section.get("paragraphs") if isinstance(section, dict) else None
        if not isinstance(paras, list) or not paras:
            raise ChartHelpError(
                f"{source}: [{key}] needs `paragraphs`, a list of one or more lines of text"
            )
        if not all(isinstance(p, str) and p.strip() for p in paras):
            raise ChartHelpError(f"{source}: [{key}] has an empty or non-text paragraph")
        charts[key] = tuple(p.strip() for p in paras)
    unknown = sorted(set(raw) - set(CHARTS) - {"summary", "verdict"})
    if unknown:
        raise ChartHelpError(
            f"{source}: no chart is called {', '.join(unknown)}; the charts are {', '.join(CHARTS)}"
        )
    verdict = raw.get("verdict")
    number = verdict.get("module") if isinstance(verdict, dict) else None
    lead = verdict.get("lead") if isinstance(verdict, dict) else None
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ChartHelpError(f"{source}: [verdict] `module` must be a module number, like 5")
    if not isinstance(lead, str) or not lead.strip():
        raise ChartHelpError(f"{source}: [verdict] `lead` must be a line of text")
    return ChartHelp(summary.strip(), charts, number, lead.strip())


@cache
def chart_help() -> ChartHelp:
    """The shipped help, read and checked once per process."""
    with CONTENT.open("rb") as fh:
        return parse_chart_help(tomllib.load(fh))


@cache
def verdict_module() -> VerdictModule:
    """The guide module the verdicts link to, looked up by the number in the help file."""
    from equalqi.learn import load_guide

    help_ = chart_help()
    for module in load_guide().modules:
        if module.number == help_.verdict_number:
            return VerdictModule(module.number, module.title, module.slug, help_.verdict_lead)
    raise ChartHelpError(
        f"{CONTENT.name}: [verdict] names module {help_.verdict_number}, "
        "which the guide does not have"
    )
