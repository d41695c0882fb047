"""The ``equalqi`` command: thin — parse, call a service, print.

Problems with the user's input are printed as plain messages naming the file, row, column
and value, with what to do, and the command exits with status 2; nothing is written.
``--format json`` prints one JSON document for machines.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from equalqi import __version__
from equalqi.cli.admin import admin_app
from equalqi.cli.assess import assess_app
from equalqi.cli.common import Format
from equalqi.cli.serve import serve
from equalqi.errors import EqualQIError, InputError

app = typer.Typer(
    name="equalqi",
    help="Quality improvement that reduces healthcare inequalities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
reference_app = typer.Typer(
    help="Import and list deprivation reference files (IMD, WIMD).", no_args_is_help=True
)
app.add_typer(reference_app, name="reference")
err = Console(stderr=True)
out = Console()


def _emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def _fail(exc: Exception, fmt: Format) -> typer.Exit:
    problems = exc.problems if isinstance(exc, InputError) else []
    if fmt is Format.json:
        _emit_json(
            {
                "ok": False,
                "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        err.print("[bold red]equalqi could not finish:[/] nothing was written.", highlight=False)
        lines = [p.message() for p in problems] or [str(exc)]
        for line in lines[:20]:
            err.print(f"  • {line}", highlight=False, markup=False, soft_wrap=True)
        if len(lines) > 20:
            err.print(f"  … and {len(lines) - 20} more.", highlight=False)
    return typer.Exit(code=2)


@contextmanager
def _steps(fmt: Format, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A status line on stderr while work runs: the step and the time it has taken so far.

    Silent for JSON, with ``--quiet``, and when stderr is not a terminal (a pipe or a log
    file gets no spinner characters)."""
    if fmt is Format.json or quiet or not err.is_terminal:
        yield lambda _m: None
        return
    started = time.perf_counter()
    with err.status("starting…") as status:

        def say(message: str) -> None:
            status.update(f"{message}… ({time.perf_counter() - started:.1f} s)")

        yield say


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(f"equalqi {__version__}")
        raise typer.Exit()


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the data and report.")] = Path(
        "out/demo"
    ),
    scenario: Annotated[str, typer.Option(help="dna_sms, screening_outreach or no_change.")] = (
        "dna_sms"
    ),
    rows: Annotated[int, typer.Option(min=1000, help="Number of synthetic records.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2024,
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
) -> None:
    """Generate a synthetic QI project, analyse it and write the equity report."""
    from equalqi.services.demo import run_demo

    try:
        with _steps(fmt) as say:
            run = run_demo(
                out_dir, scenario=scenario, rows=rows, seed=seed, progress=say, with_guide=True
            )
    except (EqualQIError, KeyError) as exc:
        raise _fail(exc, fmt) from None
    summary = run.result.to_dict()
    if fmt is Format.json:
        _emit_json(
            {
                "ok": True,
                "report": str(run.outputs.report.absolute()),
                "data": str(run.data.absolute()),
                "guide": str(run.guide.absolute()) if run.guide else None,
                "registry": run.registry,
                "project": run.project,
                "truth": run.truth.to_dict(),
                **summary,
                "seconds": {
                    "generate": round(run.seconds_generate, 2),
                    "analyse": round(run.seconds_analyse, 2),
                },
            }
        )
        return
    out.print(f"[bold]equalqi demo[/]: {run.result.plan.output.title}")
    pack = run.outputs.board
    pack_s = sum(pack.seconds.values()) if pack else 0.0
    out.print(
        f"Analysed {run.result.n_rows or 0:,} synthetic records and wrote the report in "
        f"{run.seconds_analyse - pack_s:.1f} s (generated in {run.seconds_generate:.1f} s)."
    )
    for line in _headline(run.result):
        out.print(f"  • {line}", highlight=False)
    if run.result.disclosure:
        out.print(f"  {run.result.disclosure.text}", highlight=False)
    out.print(f"\nReport: [bold]{run.outputs.report.absolute()}[/]", highlight=False)
    _print_board(run.outputs)
    if run.registry and run.project:
        out.print(
            f"Equity by design: project {run.project!r} in the demo's registry. See it with: "
            f"equalqi assess show --project {_quote(run.project)} --db {run.registry}",
            highlight=False,
            markup=False,
        )
    if run.portfolio:
        out.print(
            f"Portfolio (forest plot across projects): {run.portfolio.absolute()}", highlight=False
        )
    if run.guide:
        out.print(
            f"Guide (modules, exercises, facilitator pack and slides): {run.guide.absolute()}",
            highlight=False,
        )
    out.print(f"Data and tables: {run.outputs.folder.absolute()}", highlight=False)


@app.command()
def guide(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the offline guide.")] = Path(
        "out/guide"
    ),
    rows: Annotated[
        int, typer.Option(min=20_000, help="Synthetic records per demo scenario.")
    ] = 200_000,
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
) -> None:
    """Write the offline guide: six modules with exercises, glossary, co-production kit,
    facilitator-pack.pdf and workshop.pptx. Charts and answers come from the demo data."""
    from equalqi.services.guide import write_guide

    try:
        with _steps(fmt) as say:
            built = write_guide(out_dir, rows=rows, progress=say)
    except (EqualQIError, KeyError, ValueError) as exc:
        raise _fail(exc, fmt) from None
    if fmt is Format.json:
        _emit_json(
            {
                "ok": True,
                "index": str(built.index.absolute()),
                "pages": [str(p.absolute()) for p in built.pages],
                "pack": str(built.pack.absolute()),
                "slides": str(built.slides.absolute()),
                "slide_count": len(built.slide_titles),
            }
        )
        return
    out.print(f"[bold]equalqi guide[/]: {len(built.pages)} pages", highlight=False)
    out.print(f"Open: [bold]{built.index.absolute()}[/]", highlight=False)
    out.print(f"Facilitator pack: {built.pack.absolute()}", highlight=False)
    out.print(
        f"Workshop slides ({len(built.slide_titles)}): {built.slides.absolute()}", highlight=False
    )


