"""Programme theory as data: clusters -> context-mechanism-outcome statements -> questions.

A realist programme theory explains *how* an intervention works, for whom and in which
contexts, as context-mechanism-outcome configurations (CMOCs). Johnson et al. (BMJ Qual Saf
2025;34(8):537-546, doi:10.1136/bmjqs-2024-017386) reviewed 36 QI studies and grouped 20 CMOCs
into four clusters (values and understanding, resources, data, design): 5 describe when QI may
increase inequalities and 15 when it may reduce them. Keeping the theory as a versioned file,
not as code, lets a team use the built-in operationalisation, and lets a researcher load the
full published list (or a local adaptation) and score projects against it.

Shape of a theory file (TOML; full schema in ``docs/programme-theory.md``)::

    schema_version = 1
    theory_version = "2025.1"
    id = "my-theory"
    name = "..."

    [[sources]]                       # every citation used below
    id = "johnson2025"
    citation = "Johnson LL, ... BMJ Qual Saf 2025;34(8):537-546."

    [[clusters]]
    id = "values"
    name = "Values and understanding"

    [[clusters.statements]]           # one CMO statement
    id = "values-equity-aim"
    tends_to = "reduce"               # reduce | increase inequalities
    basis = "informed_by"             # published | informed_by | toolkit (own guidance)
    sources = ["johnson2025"]
    context = "..."
    mechanism = "..."
    outcome = "..."

    [[clusters.statements.questions]]
    id = "v1"
    text = "Is reducing the gap one of the project's written aims?"
    polarity = "protective"           # 'yes' protects equity (default) | 'risk': 'yes' is the risk
    evidence_prompt = "..."
    actions = ["..."]

Validation is kept apart from the model: :func:`theory_from_dict` checks a parsed mapping and
raises :class:`TheoryError` listing every problem, each naming the line when the source text is
given. :func:`default_theory` loads the built-in theory shipped as package data.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, cast

from .keylines import KeyPath
from .problems import Located, TheoryError, toml_syntax_problem

TendsTo = Literal["reduce", "increase"]
Polarity = Literal["protective", "risk"]
Basis = Literal["published", "informed_by", "toolkit"]
HeatStage = Literal["prepare", "assess", "refine_and_apply", "review"]

TENDS_TO: tuple[str, ...] = ("reduce", "increase")
POLARITIES: tuple[str, ...] = ("protective", "risk")
BASES: tuple[str, ...] = ("published", "informed_by", "toolkit")
HEAT_STAGES: tuple[str, ...] = ("prepare", "assess", "refine_and_apply", "review")
SUPPORTED_SCHEMA_VERSIONS: tuple[int, ...] = (1,)
DEFAULT_THEORY_RESOURCE = "default_theory.toml"

_TOP_KEYS = ("schema_version", "theory_version", "id", "name", "description", "sources", "clusters")
_SOURCE_KEYS = ("id", "citation", "url", "doi", "supports")
_CLUSTER_KEYS = ("id", "name", "description", "sources", "statements")
_STATEMENT_KEYS = (
    "id", "label", "tends_to", "basis", "sources", "context", "mechanism", "outcome", "plain",
    "questions",
)  # fmt: skip
_QUESTION_KEYS = (
    "id", "text", "polarity", "help", "evidence_prompt", "actions", "heat_stage", "sources",
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    """A published source the theory cites; ``supports`` says what is taken from it."""

    id: str
    citation: str
    url: str | None = None
    doi: str | None = None
    supports: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "citation": self.citation,
                "url": self.url,
                "doi": self.doi,
                "supports": self.supports,
            }
        )


@dataclass(frozen=True)
class Question:
    """One question a team answers yes / partly / no / don't know.

    ``polarity = "protective"``: *yes* means the protective context is in place.
    ``polarity = "risk"``: *yes* means the risky context is present (so *no* protects).
    """

    id: str
    text: str
    polarity: Polarity = "protective"
    help: str | None = None
    evidence_prompt: str | None = None
    actions: tuple[str, ...] = ()
    heat_stage: HeatStage | None = None
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "text": self.text,
                "polarity": self.polarity,
                "help": self.help,
                "evidence_prompt": self.evidence_prompt,
                "actions": list(self.actions),
                "heat_stage": self.heat_stage,
                "sources": list(self.sources),
            }
        )


@dataclass(frozen=True)
class Statement:
    """A context-mechanism-outcome statement that tends to reduce or increase inequalities."""

    id: str
    tends_to: TendsTo
    context: str
    mechanism: str
    outcome: str
    questions: tuple[Question, ...]
    basis: Basis = "informed_by"
    sources: tuple[str, ...] = ()
    plain: str | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "label": self.label,
                "tends_to": self.tends_to,
                "basis": self.basis,
                "sources": list(self.sources),
                "context": self.context,
                "mechanism": self.mechanism,
                "outcome": self.outcome,
                "plain": self.plain,
                "questions": [q.to_dict() for q in self.questions],
            }
        )


@dataclass(frozen=True)
class Cluster:
    """A group of statements (the review's four: values and understanding, resources, ...)."""

    id: str
    name: str
    statements: tuple[Statement, ...]
    description: str | None = None
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "name": self.name,
                "description": self.description,
                "sources": list(self.sources),
                "statements": [s.to_dict() for s in self.statements],
            }
        )


