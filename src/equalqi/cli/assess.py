"""``equalqi assess``: the equity-by-design assessment and the involvement log.

Thin layer: read files, call :mod:`equalqi.assess` and the service
:mod:`equalqi.services.assessments`, print. The registry is the only store (the web app's):
``--project`` names a registry project by name or number, ``--db`` and ``--user`` choose the
registry and the acting user (default: SQLite in ``$EQUALQI_HOME`` and the local user, see
:mod:`equalqi.services.workspace`). Folders are only read and written by ``import``/``export``.
Problems with the user's input are printed as plain messages (exit code 2), never as tracebacks.

    equalqi assess theory [--theory FILE] [--format json]
    equalqi assess projects
    equalqi assess new --project NAME --stage planning|review [--theory FILE] [--answers FILE]
    equalqi assess show --project NAME [--stage STAGE] [--format json]
    equalqi assess compare --project NAME [--format json]
    equalqi assess involvement add --project NAME --type TYPE --date DATE --participants N ...
    equalqi assess involvement show --project NAME [--population FILE.csv] [--format json]
    equalqi assess report --project NAME --out DIR
    equalqi assess import --folder DIR --into NAME / export --from NAME --folder DIR
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from equalqi.assess import (
    ACTIVITY_TYPES,
    BARRIERS,
    Answer,
    Assessment,
    Theory,
    activity_from_dict,
    compare_assessments,
    default_theory,
    new_assessment,
    normalise_answer,
    parse_activity,
    parse_answers,
    parse_population_csv,
    parse_theory,
    representativeness,
    score_assessment,
    summarise,
    summarise_involvement,
)
from equalqi.assess.answers import ANSWER_WORDS
from equalqi.assess.heat import About
from equalqi.assess.involvement import counts_from_options, groups_from_options
from equalqi.assess.summary import RISK_WORDS, AssessmentSummary, InvolvementSummary
from equalqi.assess.template import answers_template
from equalqi.cli.common import Format
from equalqi.disclosure.policy import policy_for
from equalqi.errors import InputError, Problem
from equalqi.services import assessments as service
from equalqi.services.assessments import EquityRecord, check_stage, comparison_base
from equalqi.services.workspace import (
    LOCAL_EMAIL,
    USER_ENV,
    acting_user,
    draft_path,
    load_draft,
    local_user_note,
    project_list,
    resolve_project,
    save_draft,
)

assess_app = typer.Typer(
    help="Equity by design: assess a project at planning and review, and log involvement.",
    no_args_is_help=True,
)
involvement_app = typer.Typer(
    help="Record co-production activities and compare who took part with the population.",
    no_args_is_help=True,
)
assess_app.add_typer(involvement_app, name="involvement")


class StageChoice(StrEnum):
    planning = "planning"
    review = "review"


P = ParamSpec("P")
R = TypeVar("R")


def _plain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print :class:`InputError` problems (and unreadable files) plainly; exit with code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            # The reader (e.g. ``| head``) stopped early; whatever was to be saved is saved.
            _quiet_stdout()
            raise typer.Exit(0) from None
        except InputError as exc:
            typer.echo("Cannot continue:", err=True)
            for problem in exc.problems:
                typer.echo(f"  - {problem.message()}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            name = exc.filename or ""
            typer.echo(f"Cannot continue: {name}: {exc.strerror or exc}.", err=True)
            typer.echo("  Check the path and that you can read and write there.", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _quiet_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail noisily."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (e.g. under a test runner)
        pass


def _say_created(title: str, number: int) -> None:
    typer.echo(
        f"Note: there was no project called '{title}', so a new one was started (number "
        f"{number}). If you meant an existing project, check the spelling of --project "
        "(equalqi assess projects lists them).",
        err=True,
    )


Db = Annotated[
    str | None,
    typer.Option(
        "--db", help="Registry URL; default: SQLite in $EQUALQI_HOME ($EQUALQI_DATABASE_URL)."
    ),
]
UserEmail = Annotated[
    str | None,
    typer.Option(
        "--user",
        help=f"Your e-mail address in the registry (checks your role; ${USER_ENV}). Default, "
        f"in a local SQLite registry: the local user {LOCAL_EMAIL}, made on first use.",
    ),
]
ProjectRef = Annotated[
    str, typer.Option("--project", help="The registry project: its name or its number.")
]


@contextmanager
def _registry_session(db: str | None, email: str | None) -> Iterator[tuple[Any, Any, Path]]:
    """A transaction on the registry as the acting user: (session, user, data folder).

    Committed when the block ends without error, else rolled back (nothing is half-saved).
    Look-ups that fail and role checks become plain messages.
    """
    from equalqi.cli.admin import _registry
    from equalqi.registry.access import Forbidden, NotFound

    reg = _registry(db)
    created = False
    try:
        with reg.session() as session, session.begin():
            try:
                local = reg.engine.url.get_backend_name() == "sqlite"
                acting = acting_user(session, email, allow_local=local)
                created = acting.created
                yield session, acting.user, reg.data_dir
            except NotFound as exc:
                raise InputError(
                    Problem(
                        f"{exc} is not in this project, or the project is not in your organisation",
                        "Check the number: equalqi assess list --project NAME shows them.",
                    )
                ) from None
            except Forbidden as exc:
                raise InputError(Problem(str(exc), "Ask an admin for the editor role.")) from None
        if created:
            typer.echo(
                local_user_note(reg.engine.url.render_as_string(hide_password=True)), err=True
            )
    finally:
        reg.close()


def load_equity_record(db: str | None, email: str | None, ref: str) -> EquityRecord:
    """A registry project's equity record (for ``analyse --project``): unknown projects and
    projects with nothing recorded are errors, never a report quietly without the section."""
    with _registry_session(db, email) as (session, user, _):
        project = resolve_project(session, user, ref, create=False).project
        record = service.equity_record(session, user, project.id)
    if record.empty:
        raise InputError(
            Problem(
                f"the project '{record.project}' has no equity assessment and no involvement log",
                "Check --project, or start one with: equalqi assess new --project NAME "
                "--stage planning (or equalqi assess involvement add).",
                value=ref,
            )
        )
    return record


def _read_text(path: Path, what: str) -> str:
    if not path.is_file():
        raise InputError(
            Problem(f"the {what} file does not exist", "Check the path and try again.", str(path))
        )
    return path.read_text(encoding="utf-8")


def _load_theory(path: Path | None) -> Theory:
    if path is None:
        return default_theory()
    return parse_theory(_read_text(path, "theory"), source=str(path))


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- theory


@assess_app.command("theory")
@_plain_errors
def theory_command(
    theory: Annotated[
        Path | None, typer.Option("--theory", help="A theory TOML file (default: built in).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
) -> None:
    """Show (and so validate) a programme theory: areas, statements and question ids."""
    t = _load_theory(theory)
    if fmt is Format.json:
        _echo_json({"identity": t.identity(), "theory": t.to_dict()})
        return
    n_statements = sum(1 for _ in t.statements())
    typer.echo(f"{t.name} (id {t.id}, version {t.theory_version}, schema {t.schema_version})")
    typer.echo(
        f"{len(t.clusters)} areas, {n_statements} statements, {len(t.question_ids)} questions, "
        f"{len(t.sources)} sources. The theory is valid."
    )
    for cluster in t.clusters:
        typer.echo(f"\n{cluster.name} [{cluster.id}]")
        for statement in cluster.statements:
            tends = "may widen gaps" if statement.tends_to == "increase" else "helps narrow gaps"
            cites = ", ".join(statement.sources) or "toolkit guidance"
            typer.echo(f"  {statement.id} ({tends}; {statement.basis}: {cites})")
            for q in statement.questions:
                risk = " [yes = risk]" if q.polarity == "risk" else ""
                typer.echo(f"    - {q.id}: {q.text}{risk}")


# --------------------------------------------------------------------------- new


class _Stopped(Exception):
    """The user asked to stop; the draft holds every answer so far."""


_CONTROL = "b = back, s = skip for now, q = save and stop"


def _prompt_answers(
    theory: Theory, draft_file: Path, stage: str, project: str | None
) -> tuple[list[Answer], About]:
    """Ask each question in turn, with progress, then the written sections and sign-off;
    save a draft after every answer.

    A draft from an earlier run is resumed at the first question not answered yet. ``b`` goes
    back one question, ``s`` leaves it not answered yet, ``q`` stops (the draft is kept).
    """
    items = list(theory.questions())
    total = len(items)
    given: dict[str, Answer] = {}
    about = About()
    draft = load_draft(draft_file)
    if draft is not None:
        parsed = parse_answers(draft, theory, source=str(draft_file))
        given = {a.question_id: a for a in parsed.answers}
        about = parsed.about
        project = project or parsed.project
        typer.echo(f"Resuming your draft ({len(given)} of {total} answered): {draft_file}")

    def save() -> None:
        save_draft(
            draft_file,
            answers_template(
                theory, stage=stage, project=project, answers=given.values(), about=about
            ),
        )

    typer.echo(
        "Answer each question: yes, partly, no or dont_know (don't know). "
        f"Also: {_CONTROL}. Your answers are saved as you go."
    )
    i = next((k for k, (_, _, q) in enumerate(items) if q.id not in given), total)
    if i == total and draft is not None:
        typer.echo("Every question in the draft has an answer.")
    shown_cluster = None
    while i < total:
        cluster, _statement, q = items[i]
        if cluster.name != shown_cluster:
            typer.echo(f"\n== {cluster.name} ==")
            shown_cluster = cluster.name
        typer.echo(f"\nQuestion {i + 1} of {total}: {q.text}")
        if q.polarity == "risk":
            typer.echo("  (Reversed: here 'yes' means the risk is present; 'no' protects.)")
        if q.help:
            typer.echo(f"  ({q.help})")
        if q.evidence_prompt:
            typer.echo(f"  Evidence: {q.evidence_prompt}")
        before = given.get(q.id)
        if before is not None:
            typer.echo(f"  Your answer so far: {ANSWER_WORDS[before.value]}")
        raw = typer.prompt("Answer [yes/partly/no/dont_know, b/s/q]").strip().lower()
        if raw in ("q", "quit", "stop"):
            save()
            raise _Stopped
        if raw in ("b", "back"):
            i = max(i - 1, 0)
            shown_cluster = None
            continue
        if raw in ("s", "skip"):
            given.pop(q.id, None)
            save()
            i += 1
            continue
        value = normalise_answer(raw)
        if value is None:
            typer.echo(f"Please type yes, partly, no or dont_know ({_CONTROL}).")
            continue
        note = typer.prompt("Note (optional)", default="", show_default=False).strip()
        link = typer.prompt("Evidence link (optional)", default="", show_default=False).strip()
        given[q.id] = Answer(q.id, value, note or None, (link,) if link else ())
        save()
        i += 1
    order = {q.id: k for k, (_, _, q) in enumerate(items)}

    def keep(done: About) -> None:
        nonlocal about
        about = done
        save()

    _prompt_about(about, keep)
    return sorted(given.values(), key=lambda a: order[a.question_id]), about


def _checked_about(about: dict[str, Any], sign_off: dict[str, Any] | None) -> About | None:
    """The sections as read from an answers file; None (the problem said) if one is wrong."""
    from equalqi.assess.heat import read_about
    from equalqi.assess.problems import Located

    v = Located("your answer", None)
    parsed = read_about(v, about, sign_off, ("about",), ("sign_off",))
    try:
        v.raise_if_any(InputError)
    except InputError as exc:
        for problem in exc.problems:
            typer.echo(f"Please check: {problem.what}. {problem.fix}")
        return None
    return parsed


def _codes_asked(raw: str, allowed: dict[str, str]) -> list[str]:
    """Numbers (as listed) or codes, separated by commas."""
    codes = list(allowed)
    out = []
    for token in (t.strip() for t in raw.split(",")):
        if token.isdigit() and 1 <= int(token) <= len(codes):
            out.append(codes[int(token) - 1])
        elif token:
            out.append(token)
    return out


def _prompt_about(current: About, keep: Callable[[About], None]) -> None:
    """Ask for the written sections, the groups considered and the sign-off (HEAT-style).
    Enter keeps what is shown (or leaves it for later), ``-`` clears it, ``q`` stops."""
    from equalqi.assess.heat import INCLUSION_HEALTH, PROTECTED_CHARACTERISTICS, TEXT_FIELDS

    typer.echo(
        "\n== About the project and sign-off (as in OHID's Health Equity Assessment Tool) ==\n"
        "Describe groups, never individual patients. Press Enter to keep what is shown or to "
        "leave it for later; type - to clear it; q to save and stop."
    )
    lists = {
        "protected_characteristics": (
            "Protected characteristics considered (Equality Act 2010)",
            PROTECTED_CHARACTERISTICS,
        ),
        "inclusion_health": ("Inclusion health groups considered", INCLUSION_HEALTH),
    }
    steps = [*TEXT_FIELDS, *lists, "sign_off"]
    k = 0
    while k < len(steps):
        key = steps[k]
        data = current.to_dict()
        signed = data.pop("sign_off", None)
        if key in TEXT_FIELDS:
            shown = data.get(key) or ""
            typer.echo(f"\n{TEXT_FIELDS[key]}" + (f" (so far: {shown})" if shown else ""))
            raw = typer.prompt("Your text", default="", show_default=False).strip()
            if raw in ("q", "quit", "stop"):
                raise _Stopped
            if raw:
                data[key] = "" if raw == "-" else raw
                data = {k2: v for k2, v in data.items() if v}
        elif key in lists:
            label, allowed = lists[key]
            typer.echo(f"\n{label}: type the numbers or codes, separated by commas.")
            for n, (code, words) in enumerate(allowed.items(), start=1):
                mark = "x" if code in data.get(key, []) else " "
                typer.echo(f"  [{mark}] {n}. {words} ({code})")
            raw = typer.prompt("Considered", default="", show_default=False).strip()
            if raw in ("q", "quit", "stop"):
                raise _Stopped
            if raw == "-":
                data.pop(key, None)
            elif raw:
                data[key] = _codes_asked(raw, dict(allowed))
        else:
            so_far = current.sign_off
            typer.echo(
                "\nSign-off: who signed the assessment off"
                + (f" (so far: {so_far.name}, {so_far.role}, {so_far.date})" if so_far else "")
            )
            name = typer.prompt("Name", default="", show_default=False).strip()
            if name in ("q", "quit", "stop"):
                raise _Stopped
            if name == "-":
                signed = None
            elif name:
                role = typer.prompt("Role", default="", show_default=False).strip()
                when = typer.prompt("Date", default=_now().date().isoformat()).strip()
                signed = {"name": name, "role": role, "date": when}
        checked = _checked_about(data, signed)
        if checked is None:
            continue  # ask the same thing again
        current = checked
        keep(current)
        k += 1


@assess_app.command("template")
@_plain_errors
def template_command(
    stage: Annotated[StageChoice, typer.Option("--stage", help="planning or review.")] = (
        StageChoice.planning
    ),
    theory: Annotated[
        Path | None, typer.Option("--theory", help="A theory TOML file (default: built in).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the file here (never overwritten); default: print."),
    ] = None,
) -> None:
    """Write a blank answers file: every question with its id, help and allowed answers."""
    text = answers_template(_load_theory(theory), stage=stage.value)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        with out.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(
            Problem(
                "the file already exists",
                "Choose a new name, or move the old file first; it has not been changed.",
                str(out),
            )
        ) from None
    typer.echo(
        f"Wrote {out}. Fill in the answers, then: equalqi assess new --project NAME "
        f"--stage {stage.value} --answers {out}"
    )


@assess_app.command("projects")
@_plain_errors
def projects_command(db: Db = None, user: UserEmail = None) -> None:
    """List your organisation's registry projects: number, name and latest equity check."""
    with _registry_session(db, user) as (session, who, _):
        rows = [
            (p.id, p.title, service.latest_risk_words(session, who, p.id))
            for p in project_list(session, who)
        ]
    if not rows:
        typer.echo("No projects yet. Start one with: equalqi assess new --project NAME ...")
    for number, title, risk in rows:
        typer.echo(f"  {number}: {title} ({risk or 'no assessment yet'})")


