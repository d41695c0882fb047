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
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined

from equalqi import __version__
from equalqi.disclosure.policy import Policy
from equalqi.errors import InputError, Problem
from equalqi.services.report.assessment_section import render_project_section
from equalqi.services.report.pack import html_to_pdf

if TYPE_CHECKING:
    from equalqi.services.assessments import EquityRecord
_ENV = Environment(
    loader=PackageLoader("equalqi.services.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)


@dataclass(frozen=True)
class EquityReport:
    html: Path
    pdf: Path


def render_equity_report(record: EquityRecord, *, policy: Policy) -> str:
    from equalqi.services.assessments import summary_of

    if record.empty:
        raise InputError(
            Problem(
                f"the project '{record.project}' has no equity assessment and no involvement log",
                "Start one with: equalqi assess new --project NAME --stage planning (or "
                "equalqi assess involvement add).",
            )
        )
    summary = summary_of(record.history)
    name = summary.project if summary is not None and summary.project else record.project
    title = f"Equity by design: {name}" if name else "Equity by design"
    section = render_project_section(record, policy=policy)
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
    record: EquityRecord, out_dir: str | Path, *, policy: Policy | None = None
) -> EquityReport:
    """Write ``equity-report.html`` and ``equity-report.pdf`` into ``out_dir``."""
    html = render_equity_report(record, policy=policy or Policy())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out / "equity-report.html", out / "equity-report.pdf"
    html_path.write_text(html, encoding="utf-8")
    html_to_pdf(html, pdf_path)
    return EquityReport(html_path, pdf_path)
