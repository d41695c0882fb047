"""Find the line of a key in TOML text, so that a validation error can name it.

``tomllib`` parses a file into plain dicts and lists and forgets where each value came from.
To say "line 12: cluster 'data' has no name" we scan the text once and record the line of
every table header (``[a.b]``, ``[[a.b]]``) and every ``key = value`` against its *key path*:
``("clusters", 1, "statements", 0, "tends_to")`` for the ``tends_to`` key of the first
statement of the second cluster. Arrays of tables are counted as TOML counts them (each
``[[clusters.statements]]`` header appends to the statements of the most recent cluster).

This is a best-effort locator, not a second TOML parser: it understands headers, bare and
quoted keys, dotted keys and multi-line strings, which is all a hand-written theory, answers
or involvement file uses. When a path is not found the line of its nearest recorded parent is
returned, so an error inside a multi-line array still points at the array's key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

PathPart = str | int
KeyPath = tuple[PathPart, ...]

_BARE_OR_QUOTED = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY_RE = re.compile(rf"^\s*({_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*=")
_HEADER_RE = re.compile(
    rf"^\s*(\[\[|\[)\s*({_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*(\]\]|\])"
)
_PART_RE = re.compile(_BARE_OR_QUOTED)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _PART_RE.finditer(dotted):
        part = m.group(0)
        if part[:1] in {'"', "'"}:
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


@dataclass
class KeyLines:
    """Map from key paths to 1-based line numbers in one TOML text."""

    lines: dict[KeyPath, int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> KeyLines:
        found: dict[KeyPath, int] = {}
        counts: dict[KeyPath, int] = {}  # concrete array path -> last index used
        current: KeyPath = ()
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER_RE.match(line)
            if header:
                names = _split_key(header.group(2))
                current = cls._resolve(names, counts, is_array=header.group(1) == "[[")
                found.setdefault(current, number)
                continue
            key = _KEY_RE.match(line)
            if key:
                path = current + _split_key(key.group(1))
                found.setdefault(path, number)
                rest = line[key.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote
                        break
        return cls(found)

    @staticmethod
    def _resolve(
        names: tuple[str, ...],
        counts: dict[KeyPath, int],
        *,
        is_array: bool,
    ) -> KeyPath:
        """Turn header names into a concrete path, inserting array indices as TOML does."""
        path: KeyPath = ()
        for i, name in enumerate(names):
            path = (*path, name)
            last = i == len(names) - 1
            if last and is_array:
                index = counts.get(path, -1) + 1
                counts[path] = index
                path = (*path, index)
            elif path in counts:
                path = (*path, counts[path])
        return path

    def line(self, path: Sequence[PathPart]) -> int | None:
        """The line of ``path``, or of its nearest recorded parent; ``None`` if none is."""
        probe: KeyPath = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None


def format_path(path: Sequence[PathPart]) -> str:
    """``("clusters", 1, "name")`` -> ``clusters[1].name`` (0-based indices, as in TOML)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
