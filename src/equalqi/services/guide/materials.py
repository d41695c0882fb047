"""The guide's figures and data-bound answers, computed from the demo scenarios.

:func:`materials` generates the three demo scenarios (``dna_sms``, ``screening_outreach``,
``no_change``) at a small size, runs the real pipeline (plan -> aggregate -> analyse), passes
every result through the one disclosure boundary, draws the figures with the report's own
SVG chart code, and resolves each data-bound exercise with its rule
(:mod:`equalqi.services.guide.rules`). Nothing in the guide is typed in by hand, so it stays
true when the methods change.

The result is cached as JSON in ``cache_dir`` under a key made of the package version, the
content files' hash and the run's size and seed, so the web app can call this cheaply.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from equalqi import __version__
from equalqi.learn import Guide, figure_keys, load_guide
from equalqi.services.analysis.completeness import completeness_totals
from equalqi.services.analysis.pipeline import AnalysisResult, analyse
from equalqi.services.demo import demo_plan
from equalqi.services.disclosure import disclose
from equalqi.services.guide.rules import IMD, RINGED, RULES, ringed_point
from equalqi.services.report.html import section_charts
from equalqi.services.report.model import ReportModel, build_model
from equalqi.services.report.svg import completeness_bars_svg, line_chart_svg, spc_chart_svg
from equalqi.synthetic import write_parquet

SCENARIOS = ("dna_sms", "screening_outreach", "no_change")
DEFAULT_ROWS = 200_000
SEED = 2024
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Materials:
    """Figures (SVG) by key, their captions, the data-bound answers by exercise id, and
    each scenario's verdict sentence, all from disclosed demo results."""

    figures: Mapping[str, str]
    captions: Mapping[str, str]
    answers: Mapping[str, frozenset[str]]
    verdicts: Mapping[str, str]
    rows: int
    key: str
    notes: Mapping[str, str] = field(default_factory=dict)

    def figure(self, key: str) -> str:
        """The SVG of a figure; ``KeyError`` naming the known keys if there is none."""
        try:
            return self.figures[key]
        except KeyError:
            raise KeyError(
                f"no guide figure {key!r}; the figures are {', '.join(sorted(self.figures))}"
            ) from None

    def caption(self, key: str) -> str:
        return self.captions.get(key, "")

    def answer(self, exercise_id: str) -> frozenset[str]:
        """The answer of a data-bound exercise (fixed answers live in the content)."""
        try:
            return self.answers[exercise_id]
        except KeyError:
            raise KeyError(
                f"no data-bound answer for exercise {exercise_id!r}; the data-bound exercises "
                f"are {', '.join(sorted(self.answers))}"
            ) from None

    def answer_for(self, guide: Guide, exercise_id: str) -> frozenset[str]:
        """The answer of any exercise: fixed from the content, else from the data."""
        exercise = guide.exercise(exercise_id)
        return exercise.answer if exercise.answer is not None else self.answer(exercise_id)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": CACHE_FORMAT,
                "figures": dict(self.figures),
                "captions": dict(self.captions),
                "answers": {k: sorted(v) for k, v in self.answers.items()},
                "verdicts": dict(self.verdicts),
                "notes": dict(self.notes),
                "rows": self.rows,
                "key": self.key,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Materials:
        data = json.loads(text)
        if data.get("format") != CACHE_FORMAT:
            raise ValueError("cached guide materials are in an old format")
        return cls(
            figures=data["figures"],
            captions=data["captions"],
            answers={k: frozenset(v) for k, v in data["answers"].items()},
            verdicts=data["verdicts"],
            notes=data.get("notes", {}),
            rows=int(data["rows"]),
            key=str(data["key"]),
        )


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            out += _walk(child, name + "/")
        elif not child.name.endswith((".pyc", "~")):
            out.append((name, child.read_bytes()))
    return out


def cache_key(rows: int, seed: int = SEED) -> str:
    """Package version + a hash of every content file + the run's size and seed."""
    digest = hashlib.sha256()
    for name, data in _walk(resources.files("equalqi.learn").joinpath("content")):
        digest.update(name.encode() + b"\0" + data + b"\0")
    digest.update(f"rows={rows};seed={seed};format={CACHE_FORMAT}".encode())
    return f"{__version__}-{digest.hexdigest()[:16]}"


