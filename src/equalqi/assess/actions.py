"""The action plan: what the team will do about each risk, who owns it, by when, and its status.

Paper tools such as OHID's Health Equity Assessment Tool end in an action plan with owners and
dates; this is that plan, kept with the assessment. Each action names the *risk* it answers: a
statement id of the theory (so the report can cite it, with its label when the theory has
one). The planning assessment sets the plan; the review says which actions were done.

In an answers file::

    [[actions]]
    risk = "design-digital-barriers"       # a statement id (equalqi assess theory lists them)
    what = "Offer a phone booking line"
    owner = "Clinic manager"               # a role or a name; never a patient
    due = 2025-06-30
    status = "planned"                     # planned | in_progress | done | dropped

An action is *overdue* when it is planned or in progress and its due date is before today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .keylines import KeyPath
from .names import did_you_mean
from .problems import Located
from .theory import Theory

ACTION_STATUSES: Mapping[str, str] = {
    "planned": "Planned",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
_OPEN = ("planned", "in_progress")
_KEYS = ("risk", "what", "owner", "due", "status")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"(?:\d[\s-]?){10,}")


@dataclass(frozen=True)
class PlannedAction:
    """One action in the plan."""

    risk: str  # statement id
    what: str
    owner: str | None = None
    due: dt.date | None = None
    status: str = "planned"

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the action between planning and review."""
        return (self.risk, self.what.strip().casefold())

    def overdue(self, today: dt.date) -> bool:
        return self.status in _OPEN and self.due is not None and self.due < today

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"risk": self.risk, "what": self.what, "status": self.status}
        if self.owner:
            out["owner"] = self.owner
        if self.due:
            out["due"] = self.due.isoformat()
        return out


def read_actions(
    v: Located, items: object, theory: Theory, path: KeyPath
) -> tuple[PlannedAction, ...]:
    """Validate a list of action tables, recording problems in ``v`` (located by line)."""
    if items is None:
        return ()
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        v.add(path, "'actions' must be a list of tables", "Write each under its own [[actions]].")
        return ()
    statements = [s.id for _, s in theory.statements()]
    out: list[PlannedAction] = []
    for i, raw in enumerate(items):
        here = (*path, i)
        label = f"action {i + 1}"
        v.unknown_keys(raw, here, _KEYS, label)
        risk = v.text(raw, here, "risk", label, required=True)
        if risk is not None and risk not in statements:
            v.add(
                (*here, "risk"),
                f"{label}: '{risk}' is not a statement of the theory",
                did_you_mean(risk, statements)
                + "Use a statement id; 'equalqi assess theory' lists them.",
                risk,
            )
            risk = None
        what = v.text(raw, here, "what", label, required=True)
        owner = v.text(raw, here, "owner", label)
        for key, text in (("what", what), ("owner", owner)):
            if text and (_EMAIL.search(text) or _LONG_NUMBER.search(text)):
                v.add(
                    (*here, key),
                    f"{label}: the {key} looks like it contains an e-mail address or a phone "
                    "or NHS number",
                    "Write a role or a name only.",
                )
                risk = None
        status = v.choice(raw, here, "status", label, tuple(ACTION_STATUSES), default="planned")
        due = _due(v, raw.get("due"), (*here, "due"), label)
        if risk is None or what is None or status is None or isinstance(due, bool):
            continue
        out.append(PlannedAction(risk, what, owner, due, status))
    return tuple(out)


def _due(v: Located, value: object, path: KeyPath, label: str) -> dt.date | bool | None:
    """The due date, None when not given, False (recorded as a problem) when unreadable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    v.add(path, f"{label}: 'due' is not a date", "Write it as 2025-06-30.", value)
    return False


def actions_from_dicts(
    items: object, theory: Theory, *, source: str | None = None
) -> tuple[tuple[PlannedAction, ...], Located]:
    """Read stored actions (``to_dict`` output); the caller raises from the returned problems."""
    v = Located(source, None)
    return read_actions(v, items, theory, ("actions",)), v


# --------------------------------------------------------------------------- plain words


@dataclass(frozen=True)
class ActionRow:
    risk: str  # the statement's plain words (or id)
    cites: str  # the statement's label / id, e.g. "CMOC 4 (design-digital-barriers)"
    what: str
    owner: str
    due: str
    status: str
    overdue: bool
    updated_at_review: bool | None  # None outside a review


@dataclass(frozen=True)
class ActionPlanSummary:
    headline: str
    rows: tuple[ActionRow, ...]
    n_done: int
    n_total: int
    overdue: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _date_words(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def summarise_actions(
    current: Sequence[PlannedAction],
    theory: Theory,
    *,
    planned: Sequence[PlannedAction] | None = None,
    today: dt.date | None = None,
) -> ActionPlanSummary | None:
    """Plain words for the action plan.

    At a review, ``planned`` is the planning assessment's plan: each of its actions is shown
    with the status the review gives it (matched on risk and wording), or as "not updated at
    review"; actions first added at review follow. ``today`` marks overdue actions (none when
    not given).
    """
    by_statement = {s.id: s for _, s in theory.statements()}
    review_status = {a.key: a for a in current}
    rows: list[ActionRow] = []
    listed: Iterable[tuple[PlannedAction, bool | None]]
    if planned:
        seen = {a.key for a in planned}
        listed = [
            *((review_status.get(a.key, a), a.key in review_status) for a in planned),
            *((a, True) for a in current if a.key not in seen),
        ]
    else:
        listed = [(a, None) for a in current]
    for action, updated in listed:
        statement = by_statement.get(action.risk)
        plain = (statement.plain if statement else None) or action.risk
        cites = (
            f"{statement.label} ({action.risk})" if statement and statement.label else action.risk
        )
        late = bool(today and action.overdue(today))
        status = ACTION_STATUSES.get(action.status, action.status)
        if updated is False:
            status += " (not updated at review)"
        rows.append(
            ActionRow(
                risk=plain,
                cites=cites,
                what=action.what,
                owner=action.owner or "Not named",
                due=_date_words(action.due) if action.due else "No date",
                status=("Overdue: " + status.lower()) if late else status,
                overdue=late,
                updated_at_review=updated,
            )
        )
    if not rows:
        return None
    n_done = sum(1 for a, _ in listed if a.status == "done")
    overdue = tuple(f"{r.what} (due {r.due}; owner: {r.owner})" for r in rows if r.overdue)
    headline = f"{n_done} of {len(rows)} {'action' if len(rows) == 1 else 'actions'} done"
    headline += f"; {len(overdue)} overdue." if overdue else "."
    return ActionPlanSummary(headline, tuple(rows), n_done, len(rows), overdue)