@dataclass(frozen=True)
class Theory:
    """A whole programme theory, validated; identify it by ``(id, theory_version)``."""

    schema_version: int
    theory_version: str
    id: str
    name: str
    clusters: tuple[Cluster, ...]
    sources: tuple[Source, ...] = ()
    description: str | None = None

    # -- look-ups
    def questions(self) -> Iterator[tuple[Cluster, Statement, Question]]:
        for cluster in self.clusters:
            for statement in cluster.statements:
                for question in statement.questions:
                    yield cluster, statement, question

    def statements(self) -> Iterator[tuple[Cluster, Statement]]:
        for cluster in self.clusters:
            for statement in cluster.statements:
                yield cluster, statement

    def question(self, question_id: str) -> Question:
        for _, _, question in self.questions():
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for _, _, q in self.questions())

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form: two theories with equal content share it."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def identity(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "theory_version": self.theory_version,
            "schema_version": self.schema_version,
            "fingerprint": self.fingerprint,
        }

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "schema_version": self.schema_version,
                "theory_version": self.theory_version,
                "id": self.id,
                "name": self.name,
                "description": self.description,
                "sources": [s.to_dict() for s in self.sources],
                "clusters": [c.to_dict() for c in self.clusters],
            }
        )

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str | None = None) -> Theory:
        return theory_from_dict(raw, source=source)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != []}


# --------------------------------------------------------------------------- parsing


