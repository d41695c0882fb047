"""Errors a user can act on.

Every problem with the user's input is raised as an :class:`InputError` carrying *where*
(file, row, column), *what* (the offending value) and *what to do*. The CLI prints these
as plain messages, never tracebacks; the web app shows them in the NHS error-summary
pattern. Several problems found in one pass travel together in :class:`InputErrors`, so a
user fixes a file once rather than once per problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class EqualQIError(Exception):
    """Base class for every error equalqi raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in the user's input, located as precisely as we can."""

    what: str
    fix: str
    file: str | None = None
    row: int | None = None  # 1-based data row as a spreadsheet shows it (header is row 1)
    column: str | None = None
    value: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def message(self) -> str:
        where = self.where()
        value = f" (value: {self.value!r})" if self.value is not None else ""
        head = f"{where}: " if where else ""
        return f"{head}{self.what}{value}. {self.fix}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "what": self.what,
            "fix": self.fix,
            "message": self.message(),
        }


class InputError(EqualQIError):
    """The user's input cannot be used; nothing has been written."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        self.problems: list[Problem] = (
            [problems] if isinstance(problems, Problem) else list(problems)
        )
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        lines = [p.message() for p in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            lines.append(f"... and {more} more problem(s) of the same kinds.")
        return "\n".join(lines)


@dataclass
class ProblemCollector:
    """Collects problems during validation, then raises them together."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


class PlanError(InputError):
    """The analysis plan is malformed or inconsistent with the data."""


class ReferenceDataError(InputError):
    """A reference file (IMD, ethnic category) is missing, malformed or not yet imported."""