def run_scenarios(rows: int = DEFAULT_ROWS, seed: int = SEED) -> dict[str, AnalysisResult]:
    """The three demo scenarios, analysed and disclosed (a temporary folder holds the data)."""
    out: dict[str, AnalysisResult] = {}
    with tempfile.TemporaryDirectory(prefix="equalqi-guide-") as tmp:
        for scenario in SCENARIOS:
            path = Path(tmp) / f"{scenario}.parquet"
            write_parquet(scenario, path, n_rows=rows, seed=seed)
            out[scenario] = disclose(analyse(path, demo_plan(scenario)))
    return out


def materials(
    cache_dir: Path | None = None, rows: int = DEFAULT_ROWS, *, seed: int = SEED
) -> Materials:
    """Figures and data-bound answers for the guide, from a cache when one is there."""
    key = cache_key(rows, seed)
    path = cache_dir / f"guide-materials-{key}.json" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            return Materials.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError):
            pass  # an unreadable cache is rebuilt, never trusted
    built = build_materials(run_scenarios(rows, seed), rows=rows, key=key)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(built.to_json(), encoding="utf-8")
        tmp.replace(path)
    return built


def build_materials(
    results: Mapping[str, AnalysisResult], *, rows: int, key: str = ""
) -> Materials:
    """Draw the figures and resolve the answers from disclosed results."""
    guide = load_guide()
    figures, captions = _figures(results)
    answers: dict[str, frozenset[str]] = {}
    for exercise in guide.exercises:
        if exercise.answer_from is None:
            continue
        rule = RULES.get(exercise.answer_from)
        if rule is None:
            raise KeyError(
                f"exercise {exercise.id!r} names the data rule {exercise.answer_from!r}, "
                f"which does not exist; the rules are {', '.join(sorted(RULES))}"
            )
        answer = rule(results)
        unknown = answer - set(exercise.keys)
        if unknown:
            raise ValueError(
                f"the data rule {exercise.answer_from!r} gave {sorted(unknown)}, which are not "
                f"options of exercise {exercise.id!r}"
            )
        answers[exercise.id] = answer
    wanted = {k for m in guide.modules for k in figure_keys(m.body_markdown)}
    wanted |= {e.figure for e in guide.exercises if e.figure}
    missing = sorted(wanted - set(figures))
    if missing:
        raise KeyError(f"the guide places figures that are not drawn: {', '.join(missing)}")
    verdicts = {s: r.impact[IMD].verdict for s, r in results.items() if IMD in r.impact}
    return Materials(figures, captions, answers, verdicts, rows=rows, key=key)


def _section(model: ReportModel, name: str) -> object:
    return next(s for s in model.sections if s.name == name)