def parse_theory(text: str, *, source: str = "theory") -> Theory:
    """Parse and validate a TOML theory; raise :class:`TheoryError` naming every bad line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TheoryError(toml_syntax_problem(exc, source, "theory file")) from exc
    return theory_from_dict(raw, source=source, text=text)


def theory_from_dict(
    raw: Mapping[str, Any], *, source: str | None = None, text: str | None = None
) -> Theory:
    """Validate an already-parsed theory (a TOML file's dict, a JSON body, a stored copy)."""
    return _TheoryValidator(source, text).theory(raw)


@lru_cache(maxsize=1)
def default_theory() -> Theory:
    """The built-in theory (package data ``default_theory.toml``), validated once."""
    text = resources.files("equalqi.assess").joinpath(DEFAULT_THEORY_RESOURCE).read_text("utf-8")
    return parse_theory(text, source=f"equalqi/assess/{DEFAULT_THEORY_RESOURCE}")


class _TheoryValidator(Located):
    def __init__(self, source: str | None, text: str | None) -> None:
        super().__init__(source, text)
        self.source_ids: set[str] = set()
        self.seen: dict[str, dict[str, KeyPath]] = {"cluster": {}, "statement": {}, "question": {}}

    def theory(self, raw: Mapping[str, Any]) -> Theory:
        if not isinstance(raw, Mapping):
            self.add((), "a theory must be a table of keys", "Start from docs/programme-theory.md.")
            self.raise_if_any(TheoryError)
        self.unknown_keys(raw, (), _TOP_KEYS, "theory")
        schema = raw.get("schema_version")
        if schema is None:
            self.add(
                (), "theory: 'schema_version' is missing", "Add schema_version = 1 at the top."
            )
        elif isinstance(schema, bool) or schema not in SUPPORTED_SCHEMA_VERSIONS:
            self.add(
                ("schema_version",),
                "theory: this schema_version is not supported",
                f"Use schema_version = {SUPPORTED_SCHEMA_VERSIONS[-1]}.",
                schema,
            )
        version = raw.get("theory_version")
        if isinstance(version, int | float) and not isinstance(version, bool):
            self.add(
                ("theory_version",),
                "theory: 'theory_version' must be text",
                f'Write it in quotes: theory_version = "{version}".',
                version,
            )
            version = None
        else:
            version = self.text(raw, (), "theory_version", "theory", required=True)
        theory_id = self.ident(raw, (), "id", "theory")
        name = self.text(raw, (), "name", "theory", required=True)
        description = self.text(raw, (), "description", "theory")
        sources = tuple(
            s
            for i, t in enumerate(
                self.tables(raw, (), "sources", "theory", header="sources", required=False)
            )
            if (s := self.source_entry(t, ("sources", i))) is not None
        )
        raw_clusters = self.tables(raw, (), "clusters", "theory", header="clusters", required=True)
        clusters = tuple(
            c for i, t in enumerate(raw_clusters) if (c := self.cluster(t, ("clusters", i), i))
        )
        self.raise_if_any(TheoryError)
        return Theory(
            schema_version=int(cast(int, schema)),
            theory_version=cast(str, version),
            id=cast(str, theory_id),
            name=cast(str, name),
            clusters=clusters,
            sources=sources,
            description=description,
        )

    def unique(self, kind: str, value: str | None, path: KeyPath, label: str) -> None:
        if value is None:
            return
        if value in self.seen[kind]:
            first = self.keys.line(self.seen[kind][value])
            at = f" (first used at line {first})" if first else ""
            self.add(
                (*path, "id"),
                f"{label}: id '{value}' is used twice{at}",
                f"Give every {kind} its own id.",
                value,
            )
        else:
            self.seen[kind][value] = (*path, "id")

    def cited(self, table: Mapping[str, Any], path: KeyPath, label: str) -> tuple[str, ...]:
        ids = self.text_list(table, path, "sources", label)
        for i, sid in enumerate(ids):
            if sid not in self.source_ids:
                self.add(
                    (*path, "sources", i),
                    f"{label}: cites source '{sid}', which is not listed under [[sources]]",
                    "Add a [[sources]] entry with that id, or correct the id.",
                    sid,
                )
        return ids

    def source_entry(self, t: Mapping[str, Any], path: KeyPath) -> Source | None:
        label = f"source {path[-1] + 1}" if isinstance(path[-1], int) else "source"
        self.unknown_keys(t, path, _SOURCE_KEYS, label)
        sid = self.ident(t, path, "id", label)
        citation = self.text(t, path, "citation", label, required=True)
        if sid is not None:
            if sid in self.source_ids:
                self.add((*path, "id"), f"{label}: id '{sid}' is used twice", "Use unique ids.")
            self.source_ids.add(sid)
        if sid is None or citation is None:
            return None
        return Source(
            id=sid,
            citation=citation,
            url=self.text(t, path, "url", label),
            doi=self.text(t, path, "doi", label),
            supports=self.text(t, path, "supports", label),
        )

    def cluster(self, t: Mapping[str, Any], path: KeyPath, index: int) -> Cluster | None:
        raw_id = t.get("id")
        label = f"cluster {index + 1}" + (f" ('{raw_id}')" if isinstance(raw_id, str) else "")
        self.unknown_keys(t, path, _CLUSTER_KEYS, label)
        cid = self.ident(t, path, "id", label)
        self.unique("cluster", cid, path, label)
        name = self.text(t, path, "name", label, required=True)
        description = self.text(t, path, "description", label)
        sources = self.cited(t, path, label)
        raw_statements = self.tables(
            t, path, "statements", label, header="clusters.statements", required=True
        )
        statements = tuple(
            s
            for i, st in enumerate(raw_statements)
            if (s := self.statement(st, (*path, "statements", i), label))
        )
        if cid is None or name is None or len(statements) != len(raw_statements):
            return None
        return Cluster(cid, name, statements, description, sources)

    def statement(self, t: Mapping[str, Any], path: KeyPath, cluster: str) -> Statement | None:
        raw_id = t.get("id")
        idx = cast(int, path[-1]) + 1
        label = f"{cluster}, statement {idx}" + (
            f" ('{raw_id}')" if isinstance(raw_id, str) else ""
        )
        self.unknown_keys(t, path, _STATEMENT_KEYS, label)
        sid = self.ident(t, path, "id", label)
        self.unique("statement", sid, path, label)
        tends_to = self.choice(t, path, "tends_to", label, TENDS_TO)
        basis = self.choice(t, path, "basis", label, BASES, default="informed_by")
        sources = self.cited(t, path, label)
        if basis == "toolkit" and sources:
            self.add(
                (*path, "basis"),
                f"{label}: basis is 'toolkit' (the toolkit's own guidance) but it cites sources",
                'Use basis = "informed_by" or "published" for cited statements, or drop '
                "the sources.",
            )
        elif basis in {"published", "informed_by"} and not t.get("sources"):
            self.add(
                path,
                f"{label}: cites no source",
                'Add sources = ["<source id>"], or set basis = "toolkit" if it is your own '
                "guidance.",
            )
        context = self.text(t, path, "context", label, required=True)
        mechanism = self.text(t, path, "mechanism", label, required=True)
        outcome = self.text(t, path, "outcome", label, required=True)
        plain = self.text(t, path, "plain", label)
        tag = self.text(t, path, "label", label)
        raw_questions = self.tables(
            t, path, "questions", label, header="clusters.statements.questions", required=True
        )
        questions = tuple(
            q
            for i, qt in enumerate(raw_questions)
            if (q := self.question(qt, (*path, "questions", i), label))
        )
        required = (sid, tends_to, basis, context, mechanism, outcome)
        if any(v is None for v in required) or len(questions) != len(raw_questions):
            return None
        return Statement(
            id=cast(str, sid),
            tends_to=cast(TendsTo, tends_to),
            context=cast(str, context),
            mechanism=cast(str, mechanism),
            outcome=cast(str, outcome),
            questions=questions,
            basis=cast(Basis, basis),
            sources=sources,
            plain=plain,
            label=tag,
        )

    def question(self, t: Mapping[str, Any], path: KeyPath, statement: str) -> Question | None:
        raw_id = t.get("id")
        idx = cast(int, path[-1]) + 1
        label = f"{statement}, question {idx}" + (
            f" ('{raw_id}')" if isinstance(raw_id, str) else ""
        )
        self.unknown_keys(t, path, _QUESTION_KEYS, label)
        qid = self.ident(t, path, "id", label)
        self.unique("question", qid, path, label)
        text = self.text(t, path, "text", label, required=True)
        polarity = self.choice(t, path, "polarity", label, POLARITIES, default="protective")
        stage = None
        if "heat_stage" in t:
            stage = self.choice(t, path, "heat_stage", label, HEAT_STAGES)
        actions = self.text_list(t, path, "actions", label)
        sources = self.cited(t, path, label)
        if qid is None or text is None or polarity is None:
            return None
        return Question(
            id=qid,
            text=text,
            polarity=cast(Polarity, polarity),
            help=self.text(t, path, "help", label),
            evidence_prompt=self.text(t, path, "evidence_prompt", label),
            actions=actions,
            heat_stage=cast(HeatStage | None, stage),
            sources=sources,
        )
