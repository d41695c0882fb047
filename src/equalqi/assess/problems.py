"""Problems in a theory, answers or involvement file, located by *line* rather than row.

:class:`equalqi.errors.Problem` was written for tables, where ``row`` is a spreadsheet row. The
files read here are TOML, where people count lines, so :class:`LineProblem` keeps the same
fields (``row`` holds the 1-based line, ``column`` the key path) and only words the location as
"line 12". Anything that handles a ``Problem`` handles a ``LineProblem``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from equalqi.errors import InputError, Problem

from .keylines import KeyLines, KeyPath, PathPart, format_path

IDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class LineProblem(Problem):
    """A problem at a line of a text file; ``row`` is the line, ``column`` the key path."""

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"line {self.row}")
        if self.column:
            parts.append(f"at {self.column}")
        return ", ".join(parts)


class TheoryError(InputError):
    """A programme-theory file is malformed; nothing has been loaded."""


class AnswersError(InputError):
    """An answers file does not fit its theory; nothing has been saved."""


class InvolvementError(InputError):
    """An involvement record or population file is malformed; nothing has been saved."""


class Located:
    """Collects :class:`LineProblem` objects for one source text, finding lines by key path."""

    def __init__(self, source: str | None, text: str | None) -> None:
        self.source = source
        self.keys = KeyLines.scan(text) if text else KeyLines()
        self.problems: list[Problem] = []

    def add(
        self, path: Sequence[PathPart], what: str, fix: str, value: object | None = None
    ) -> None:
        self.problems.append(
            LineProblem(
                what=what,
                fix=fix,
                file=self.source,
                row=self.keys.line(path),
                column=format_path(path) or None,
                value=None if value is None else str(value),
            )
        )

    def raise_if_any(self, error: type[InputError]) -> None:
        if self.problems:
            raise error(self.problems)

    # -- typed readers: each returns a clean value or a default, recording any problem
    def unknown_keys(
        self, table: Mapping[str, Any], path: KeyPath, allowed: Sequence[str], label: str
    ) -> None:
        for key in table:
            if key not in allowed:
                self.add(
                    (*path, key),
                    f"{label}: unknown key '{key}'",
                    f"Use only: {', '.join(allowed)}. Check the spelling.",
                )

    def text(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        label: str,
        *,
        required: bool = False,
    ) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.add(path, f"{label}: '{key}' is missing", f'Add {key} = "..." to it.')
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(
                (*path, key),
                f"{label}: '{key}' must be non-empty text",
                "Write the value in double quotes.",
                value,
            )
            return None
        return value.strip()

    def ident(self, table: Mapping[str, Any], path: KeyPath, key: str, label: str) -> str | None:
        value = self.text(table, path, key, label, required=True)
        if value is not None and not IDENT_RE.match(value):
            self.add(
                (*path, key),
                f"{label}: '{key}' must be a short identifier",
                "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
                value,
            )
            return None
        return value

    def text_list(
        self, table: Mapping[str, Any], path: KeyPath, key: str, label: str
    ) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(
                (*path, key),
                f"{label}: '{key}' must be a list of text values",
                'Write it as ["first", "second"].',
                value,
            )
            return ()
        return tuple(v.strip() for v in value)

    def choice(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        label: str,
        allowed: Sequence[str],
        default: str | None = None,
    ) -> str | None:
        value = table.get(key, default)
        if value is None:
            self.add(
                path, f"{label}: '{key}' is missing", f"Add {key} = one of: {', '.join(allowed)}."
            )
            return None
        if value not in allowed:
            self.add(
                (*path, key),
                f"{label}: '{key}' is not a recognised value",
                f"Use one of: {', '.join(allowed)}.",
                value,
            )
            return None
        return str(value)

    def tables(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        label: str,
        *,
        header: str,
        required: bool,
    ) -> list[Mapping[str, Any]]:
        value = table.get(key)
        if value is None or value == []:
            if required:
                self.add(path, f"{label}: has no '{key}'", f"Add at least one [[{header}]] entry.")
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.add(
                (*path, key),
                f"{label}: '{key}' must be a list of tables",
                f"Write each entry under its own [[{header}]] header.",
            )
            return []
        return list(value)


def toml_syntax_problem(exc: Exception, source: str | None, kind: str) -> LineProblem:
    """Turn a ``tomllib.TOMLDecodeError`` into a located problem."""
    m = re.search(r"line (\d+)", str(exc))
    if "Invalid date" in str(exc):
        return LineProblem(
            what=f"the {kind} has a date that does not exist ({exc})",
            fix="Check the day and month on that line (for example, February has 28 or 29 "
            "days); write dates as 2025-03-04.",
            file=source,
            row=int(m.group(1)) if m else None,
        )
    return LineProblem(
        what=f"the {kind} is not valid TOML ({exc})",
        fix="Check the quotes, brackets and '=' signs on that line.",
        file=source,
        row=int(m.group(1)) if m else None,
    )