def _figures(results: Mapping[str, AnalysisResult]) -> tuple[dict[str, str], dict[str, str]]:
    figures: dict[str, str] = {}
    captions: dict[str, str] = {}
    dna = build_model(results["dna_sms"])
    dna_imd = next(s for s in dna.sections if s.name == IMD)
    dna_charts = section_charts(dna, dna_imd)
    lines = dna_imd.lines
    figures["dna-imd-lines"] = line_chart_svg(
        lines,
        x="period",
        y="value",
        series="group",
        title="DNA rate by deprivation fifth (IMD quintile)",
        unit=dna.unit,
        intervention=dna.intervention,
        decimals=dna.decimals,
        width=640,
        height=320,
        chart_id="guide-dna-imd-lines",
    )
    captions["dna-imd-lines"] = (
        "Demo data: DNA rate each month for each fifth of areas, from most to least deprived. "
        "Text reminders started in January 2024 (the vertical line)."
    )
    figures["dna-completeness"] = completeness_bars_svg(
        completeness_totals(dna.completeness),
        label="label",
        value="share_missing",
        title=f"Share of {dna.counted_noun} missing each field",
    )
    captions["dna-completeness"] = (
        "Demo DNA data: the share of records with each field missing, over the months shown."
    )
    figures["dna-overall-spc"] = spc_chart_svg(
        dna.overall,
        title=f"{dna.measure}: all records",
        unit=dna.unit,
        intervention=dna.intervention,
        decimals=dna.decimals,
        width=640,
        height=320,
        chart_id="guide-dna-overall-spc",
    )
    captions["dna-overall-spc"] = (
        "Demo data: an SPC chart of the DNA rate for everyone, with the mean and process "
        "limits worked out before and after the change."
    )
    figures["dna-imd-multiples"] = dna_charts.get("multiples", "")
    captions["dna-imd-multiples"] = (
        "Demo data: one SPC chart of the DNA rate for each fifth of areas, each with its own "
        "mean and limits before and after the change."
    )
    figures["dna-gap-spc"] = dna_charts.get("gap", "")
    captions["dna-gap-spc"] = (
        "Demo data: the gap in DNA rate, most deprived minus least deprived fifth, as an SPC chart."
    )
    scr = build_model(results["screening_outreach"])
    scr_imd = next(s for s in scr.sections if s.name == IMD)
    scr_charts = section_charts(scr, scr_imd)
    figures["screening-gap-spc"] = scr_charts.get("gap", "")
    captions["screening-gap-spc"] = (
        "Demo data: the gap in screening uptake, most deprived minus least deprived fifth. "
        "Outreach to the most deprived areas started in January 2024."
    )
    figures["screening-sii"] = scr_charts.get("sii", "")
    captions["screening-sii"] = (
        "Demo data: the slope index of inequality for screening uptake each month, with its "
        "confidence interval (shaded)."
    )
    nc = build_model(results["no_change"])
    nc_imd = next(s for s in nc.sections if s.name == IMD)
    figures["no-change-gap-spc"] = section_charts(nc, nc_imd).get("gap", "")
    captions["no-change-gap-spc"] = (
        "Demo data: the gap in discharge summaries sent on time, most deprived minus least "
        "deprived fifth. A new template started in January 2024."
    )
    figures["spc-ringed-point"] = _ringed_chart(results, scr)
    captions["spc-ringed-point"] = (
        "Demo data: screening uptake in the most deprived fifth of areas. One point is ringed."
    )
    empty = [k for k, v in figures.items() if not v]
    if empty:
        raise ValueError(f"guide figures came out empty: {', '.join(empty)}")
    return figures, captions


_POINTS = re.compile(r'<g class="eqi-points">(.*?)</g>', re.S)
_CIRCLE = re.compile(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"')


def _ringed_chart(results: Mapping[str, AnalysisResult], model: ReportModel) -> str:
    """The SPC chart of :data:`RINGED`'s group with its furthest point ringed and labelled."""
    scenario, dim, group = RINGED
    result = results[scenario]
    frame = result.charts
    frame = frame[(frame["dimension"] == dim) & (frame["group"] == group)]
    frame = frame.sort_values("x").reset_index(drop=True)
    svg = spc_chart_svg(
        frame,
        title=f"{model.measure}: {group}",
        unit=model.unit,
        intervention=model.intervention,
        decimals=model.decimals,
        width=640,
        height=320,
        chart_id="guide-spc-ringed-point",
    )
    point = ringed_point(result)
    shown = frame[frame["y"].notna()].reset_index(drop=True)
    index = int(shown.index[pd.to_datetime(shown["x"]) == pd.Timestamp(point["x"])][0])
    group_match = _POINTS.search(svg)
    if group_match is None:
        raise ValueError("the SPC chart has no points to ring")
    circles = _CIRCLE.findall(group_match.group(1))
    cx, cy, r = (float(v) for v in circles[index])
    left = cx > 0.6 * 640  # near the right edge the label goes on the left of the ring
    tx, anchor = (cx - r * 3.2, "end") if left else (cx + r * 3.2, "start")
    ring = (
        f'<g class="guide-ring"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 2.6:.1f}" '
        f'fill="none" stroke="#212b32" stroke-width="2.5"/>'
        f'<text x="{tx:.1f}" y="{cy + r * 3.6:.1f}" font-size="13" font-weight="700" '
        f'text-anchor="{anchor}" fill="#212b32" paint-order="stroke" stroke="#fff" '
        f'stroke-width="4">this point</text></g>'
    )
    return svg[: group_match.end()] + ring + svg[group_match.end() :]
