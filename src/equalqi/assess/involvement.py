"""The involvement log: co-production activities, who took part (as counts), barriers removed.

The review behind the default theory found that QI is more likely to widen inequalities when
patients cannot engage fully because of practical or technological barriers, and more likely
to reduce them when patient-led data and considered user involvement shape the design. This
log records the evidence for both: each activity (a workshop, a co-design session, a survey
...), how many people took part, counted by group (never names or contact details), and which
barriers the team removed (interpreters, paid travel, digital access, timing, accessible
venues ...). :mod:`equalqi.assess.representativeness` then compares those involved with the
population the project serves.

Counts are *attendances*: a person who came to three workshops is counted three times. The
log holds no personal data; free-text fields are checked for things that look like email
addresses, phone numbers or NHS numbers, and rejected if they do.

An activity as TOML (``equalqi assess involvement add --from FILE``)::

    type = "co_design_session"
    date = 2025-03-04
    title = "Redesigning the reminder letter"
    participants = 20
    barriers = ["interpreters", "paid_travel", "timing"]

    [roles]
    patients = 14
    carers = 2
    staff = 4

    [groups."Deprivation (Core20)"]   # dimension -> group -> count, named as in the plan
    "Core20 - most deprived 20%" = 3
    "Not Core20" = 17
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .keylines import KeyPath
from .problems import InvolvementError, Located, toml_syntax_problem

ACTIVITY_TYPES: Mapping[str, str] = {
    "workshop": "Workshop",
    "co_design_session": "Co-design session",
    "focus_group": "Focus group",
    "interview": "Interviews",
    "survey": "Survey",
    "patient_panel": "Patient panel",
    "steering_group": "Steering group",
    "community_event": "Community event",
    "other": "Other activity",
}
BARRIERS: Mapping[str, str] = {
    "interpreters": "Interpreters or translated materials",
    "paid_travel": "Travel costs paid",
    "payment_for_time": "Payment or vouchers for people's time",
    "digital_access": "Help to get online (devices, data or support)",
    "timing": "Times that suit people (evenings, weekends, school hours)",
    "accessible_venue": "Accessible venue",
    "easy_read": "Easy read or other accessible formats",
    "carer_cover": "Childcare or cover for carers",
    "other": "Other barrier removed",
}
ROLES: Mapping[str, str] = {
    "patients": "Patients",
    "carers": "Carers and family",
    "public": "Members of the public",
    "staff": "Staff",
    "community_organisations": "People from community organisations",
    "other": "Others",
}
#: Group labels that mean "not recorded"; they are left out of shares.
NOT_RECORDED_LABELS: frozenset[str] = frozenset(
    {"unknown", "not known", "not stated", "not recorded", "prefer not to say", "missing"}
)
_ACTIVITY_KEYS = (
    "type", "date", "title", "participants", "roles", "groups", "barriers", "barrier_notes",
)  # fmt: skip
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"(?:\d[\s-]?){10,}")  # phone numbers, NHS numbers


def looks_personal(text: str) -> bool:
    """True if ``text`` contains something like an email address, phone or NHS number."""
    return bool(_EMAIL.search(text) or _LONG_NUMBER.search(text))


@dataclass(frozen=True)
class GroupCount:
    """How many of those taking part belong to ``group`` on ``dimension`` (e.g. core20)."""

    dimension: str
    group: str
    count: int


@dataclass(frozen=True)
class Activity:
    """One involvement or co-production activity, with counts only."""

    type: str
    date: dt.date
    participants: int
    title: str | None = None
    roles: tuple[tuple[str, int], ...] = ()
    groups: tuple[GroupCount, ...] = ()
    barriers: tuple[str, ...] = ()
    barrier_notes: str | None = None

    @property
    def type_words(self) -> str:
        return ACTIVITY_TYPES.get(self.type, self.type)

    def to_dict(self) -> dict[str, Any]:
        groups: dict[str, dict[str, int]] = {}
        for g in self.groups:
            groups.setdefault(g.dimension, {})[g.group] = g.count
        out: dict[str, Any] = {
            "type": self.type,
            "date": self.date.isoformat(),
            "participants": self.participants,
            "title": self.title,
            "roles": dict(self.roles),
            "groups": groups,
            "barriers": list(self.barriers),
            "barrier_notes": self.barrier_notes,
        }
        return {k: v for k, v in out.items() if v not in (None, {}, [])}


@dataclass(frozen=True)
class InvolvementLog:
    """All activities of one project, in date order."""

    activities: tuple[Activity, ...] = ()

    def add(self, activity: Activity) -> InvolvementLog:
        return InvolvementLog(tuple(sorted((*self.activities, activity), key=lambda a: a.date)))

    @property
    def total_participants(self) -> int:
        return sum(a.participants for a in self.activities)

    @property
    def barriers_addressed(self) -> tuple[str, ...]:
        """Barrier codes removed at least once, in the order of :data:`BARRIERS`."""
        used = {b for a in self.activities for b in a.barriers}
        return tuple(b for b in BARRIERS if b in used)

    def group_counts(self) -> list[GroupCount]:
        return [g for a in self.activities for g in a.groups]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "equalqi.involvement",
            "format_version": 1,
            "activities": [a.to_dict() for a in self.activities],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str | None = None) -> InvolvementLog:
        return involvement_from_dict(raw, source=source)


# --------------------------------------------------------------------------- validation


def parse_activity(text: str, *, source: str = "activity") -> Activity:
    """Parse one activity from TOML text; raise :class:`InvolvementError` naming lines."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvolvementError(toml_syntax_problem(exc, source, "activity file")) from exc
    v = Located(source, text)
    activity = _activity(v, raw, ())
    v.raise_if_any(InvolvementError)
    assert activity is not None
    return activity