def _headline(result: Any) -> list[str]:
    """The verdicts as the report states them (one story: the primary analysis's interval)."""
    if result.disclosure is None:
        return [r.verdict for r in result.impact.values()] or ["No intervention date in the plan."]
    from equalqi.services.report.story import build_story

    story = build_story(result)
    lines = [story.overall_sentence] if story.overall_sentence else []
    lines += [
        f"{v.badge.upper()}: {v.dimension}: {v.short}"
        for v in story.verdicts
        if v.badge != "not judged" and " × " not in v.dimension
    ]
    return lines or ["No intervention date in the plan."]


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _print_board(paths: Any) -> None:
    if paths.board is None:
        return
    pack = paths.board
    total = sum(pack.seconds.values())
    out.print(
        f"Board pack ({total:.1f} s): {pack.folder.absolute()} "
        "(board.pdf, report.pdf, tables.xlsx, board.pptx, charts/)",
        highlight=False,
    )


@app.command()
def analyse(
    plan_file: Annotated[Path, typer.Argument(help="The analysis plan (TOML).")],
    data: Annotated[
        str,
        typer.Option(
            "--data", help="CSV, Parquet or Excel file, or a database URL (with --table)."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report and tables.")],
    table: Annotated[str | None, typer.Option(help="Table (database) or sheet (Excel).")] = None,
    engine: Annotated[
        str | None, typer.Option(help="Ibis connection string; default: embedded DuckDB.")
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            help="Registry project (name or number) whose equity assessments and involvement "
            "log (equalqi assess) the report includes."
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Registry URL for --project; default: SQLite in $EQUALQI_HOME."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", help="Your e-mail in the registry ($EQUALQI_USER); default: the local user."
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    delimiter: Annotated[
        str | None,
        typer.Option(help="CSV column separator: , ; | or tab (overrides the plan's [data])."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress line on stderr.")
    ] = False,
) -> None:
    """Analyse your own extract with a plan and write the equity report."""
    from equalqi.plan import parse_plan
    from equalqi.services.analysis.pipeline import analyse as run_analysis
    from equalqi.services.disclosure import disclose
    from equalqi.services.outputs import write_outputs

    try:
        if not plan_file.exists():
            raise InputError(_missing(plan_file))
        plan = parse_plan(plan_file.read_text(encoding="utf-8"), source=plan_file.name)
        if delimiter is not None:
            plan = _with_delimiter(plan, delimiter)
        equity = None
        if project is not None:  # a mistyped project fails now, not after the analysis
            from equalqi.cli.assess import load_equity_record

            equity = load_equity_record(db, user, project)
        with _steps(fmt, quiet) as say:
            # Everything printed or written from here on has passed the disclosure boundary.
            result = disclose(run_analysis(data, plan, con=engine, table=table, progress=say))
            say("writing the report")
            paths = write_outputs(result, out_dir, equity=equity, board=True)
    except EqualQIError as exc:
        raise _fail(exc, fmt) from None
    if fmt is Format.json:
        board = {"board": str(paths.board.folder.absolute())} if paths.board else {}
        _emit_json(
            {"ok": True, "report": str(paths.report.absolute()), **board, **result.to_dict()}
        )
        return
    count = f"{result.n_rows:,}" if result.n_rows is not None else "the"
    rows = result.plan.data.rows_noun
    out.print(f"Analysed {count} {rows} from {result.source}.", highlight=False)
    if result.disclosure and result.disclosure.policy.hides_anything:
        out.print(f"  {result.disclosure.text}", highlight=False)
    for line in _headline(result):
        out.print(f"  • {line}", highlight=False)
    out.print(f"Report: [bold]{paths.report.absolute()}[/]", highlight=False)
    _print_board(paths)


def _with_delimiter(plan: Any, delimiter: str) -> Any:
    import dataclasses

    from equalqi.errors import Problem

    value = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
    if value not in (",", ";", "\t", "|"):
        raise InputError(
            Problem(
                what="--delimiter must be one of , ; | or tab",
                fix="For example --delimiter ';'.",
                value=delimiter,
            )
        )
    return dataclasses.replace(plan, data=dataclasses.replace(plan.data, delimiter=value))


def _missing(path: Path) -> Any:
    from equalqi.errors import Problem

    return Problem(what="the file does not exist", fix="Check the path.", file=str(path))


@app.command("portfolio")
def portfolio_cmd(
    projects: Annotated[Path, typer.Argument(help="CSV: project, type, gap_change, se, ...")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for portfolio.html.")],
    method: Annotated[str, typer.Option(help="REML or DL.")] = "REML",
    moderator: Annotated[list[str] | None, typer.Option(help="Columns to explain by.")] = None,
    estimate: str = "gap_change",
    se: str = "se",
    unit: str = "points",
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
) -> None:
    """Pool projects' gap changes: random-effects meta-analysis and a forest plot."""
    import pandas as pd

    from equalqi.services.portfolio import portfolio, portfolio_html

    try:
        if not projects.exists():
            raise InputError(_missing(projects))
        frame = pd.read_csv(projects)
        meta = portfolio(
            frame,
            estimate=estimate,
            se=se,
            moderators=moderator or ["type"],
            method=method.upper(),
            source=projects.name,
        )
    except EqualQIError as exc:
        raise _fail(exc, fmt) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "portfolio.html"
    page.write_text(
        portfolio_html(meta, title="Change in the gap by type of QI", unit=unit), encoding="utf-8"
    )
    if fmt is Format.json:
        _emit_json(
            {
                "ok": True,
                "page": str(page.absolute()),
                "k": meta.k,
                "estimate": meta.estimate,
                "lower": meta.lower,
                "upper": meta.upper,
                "tau2": meta.tau2,
                "i2": meta.i2,
            }
        )
        return
    out.print(
        f"Pooled gap change over {meta.k} projects: {meta.estimate:+.2f} {unit} "
        f"(95% CI {meta.lower:+.2f} to {meta.upper:+.2f}). Page: {page.absolute()}",
        highlight=False,
    )


@reference_app.command("import")
def reference_import(
    source: Annotated[str, typer.Argument(help="Path or URL of the official file.")],
    name: Annotated[str | None, typer.Option(help="Name to cache it under, e.g. imd2019.")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
) -> None:
    """Import an official deprivation file once; it is cached for later analyses."""
    from equalqi.services.reference import import_reference

    try:
        info = import_reference(source, name=name)
    except EqualQIError as exc:
        raise _fail(exc, fmt) from None
    if fmt is Format.json:
        _emit_json({"ok": True, **info.to_dict()})
        return
    out.print(
        f"Imported [bold]{info.name}[/]: {info.n_areas:,} areas ({info.nation}, "
        f"{info.geography}). Cached at {info.cached_path}.",
        highlight=False,
    )


@reference_app.command("list")
def reference_list(fmt: Annotated[Format, typer.Option("--format")] = Format.text) -> None:
    """List the reference files imported so far."""
    from equalqi.services.reference import list_references

    infos = list_references()
    if fmt is Format.json:
        _emit_json({"ok": True, "references": [i.to_dict() for i in infos]})
        return
    if not infos:
        out.print("No reference files imported yet. Run: equalqi reference import PATH")
    for i in infos:
        out.print(
            f"{i.name}: {i.n_areas:,} areas, {i.nation}, {i.geography}, from {i.source}",
            highlight=False,
        )


@app.command()
def synth(
    scenario: Annotated[str, typer.Argument(help="dna_sms, screening_outreach or no_change.")],
    path: Annotated[Path, typer.Option("--out", help="Parquet file to write.")],
    rows: Annotated[int, typer.Option(min=1)] = 1_000_000,
    seed: int = 2024,
) -> None:
    """Write a synthetic scenario's records to Parquet (streams; any size)."""
    from rich.progress import Progress

    from equalqi.synthetic import SCENARIOS, write_parquet

    if scenario not in SCENARIOS:
        err.print(f"Unknown scenario '{scenario}'. Choose one of: {', '.join(SCENARIOS)}.")
        raise typer.Exit(code=2)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("writing", total=rows)
        write_parquet(
            scenario,
            path,
            n_rows=rows,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    out.print(f"Wrote {rows:,} records to {path}", highlight=False)


app.add_typer(assess_app, name="assess")
app.add_typer(admin_app, name="admin")
app.command("serve")(serve)


def main() -> None:
    app()
