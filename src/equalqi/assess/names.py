"""Check involvement group names against the names the project's plan uses.

Representativeness compares the log with the population *by name*: a count logged as
``core20`` / ``Core20`` can only be compared with the plan's ``Core20 - most deprived 20%`` if
the names agree. A name that agrees with none is therefore an error at entry (with the closest
names offered, as "did you mean"), never a silent separate row.

Names are compared ignoring case and surrounding spaces, as
:func:`equalqi.assess.representativeness.representativeness` compares them. Suggestions are the
known names that contain the given name (``Core20`` -> ``Core20 - most deprived 20%``), then
the closest by :func:`difflib.get_close_matches` (Ratcliff/Obershelp similarity, cutoff 0.6).
Names that start with the given one win outright, so ``Core20`` does not also suggest
``Not Core20``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from equalqi.errors import Problem

from .involvement import NOT_RECORDED_LABELS, Activity
from .problems import InvolvementError

#: ``{dimension: groups}``; ``None`` as the groups means the plan does not list them (a column
#: dimension without an order), so any group name is accepted for that dimension.
KnownGroups = Mapping[str, Sequence[str] | None]


def _key(text: str) -> str:
    return text.strip().casefold()


def suggest(value: str, options: Iterable[str], n: int = 2) -> tuple[str, ...]:
    """The known names closest to ``value``: starting with it; else containing it, then the
    one most similar spelling."""
    opts = list(dict.fromkeys(options))
    key = _key(value)
    if not key:
        return ()
    starting = [o for o in opts if _key(o).startswith(key) or key.startswith(_key(o))]
    if starting:
        return tuple(starting[:n])
    containing = [o for o in opts if key in _key(o) or _key(o) in key]
    by_key = {_key(o): o for o in opts}
    close = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)]
    return tuple(dict.fromkeys([*containing, *close]))[:n]


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """``"Did you mean 'X'? "`` (or ``"Did you mean 'X' or 'Y'? "``), or ``""``."""
    found = suggest(value, options)
    if not found:
        return ""
    return "Did you mean " + " or ".join(f"'{s}'" for s in found) + "? "


def find(value: str, options: Iterable[str]) -> str | None:
    """The option equal to ``value`` ignoring case and surrounding spaces, if any."""
    key = _key(value)
    return next((o for o in options if _key(o) == key), None)


def group_problems(
    activity: Activity, known: KnownGroups, *, source: str | None = None
) -> list[Problem]:
    """One problem per group count whose dimension or group the plan does not have."""
    problems: list[Problem] = []
    for g in activity.groups:
        dimension = find(g.dimension, known)
        if dimension is None:
            problems.append(
                Problem(
                    what=f"'{g.dimension}' is not a dimension in the project's plan",
                    fix=did_you_mean(g.dimension, known)
                    + "Use one of the plan's dimension names: "
                    + "; ".join(f"'{d}'" for d in known)
                    + ".",
                    file=source,
                    column="groups",
                    value=f"{g.dimension}:{g.group}",
                )
            )
            continue
        groups = known[dimension]
        if groups is None or _key(g.group) in NOT_RECORDED_LABELS or find(g.group, groups):
            continue
        problems.append(
            Problem(
                what=f"'{g.group}' is not a group of '{dimension}' in the project's plan",
                fix=did_you_mean(g.group, groups)
                + f"The groups of '{dimension}' are: "
                + "; ".join(f"'{x}'" for x in groups)
                + ".",
                file=source,
                column="groups",
                value=f"{g.dimension}:{g.group}",
            )
        )
    return problems


def check_groups(activity: Activity, known: KnownGroups, *, source: str | None = None) -> None:
    """Raise :class:`InvolvementError` if any group count does not match the plan's names."""
    problems = group_problems(activity, known, source=source)
    if problems:
        raise InvolvementError(problems)