def _theory_for(theory: Path | None, stage: StageChoice, history: list[Assessment]) -> Theory:
    """For a review without --theory, the theory the latest planning assessment used."""
    planning = [a for a in history if a.stage == "planning"]
    if theory is None and stage is StageChoice.review and planning:
        return planning[-1].theory
    return _load_theory(theory)


@assess_app.command("new")
@_plain_errors
def new_command(
    project: ProjectRef,
    stage: Annotated[StageChoice, typer.Option("--stage", help="planning or review.")],
    theory: Annotated[
        Path | None,
        typer.Option(
            "--theory",
            help="Theory TOML file. Default: for a review, the theory the latest planning "
            "assessment used; otherwise the built-in theory.",
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers", help="Answers TOML file; without it you are asked each question."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Project name for reports.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Create an assessment at the planning or review stage and save it in the registry
    project (started if it does not exist yet)."""
    given: list[Answer] | None = None
    about: About | None = None
    if answers is None:
        # Ask first, outside any transaction: the draft keeps every answer if we stop.
        with _registry_session(db, user) as (session, who, data_dir):
            found = resolve_project(session, who, project, create=True)
            number, title = found.project.id, found.project.title
            t = _theory_for(theory, stage, service.history(session, who, number))
        if found.created:
            _say_created(title, number)
        draft = draft_path(data_dir, number, stage.value)
        try:
            given, about = _prompt_answers(t, draft, stage.value, name)
        except _Stopped:
            typer.echo(
                f"Stopped. Your answers are saved in {draft}; run the same command again to "
                "carry on."
            )
            return
    with _registry_session(db, user) as (session, who, data_dir):
        found = resolve_project(session, who, project, create=True)
        number, title = found.project.id, found.project.title
        past = service.history(session, who, number)
        t = _theory_for(theory, stage, past)
        actions: tuple[Any, ...] = ()
        project_name = name
        if answers is not None:
            parsed = parse_answers(_read_text(answers, "answers"), t, source=str(answers))
            check_stage(stage.value, parsed.stage, str(answers))
            given = list(parsed.answers)
            actions, about = parsed.actions, parsed.about
            project_name = project_name or parsed.project
        planning = [a for a in past if a.stage == "planning"]
        project_name = project_name or (planning[-1].project if planning else None) or title
        assert given is not None
        assessment = new_assessment(
            t,
            given,
            stage=stage.value,
            created_at=_now(),
            project=project_name,
            actions=actions,
            about=about,
        )
        record = service.store_assessment(session, who, number, assessment)
        assessment_id = record.id
    if answers is None:
        draft_path(data_dir, number, stage.value).unlink(missing_ok=True)
    if found.created:
        _say_created(title, number)
    summary = summarise(
        assessment, comparison_base([*past, assessment], assessment), today=_now().date()
    )
    if fmt is Format.json:
        _echo_json(
            {
                "project": {"number": number, "name": title},
                "assessment": assessment_id,
                "summary": summary.to_dict(),
            }
        )
        return
    typer.echo(f"Saved {stage.value} assessment {assessment_id} in project {number} ({title}).")
    _print_summary(summary)


# --------------------------------------------------------------------------- show / compare


def _print_summary(s: AssessmentSummary) -> None:
    typer.echo("")
    typer.echo(f"Overall: {s.risk_words}. {s.headline}")
    typer.echo(f"Checked {s.stage_words}, on {s.date}.")
    if s.unknown_note:
        typer.echo(s.unknown_note)
    for area in s.areas:
        score = "not yet" if area.score_percent is None else f"{area.score_percent}%"
        typer.echo(f"\n{area.name}: {area.risk_words} (score {score})")
        for point in area.risks:
            cites = f" [{point.cites}]" if point.cites else ""
            typer.echo(f"  ! Could widen the gap: {point.text}{cites}")
            for reason in point.because:
                typer.echo(f"      {reason}")
        for point in area.not_in_place:
            typer.echo(f"  - Not fully in place yet: {point.text}")
        for point in area.in_place:
            typer.echo(f"  + In place: {point.text}")
    if s.about is not None:
        typer.echo("")
        for heading, text in s.about.sections:
            typer.echo(f"{heading}: {text}")
        pcs = "; ".join(s.about.characteristics_considered) or "none recorded"
        typer.echo(f"Protected characteristics considered: {pcs}")
        ih = "; ".join(s.about.inclusion_considered) or "none recorded"
        typer.echo(f"Inclusion health groups considered: {ih}")
        typer.echo(s.about.sign_off)
    if s.action_plan is not None:
        plan = s.action_plan
        typer.echo(f"\nAction plan: {plan.headline}")
        for row in plan.rows:
            flag = "!! " if row.overdue else "   "
            typer.echo(
                f" {flag}{row.what} (for: {row.cites}; owner: {row.owner}; due {row.due}): "
                f"{row.status}"
            )
    if s.actions:
        typer.echo("\nWhat to do next:")
        for i, action in enumerate(s.actions, start=1):
            typer.echo(f"  {i}. {action}")
    if s.changes is not None:
        _print_changes(s)


def _print_changes(s: AssessmentSummary) -> None:
    c = s.changes
    assert c is not None
    typer.echo(f"\nSince the last check: {c.headline} {c.since}")
    for row in c.areas:
        typer.echo(f"  {row['name']}: {row['before']} -> {row['after']} ({row['change']})")
    typer.echo(f"  {c.answers_better} answer(s) better, {c.answers_worse} worse.")
    for text in c.no_longer_risks:
        typer.echo(f"  No longer a risk: {text}")
    for text in c.new_risks:
        typer.echo(f"  New risk: {text}")
    if c.theory_note:
        typer.echo(f"  {c.theory_note}")


def _history(db: str | None, user: str | None, project: str) -> tuple[str, list[Assessment]]:
    """The named project's name and assessments (oldest first); an error if it has none."""
    with _registry_session(db, user) as (session, who, _):
        found = resolve_project(session, who, project, create=False).project
        items = service.history(session, who, found.id)
        title = found.title
    if not items:
        raise InputError(
            Problem(
                f"the project '{title}' has no saved assessment",
                f"Create one with: equalqi assess new --project {json.dumps(title)} "
                "--stage planning",
            )
        )
    return title, items


@assess_app.command("show")
@_plain_errors
def show_command(
    project: ProjectRef,
    stage: Annotated[
        StageChoice | None,
        typer.Option("--stage", help="Which stage to show (default: the latest assessment)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Show the latest assessment in plain words (a review is compared with planning)."""
    title, history = _history(db, user, project)
    if stage is None:
        current = history[-1]
    else:
        of_stage = [a for a in history if a.stage == stage.value]
        if not of_stage:
            raise InputError(
                Problem(
                    f"the project '{title}' has no {stage.value} assessment",
                    f"Create one with: equalqi assess new --project {json.dumps(title)} "
                    f"--stage {stage.value}",
                )
            )
        current = of_stage[-1]
    summary = summarise(current, comparison_base(history, current), today=_now().date())
    if fmt is Format.json:
        _echo_json(
            {
                "history": [
                    {"stage": a.stage, "created_at": a.created_at.isoformat()} for a in history
                ],
                "summary": summary.to_dict(),
                "profile": score_assessment(current).to_dict(),
            }
        )
        return
    typer.echo(f"Saved assessments of project '{title}':")
    for a in history:
        typer.echo(f"  {a.stage:<9} {a.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")
    if current.project:
        typer.echo(f"\nProject: {current.project}")
    _print_summary(summary)


@assess_app.command("compare")
@_plain_errors
def compare_command(
    project: ProjectRef,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Compare the latest planning assessment with the latest review."""
    title, history = _history(db, user, project)
    plans = [a for a in history if a.stage == "planning"]
    reviews = [a for a in history if a.stage == "review"]
    before = plans[-1] if plans else None
    after = reviews[-1] if reviews else None
    missing = [s for s, a in (("planning", before), ("review", after)) if a is None]
    if missing:
        raise InputError(
            Problem(
                f"the project '{title}' has no {' or '.join(missing)} assessment to compare",
                f"Create it with: equalqi assess new --project {json.dumps(title)} "
                f"--stage {missing[0]}",
            )
        )
    assert before is not None and after is not None
    comparison = compare_assessments(before, after)
    if fmt is Format.json:
        _echo_json(comparison.to_dict())
        return
    typer.echo(
        f"Planning ({before.created_at.date().isoformat()}): "
        f"{RISK_WORDS[comparison.before.overall_risk]}; review "
        f"({after.created_at.date().isoformat()}): {RISK_WORDS[comparison.after.overall_risk]}. "
        f"Overall: {comparison.overall}."
    )
    if not comparison.same_theory:
        typer.echo("The two assessments used different theories; only shared items compared.")
    typer.echo("\nBy area:")
    for c in comparison.clusters:
        before_words = RISK_WORDS[c.risk_before] if c.risk_before else "not asked"
        after_words = RISK_WORDS[c.risk_after] if c.risk_after else "not asked"
        typer.echo(f"  {c.name}: {before_words} -> {after_words} ({c.direction})")
    changed = [a for a in comparison.answers if a.direction != "same"]
    if changed:
        typer.echo("\nAnswers that changed:")
        for a in changed:
            b = ANSWER_WORDS.get(a.before or "", a.before or "not asked")
            n = ANSWER_WORDS.get(a.after or "", a.after or "not asked")
            typer.echo(f"  {a.question_id}: {b} -> {n} ({a.direction})")
    for m in comparison.resolved:
        typer.echo(f"No longer a risk: {m.plain or m.statement_id}")
    for m in comparison.new_risks:
        typer.echo(f"New risk: {m.plain or m.statement_id}")


# --------------------------------------------------------------------------- involvement


@involvement_app.command("add")
@_plain_errors
def involvement_add(
    project: ProjectRef,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="An activity TOML file (instead of options).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help=f"One of: {', '.join(ACTIVITY_TYPES)}.")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Date, e.g. 2025-03-04.")] = None,
    participants: Annotated[
        int | None, typer.Option("--participants", help="How many people took part.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Short description.")] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            help="Counts by group, named as the plan names them: DIMENSION:GROUP=COUNT, e.g. "
            '"Deprivation (IMD quintile):1 - most deprived=4". Checked against --plan, or the '
            "registry project's latest plan.",
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="The project's analysis plan (TOML): group counts are checked against its "
            "dimensions and groups (default: the plan of the project's latest analysis).",
        ),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Counts by role: ROLE=COUNT, e.g. patients=12."),
    ] = None,
    barrier: Annotated[
        list[str] | None, typer.Option("--barrier", help=f"Barrier removed: {', '.join(BARRIERS)}.")
    ] = None,
    barrier_notes: Annotated[
        str | None, typer.Option("--barrier-notes", help="Other barriers removed, in words.")
    ] = None,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Add one involvement activity (counts only, never personal details) to the project's log
    (the project is started if it does not exist yet)."""
    if from_file is not None:
        activity = parse_activity(_read_text(from_file, "activity"), source=str(from_file))
    else:
        raw: dict[str, Any] = {"type": kind, "date": date}
        if participants is not None:
            raw["participants"] = participants
        if title:
            raw["title"] = title
        if group:
            raw["groups"] = groups_from_options(group)
        if role:
            raw["roles"] = counts_from_options(role, "role")
        if barrier:
            raw["barriers"] = list(barrier)
        if barrier_notes:
            raw["barrier_notes"] = barrier_notes
        activity = activity_from_dict({k: v for k, v in raw.items() if v is not None})
    entry = str(from_file or "--group")
    plan_text = (
        service.PlanText(_read_text(plan, "plan"), str(plan), entry) if plan is not None else None
    )
    with _registry_session(db, user) as (session, who, _):
        found = resolve_project(session, who, project, create=True)
        number, title = found.project.id, found.project.title
        if activity.groups and plan_text is None:
            from equalqi.registry import analyses

            if analyses.latest_plan(session, who, number) is None:
                raise InputError(
                    Problem(
                        "group counts can only be checked against the project's analysis plan",
                        "Add --plan PLAN.toml (the plan the project is analysed with), so the "
                        "group names match the report's.",
                        str(from_file) if from_file else None,
                    )
                )
        record = service.log_activity(session, who, number, activity.to_dict(), plan=plan_text)
        activity_id = record.id
        n = len(service.log_repo.activity_records(session, who, number))
    if found.created:
        _say_created(title, number)
    typer.echo(
        f"Added {activity.type_words.lower()} on {activity.date.isoformat()} "
        f"({activity.participants} taking part) as activity {activity_id}. The log of project "
        f"{number} ({title}) now has {n} {'activity' if n == 1 else 'activities'}."
    )


@involvement_app.command("show")
@_plain_errors
def involvement_show(
    project: ProjectRef,
    population: Annotated[
        Path | None,
        typer.Option(
            "--population",
            help="CSV of population shares: dimension,group,share (or percent or count)"
            "[,priority].",
        ),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Flag groups whose ratio is below this.")
    ] = 0.8,
    priority: Annotated[
        list[str] | None,
        typer.Option("--priority", help="A Core20 or PLUS group to mark as a priority."),
    ] = None,
    suppress_below: Annotated[
        int,
        typer.Option("--suppress-below", help="Hide counts from 1 to this minus 1 (0: off)."),
    ] = 10,
    fmt: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Show the involvement log and how those involved compare with the population."""
    pop = (
        parse_population_csv(_read_text(population, "population"), source=str(population))
        if population is not None
        else None
    )
    with _registry_session(db, user) as (session, who, _):
        found = resolve_project(session, who, project, create=False).project
        log = service.log_repo.involvement_log(session, who, found.id)
    result = None
    if pop is not None:
        result = representativeness(log, pop, threshold=threshold, priority_groups=priority or ())
    policy = policy_for("suppress", suppress_below=suppress_below)
    summary = summarise_involvement(log, result, policy=policy)
    if fmt is Format.json:
        _echo_json(
            {
                "log": log.to_dict(),
                "representativeness": result.to_dict() if result is not None else None,
                "summary": summary.to_dict(),
            }
        )
        return
    _print_involvement(summary)


def _print_involvement(s: InvolvementSummary) -> None:
    typer.echo(s.headline)
    for text in s.mismatches:
        typer.echo(f"!! {text}")
    for row in s.activities:
        title = f": {row.title}" if row.title else ""
        barriers = "; ".join(row.barriers) if row.barriers else "none recorded"
        typer.echo(f"  {row.date}  {row.activity}{title}  ({row.people} taking part)")
        typer.echo(f"      Barriers removed: {barriers}")
    if s.barriers_not_addressed:
        typer.echo("Barriers not yet removed: " + "; ".join(s.barriers_not_addressed))
    if s.groups:
        typer.echo("\nWho took part, compared with the population:")
        for g in s.groups:
            flag = "!! " if g.flagged else "   "
            prio = ", priority" if g.priority else ""
            caution = f" {g.caution}" if g.caution else ""
            typer.echo(
                f" {flag}{g.group} ({g.dimension}{prio}): involved {g.involved} "
                f"({g.share_involved}) vs population {g.share_population}; ratio {g.ratio}; "
                f"{g.status}.{caution}"
            )
    for text in s.under_represented:
        typer.echo(f"Under-represented: {text}")
    for note in s.notes:
        typer.echo(f"Note: {note}")


@assess_app.command("report")
@_plain_errors
def report_command(
    project: ProjectRef,
    out: Annotated[Path, typer.Option("--out", help="Folder for the HTML and PDF.")],
    suppress_below: Annotated[
        int,
        typer.Option("--suppress-below", help="Hide counts from 1 to this minus 1 (0: off)."),
    ] = 10,
    db: Db = None,
    user: UserEmail = None,
) -> None:
    """Write the assessment, action plan and involvement log as HTML and a tagged PDF (no
    data needed)."""
    from equalqi.services.report.equity_pack import write_equity_report

    policy = policy_for("suppress", suppress_below=suppress_below)
    with _registry_session(db, user) as (session, who, _):
        found = resolve_project(session, who, project, create=False).project
        record = service.equity_record(session, who, found.id)
    written = write_equity_report(record, out, policy=policy)
    typer.echo(f"Report: {written.html}")
    typer.echo(f"PDF (tagged for screen readers): {written.pdf}")


# --------------------------------------------------------------------------- registry transfer


def _transfer(
    db: str | None,
    email: str | None,
    ref: str,
    run: Callable[[Any, Any, int], Any],
    *,
    create: bool = False,
) -> Any:
    """Run ``run(session, user, project number)`` on the project ``ref`` names."""
    with _registry_session(db, email) as (session, who, _):
        found = resolve_project(session, who, ref, create=create)
        result = run(session, who, found.project.id)
    if found.created:
        _say_created(found.project.title, found.project.id)
    return result


FromProject = Annotated[
    str,
    typer.Option("--project", "--from", help="The registry project: its name or its number."),
]
Folder = Annotated[Path, typer.Option("--folder", help="The project folder (files).")]


@assess_app.command("import")
@_plain_errors
def import_command(
    folder: Annotated[Path, typer.Option("--folder", help="The project folder to read (files).")],
    into: Annotated[
        str,
        typer.Option(
            "--into", help="The registry project: name or number (a new name starts one)."
        ),
    ],
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """Copy a folder's assessments and involvement log into a registry project (all or none)."""
    from equalqi.services.assessments import import_folder

    moved = _transfer(db, user, into, lambda s, u, n: import_folder(s, u, n, folder), create=True)
    typer.echo(
        f"Imported {moved.assessments} assessment(s) and {moved.activities} involvement "
        f"{'activity' if moved.activities == 1 else 'activities'} into project {into}."
    )


@assess_app.command("export")
@_plain_errors
def export_command(
    source: FromProject,
    folder: Annotated[Path, typer.Option("--folder", help="A new or empty folder to write.")],
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """Write a registry project's assessments and involvement log as files."""
    from equalqi.services.assessments import export_folder

    moved = _transfer(db, user, source, lambda s, u, n: export_folder(s, u, n, folder))
    typer.echo(
        f"Exported {moved.assessments} assessment(s) and {moved.activities} involvement "
        f"{'activity' if moved.activities == 1 else 'activities'} to {folder}."
    )


# --------------------------------------------------------------------------- registry corrections


@assess_app.command("list")
@_plain_errors
def list_command(
    source: FromProject,
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """List a registry project's assessments and involvement activities, with their numbers
    (to correct or remove them)."""
    from equalqi.registry import assessments as repo
    from equalqi.registry import involvement as log_repo

    def run(session: Any, who: Any, number: int) -> list[str]:
        lines = ["Assessments:"]
        for r in sorted(repo.list_assessments(session, who, number), key=lambda r: r.id):
            when = str(r.data.get("created_at", ""))[:10]
            lines.append(f"  {r.id}: {r.stage} on {when} ({RISK_WORDS.get(r.overall_risk)})")
        lines.append("Involvement activities:")
        for rec in log_repo.activity_records(session, who, number):
            a = activity_from_dict(rec.data)
            lines.append(
                f"  {rec.id}: {a.type_words} on {a.date.isoformat()} ({a.participants} taking part)"
            )
        return lines

    for line in _transfer(db, user, source, run):
        typer.echo(line)


@assess_app.command("remove")
@_plain_errors
def remove_command(
    source: FromProject,
    number: Annotated[int, typer.Option("--assessment", help="The assessment's number.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is removed (kept in the audit trail).")
    ],
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """Remove an assessment from a registry project; the audit trail keeps a copy and why."""
    from equalqi.services.assessments import remove_assessment

    _transfer(db, user, source, lambda s, u, p: remove_assessment(s, u, p, number, reason))
    typer.echo(f"Removed assessment {number} from project {source}. The audit trail keeps it.")


@involvement_app.command("remove")
@_plain_errors
def involvement_remove(
    source: FromProject,
    number: Annotated[int, typer.Option("--activity", help="The activity's number.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is removed (kept in the audit trail).")
    ],
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """Remove an involvement activity from a registry project; audited with a copy and why."""
    from equalqi.services.assessments import remove_activity

    _transfer(db, user, source, lambda s, u, p: remove_activity(s, u, p, number, reason))
    typer.echo(f"Removed activity {number} from project {source}. The audit trail keeps it.")


@involvement_app.command("edit")
@_plain_errors
def involvement_edit(
    source: FromProject,
    number: Annotated[int, typer.Option("--activity", help="The activity's number.")],
    from_file: Annotated[
        Path, typer.Option("--file", help="The corrected activity as a TOML file.")
    ],
    user: UserEmail = None,
    db: Db = None,
) -> None:
    """Correct an involvement activity in a registry project (group names checked against the
    project's plan); the audit trail keeps what it said before."""
    from equalqi.services.assessments import correct_activity

    activity = parse_activity(_read_text(from_file, "activity"), source=str(from_file))
    raw = activity.to_dict()
    _transfer(db, user, source, lambda s, u, p: correct_activity(s, u, p, number, raw))
    typer.echo(
        f"Corrected activity {number} of project {source}. The audit trail keeps the old one."
    )