def activity_from_dict(raw: Mapping[str, Any], *, source: str | None = None) -> Activity:
    """Validate one activity given as a mapping (CLI options, a web form, a JSON body)."""
    v = Located(source, None)
    activity = _activity(v, raw, ())
    v.raise_if_any(InvolvementError)
    assert activity is not None
    return activity


def involvement_from_dict(raw: Mapping[str, Any], *, source: str | None = None) -> InvolvementLog:
    """Rebuild a log from :meth:`InvolvementLog.to_dict` output."""
    v = Located(source, None)
    ok = (
        isinstance(raw, Mapping) and raw.get("kind", "equalqi.involvement") == "equalqi.involvement"
    )
    items = raw.get("activities", []) if ok else None
    if not isinstance(items, list):
        v.add((), "this is not an equalqi involvement log", "Pick the project's involvement.json.")
        v.raise_if_any(InvolvementError)
    activities = []
    for i, item in enumerate(items or []):
        if not isinstance(item, Mapping):
            v.add(("activities", i), "each activity must be an object", "Fix or remove it.")
            continue
        a = _activity(v, item, ("activities", i))
        if a is not None:
            activities.append(a)
    v.raise_if_any(InvolvementError)
    return InvolvementLog(tuple(sorted(activities, key=lambda a: a.date)))


