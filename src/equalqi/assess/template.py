"""A commented answers file: every question with its id, help and allowed answers.

``equalqi assess template`` writes it blank so a team can fill it in (no ids to copy by hand);
the interactive mode writes the same file as its *draft* after every answer, so stopping loses
nothing and the next run resumes. :func:`equalqi.assess.answers.parse_answers` reads it back:
an empty answer (``""``) means *not answered yet*, its own state, never scored as a risk.

Questions where *yes* means the risk is present (``polarity = "risk"``) are marked REVERSED,
because for them *no* is the answer that protects fairness. Each question also names the
statement it belongs to, with the statement's label (e.g. a CMOC number) and sources when the
theory gives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .actions import PlannedAction
from .answers import Answer
from .heat import INCLUSION_HEALTH, PROTECTED_CHARACTERISTICS, TEXT_FIELDS, About
from .theory import Theory

ALLOWED = "yes | partly | no | dont_know"


def _string(text: str) -> str:
    """A TOML basic string (JSON string syntax is valid TOML for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def _key(question_id: str) -> str:
    """A bare TOML key, quoted when it has a dot (a bare dotted key would nest tables)."""
    return question_id if re.fullmatch(r"[A-Za-z0-9_-]+", question_id) else _string(question_id)


def _comment(text: str, prefix: str = "# ") -> list[str]:
    return [f"{prefix}{line}".rstrip() for line in text.strip().splitlines()] if text else []


def _value(answer: Answer | None) -> str:
    if answer is None:
        return '""'
    if not answer.note and not answer.evidence:
        return _string(answer.value)
    parts = [f"answer = {_string(answer.value)}"]
    if answer.note:
        parts.append(f"note = {_string(answer.note)}")
    if answer.evidence:
        parts.append("evidence = [" + ", ".join(_string(e) for e in answer.evidence) + "]")
    return "{ " + ", ".join(parts) + " }"


def answers_template(
    theory: Theory,
    *,
    stage: str,
    project: str | None = None,
    answers: Iterable[Answer] = (),
    actions: Iterable[PlannedAction] = (),
    about: About | None = None,
) -> str:
    """The answers file for ``theory`` at ``stage``, with ``answers`` (and the written
    sections ``about``) filled in (a draft)."""
    given = {a.question_id: a for a in answers}
    total = len(theory.question_ids)
    lines = [
        "# Equity by design: answers file",
        f"# Theory: {theory.name} ({theory.id}, version {theory.theory_version}); "
        f"{total} questions.",
        "#",
        f"# For each question write one of: {ALLOWED} (don't know).",
        '# Leave "" for a question not answered yet: it is shown as "not answered yet", never',
        "# as a risk, and the summary says how complete the assessment is.",
        "# To add a note or evidence, write the answer as a table, e.g.",
        '#   question-id = { answer = "partly", note = "Agreed at board", '
        'evidence = ["https://..."] }',
        "# Questions marked REVERSED: there, 'yes' means a risk is present; 'no' protects.",
        "#",
        f"# Then: equalqi assess new --project NAME --stage {stage} --answers THIS_FILE",
        "",
        f"stage = {_string(stage)}",
        f"project = {_string(project)}" if project else '# project = "Name of the project"',
        "",
        "# ==== About the project (as in OHID's Health Equity Assessment Tool) ====",
        "# Describe groups, never individual patients. Uncomment and fill in.",
        "# [about]",
        '# who_is_affected = "Who the project affects, and how many"',
        '# baseline_inequality = "The gap at the start, e.g. DNA rate 14% vs 7%"',
        '# unintended_consequences = "What could go wrong, and for whom"',
        "# Equality Act 2010 protected characteristics considered, from: "
        + ", ".join(PROTECTED_CHARACTERISTICS),
        '# protected_characteristics = ["age", "disability", "race", "sex"]',
        "# Inclusion health groups considered, from: " + ", ".join(INCLUSION_HEALTH),
        '# inclusion_health = ["homelessness"]',
        "#",
        "# [sign_off]",
        '# name = "Your name"',
        '# role = "Your role"',
        "# date = 2025-03-04",
        "",
        *_about_lines(about),
        "[answers]",
    ]
    number = 0
    for cluster in theory.clusters:
        lines += ["", f"# ==== {cluster.name} ====", ""]
        for statement in cluster.statements:
            for q in statement.questions:
                number += 1
                lines.append(f"# -- Question {number} of {total}: {q.id}")
                lines += _comment(q.text)
                if q.polarity == "risk":
                    lines.append(
                        "# REVERSED: 'yes' means this risk is present; 'no' is the answer "
                        "that protects fairness."
                    )
                lines += _comment(q.help or "", "# Help: ")
                lines += _comment(q.evidence_prompt or "", "# Evidence: ")
                cites = ", ".join(statement.sources)
                label = f"{statement.label}: " if statement.label else ""
                lines.append(
                    f"# Part of: {label}{statement.id}" + (f" (sources: {cites})" if cites else "")
                )
                lines.append(f"# Answer: {ALLOWED}")
                lines.append(f"{_key(q.id)} = {_value(given.get(q.id))}")
                lines.append("")
    lines += [
        "",
        "# ==== Action plan ====",
        "# One [[actions]] table per action: which risk it answers (a statement id from the",
        "# 'Part of' lines above), what will be done, who owns it (a role or a staff name),",
        "# when it is due, and its status: planned | in_progress | done | dropped.",
        "# At review, copy the planning actions here and update their status.",
        "#",
        "# [[actions]]",
        '# risk = "design-digital-barriers"',
        '# what = "Offer a phone booking line"',
        '# owner = "Clinic manager"',
        "# due = 2025-06-30",
        '# status = "planned"',
    ]
    for a in actions:
        lines += ["", "[[actions]]", f"risk = {_string(a.risk)}", f"what = {_string(a.what)}"]
        if a.owner:
            lines.append(f"owner = {_string(a.owner)}")
        if a.due:
            lines.append(f"due = {a.due.isoformat()}")
        lines.append(f"status = {_string(a.status)}")
    return "\n".join(lines).rstrip() + "\n"


def _about_lines(about: About | None) -> list[str]:
    """``[about]`` and ``[sign_off]`` with what has been written so far (none if nothing)."""
    if about is None or about.empty:
        return []
    lines = ["[about]"]
    for key in TEXT_FIELDS:
        text = getattr(about, key)
        if text:
            lines.append(f"{key} = {_string(text)}")
    if about.protected_characteristics:
        codes = ", ".join(_string(c) for c in about.protected_characteristics)
        lines.append(f"protected_characteristics = [{codes}]")
    if about.inclusion_health:
        lines.append(
            f"inclusion_health = [{', '.join(_string(c) for c in about.inclusion_health)}]"
        )
    if about.sign_off is not None:
        s = about.sign_off
        lines += ["", "[sign_off]", f"name = {_string(s.name)}", f"role = {_string(s.role)}"]
        lines.append(f"date = {s.date.isoformat()}")
    return [*lines, ""]
