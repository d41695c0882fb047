"""The equity-by-design report on its own: assessment, action plan and involvement log as HTML
and a tagged PDF, without any analysed data (``equalqi assess report``).

The section is the one the analysis report embeds (:mod:`.assessment_section`), so both say
the same thing in the same words. Counts come from the involvement log (attendances entered by
staff) and are shown through the disclosure policy (small numbers hidden, as everywhere). The
PDF is WeasyPrint's PDF/UA-1 variant, tagged for screen readers, from the same HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from equalqi import __version__
from equalqi.disclosure.policy import Policy
from equalqi.services.assessment_store import open_project
from equalqi.services.assessments import summary_of
from equalqi.services.report.assessment_section import render_project_section
from equalqi.services.report.pack import html_to_pdf

_ENV = Environment(
    loader=PackageLoader("equalqi.services.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)


@dataclass(frozen=True)
class EquityReport:
    html: Path
    pdf: Path


def render_equity_report(project_dir: str | Path, *, policy: Policy) -> str:
    store = open_project(project_dir, must_have_content=True)
    summary = summary_of(store.load_assessments())
    name = summary.project if summary is not None and summary.project else None
    title = f"Equity by design: {name}" if name else "Equity by design"
    section = render_project_section(project_dir, policy=policy)
    disclosure = (
        f"Numbers from 1 to {policy.smallest_shown - 1} are shown as 'fewer than "
        f"{policy.smallest_shown}' to protect privacy."
        if policy.hides_anything
        else "No numbers are hidden (small-number protection is off)."
    )
    return _ENV.get_template("equity_report.html.j2").render(
        title=title,
        section=section,
        has_population=False,
        generated=f"{dt.datetime.now(dt.UTC):%-d %B %Y}",
        version=__version__,
        disclosure=disclosure,
    )


def write_equity_report(
    project_dir: str | Path, out_dir: str | Path, *, policy: Policy | None = None
) -> EquityReport:
    """Write ``equity-report.html`` and ``equity-report.pdf`` into ``out_dir``."""
    html = render_equity_report(project_dir, policy=policy or Policy())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out / "equity-report.html", out / "equity-report.pdf"
    html_path.write_text(html, encoding="utf-8")
    html_to_pdf(html, pdf_path)
    return EquityReport(html_path, pdf_path)