def _count(v: Located, value: object, path: KeyPath, label: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        v.add(path, f"{label} must be a whole number of people, 0 or more", "Write a count.", value)
        return None
    return value


def _personal(v: Located, text: str | None, path: KeyPath, label: str) -> None:
    if text and looks_personal(text):
        v.add(
            path,
            f"{label} looks like it contains personal details (an email address or a phone "
            "or NHS number)",
            "Record counts and short descriptions only, never personal details.",
        )


def _activity(v: Located, raw: Mapping[str, Any], path: KeyPath) -> Activity | None:
    label = "activity"
    v.unknown_keys(raw, path, _ACTIVITY_KEYS, label)
    kind = v.choice(raw, path, "type", label, tuple(ACTIVITY_TYPES))
    date = _date(v, raw.get("date"), (*path, "date"))
    title = v.text(raw, path, "title", label)
    _personal(v, title, (*path, "title"), "the title")
    notes = v.text(raw, path, "barrier_notes", label)
    _personal(v, notes, (*path, "barrier_notes"), "the barrier notes")
    participants = None
    if "participants" not in raw:
        v.add(path, "activity: 'participants' is missing", "Add participants = <number of people>.")
    else:
        participants = _count(v, raw["participants"], (*path, "participants"), "participants")
    barriers = v.text_list(raw, path, "barriers", label)
    for i, b in enumerate(barriers):
        if b not in BARRIERS:
            v.add(
                (*path, "barriers", i),
                "this barrier is not one the log knows",
                f"Use one of: {', '.join(BARRIERS)} (and describe others in barrier_notes).",
                b,
            )
    roles = _roles(v, raw.get("roles"), (*path, "roles"), participants)
    groups = _groups(v, raw.get("groups"), (*path, "groups"), participants)
    if kind is None or date is None or participants is None or roles is None or groups is None:
        return None
    if any(b not in BARRIERS for b in barriers):
        return None
    return Activity(kind, date, participants, title, roles, groups, barriers, notes)


def _date(v: Located, value: object, path: KeyPath) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            impossible = impossible_date(value.strip())
            if impossible:
                v.add(path, f"activity: {impossible}", "Check the day and month.", value)
                return None
    v.add(path, "activity: 'date' is missing or not a date", "Write it as 2025-03-04.", value)
    return None


def impossible_date(text: str) -> str | None:
    """Why ``text``, written as YYYY-MM-DD, is not a real date (None if it is not that shape
    or is a real date): "2025-02-30" -> "there is no 30 February 2025 (February has 28 days)".
    """
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not m:
        return None
    year, month, day = (int(x) for x in m.groups())
    if not 1 <= month <= 12:
        return f"'{text}' has month {month}; months run from 01 to 12"
    first = dt.date(year, month, 1)
    days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    if 1 <= day <= days:
        return None
    name = first.strftime("%B")
    return f"there is no {day} {name} {year} ({name} {year} has {days} days)"


def _roles(
    v: Located, value: object, path: KeyPath, participants: int | None
) -> tuple[tuple[str, int], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        v.add(path, "'roles' must be a table of counts", "Write [roles] with patients = 12 ...")
        return None
    out: list[tuple[str, int]] = []
    ok = True
    for role, n in value.items():
        if role not in ROLES:
            v.add((*path, role), "this role is not known", f"Use one of: {', '.join(ROLES)}.", role)
            ok = False
            continue
        c = _count(v, n, (*path, role), f"the count of {role}")
        if c is None:
            ok = False
            continue
        out.append((role, c))
    total = sum(c for _, c in out)
    if ok and participants is not None and total > participants:
        v.add(
            path,
            f"the roles add up to {total}, more than the {participants} participants",
            "Check the counts; each person is counted in one role.",
        )
        ok = False
    return tuple(out) if ok else None


def _groups(
    v: Located, value: object, path: KeyPath, participants: int | None
) -> tuple[GroupCount, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        v.add(
            path,
            "'groups' must be a table per dimension",
            'Write [groups."Deprivation (IMD quintile)"] ...',
        )
        return None
    out: list[GroupCount] = []
    ok = True
    for dimension, groups in value.items():
        here = (*path, dimension)
        if not isinstance(groups, Mapping) or not groups:
            v.add(
                here, f"groups for '{dimension}' must be a table of counts", 'Write "Core20" = 3.'
            )
            ok = False
            continue
        _personal(v, str(dimension), here, "a dimension name")
        counts: list[int] = []
        for group, n in groups.items():
            _personal(v, str(group), (*here, group), "a group name")
            c = _count(v, n, (*here, group), f"the count for '{group}'")
            if c is None:
                ok = False
                continue
            counts.append(c)
            out.append(GroupCount(str(dimension).strip(), str(group).strip(), c))
        if participants is not None and sum(counts) > participants:
            v.add(
                here,
                f"the counts for '{dimension}' add up to {sum(counts)}, more than the "
                f"{participants} participants",
                "Each person belongs to one group per dimension; check the counts.",
            )
            ok = False
    return tuple(out) if ok else None


def groups_from_options(options: Sequence[str]) -> dict[str, dict[str, int]]:
    """Parse CLI options ``DIMENSION:GROUP=COUNT`` into ``{dimension: {group: count}}``.

    Raises :class:`InvolvementError` naming the option that cannot be read.
    """
    out: dict[str, dict[str, int]] = {}
    problems = Located(None, None)
    for option in options:
        m = re.fullmatch(r"\s*([^:=]+?)\s*:\s*([^=]+?)\s*=\s*(\d+)\s*", option)
        if not m:
            problems.add(
                (),
                "a --group option cannot be read",
                "Write it as DIMENSION:GROUP=COUNT, for example "
                '--group "Deprivation (IMD quintile):1 - most deprived=3".',
                option,
            )
            continue
        out.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
    problems.raise_if_any(InvolvementError)
    return out


def counts_from_options(options: Sequence[str], what: str) -> dict[str, int]:
    """Parse CLI options ``NAME=COUNT`` into ``{name: count}``."""
    out: dict[str, int] = {}
    problems = Located(None, None)
    for option in options:
        m = re.fullmatch(r"\s*([^=]+?)\s*=\s*(\d+)\s*", option)
        if not m:
            problems.add(
                (),
                f"a --{what} option cannot be read",
                f"Write it as NAME=COUNT, for example --{what} patients=12.",
                option,
            )
            continue
        out[m.group(1)] = int(m.group(2))
    problems.raise_if_any(InvolvementError)
    return out
