"""Who is acting and on which project, for commands run on one's own machine.

The registry is the only store of assessments and involvement logs; the command line reaches it
the way the web app does, as a user of an organisation, so role checks and per-organisation
isolation apply unchanged.

* **The acting user**: the one named (``--user`` or ``$EQUALQI_USER``), or else, in a local
  SQLite registry, the *local user* :data:`LOCAL_EMAIL`, an editor of the organisation
  :data:`LOCAL_ORGANISATION`, created on first use in that registry (the caller says so). A
  single person working alone needs no set-up; a shared (PostgreSQL) registry requires a
  named user.
* **The project**: named by its number or its title (case and surrounding spaces ignored). An
  unknown name is an error with "did you mean"; only commands that create content may create
  the project, and they say so. Two projects with the same title must be named by number.
* **Drafts** of the interactive questions live next to the registry, one per project and stage:
  files a person may open and edit, never a second store of assessments.
"""

from __future__ import annotations

import difflib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from equalqi.errors import InputError, Problem
from equalqi.registry import projects
from equalqi.registry.access import NotFound, project_for, require
from equalqi.registry.models import Project, User
from equalqi.registry.organisations import get_or_create_organisation
from equalqi.registry.users import create_user

LOCAL_ORGANISATION = "Local projects"
LOCAL_EMAIL = "local@equalqi.local"
LOCAL_NAME = "Local user"
USER_ENV = "EQUALQI_USER"


@dataclass(frozen=True)
class Acting:
    """The acting user, and whether this call created them (the local user, on first use)."""

    user: User
    created: bool


def acting_user(session: Session, email: str | None, *, allow_local: bool = True) -> Acting:
    """The named active user, else ``$EQUALQI_USER``, else the local user (made once).

    ``allow_local=False`` (a shared registry, e.g. PostgreSQL) requires a named user: nobody
    is added to a team's registry without saying so."""
    wanted = (email or os.environ.get(USER_ENV) or "").strip()
    if wanted:
        user = session.scalar(select(User).where(func.lower(User.email) == wanted.lower()))
        if user is None or not user.active:
            raise InputError(
                Problem(
                    "there is no active user with this e-mail address in the registry",
                    "Check --user (or $EQUALQI_USER), or create the user with: equalqi admin "
                    "create-user. Leave both out to work as the local user.",
                    value=wanted,
                )
            )
        return Acting(user, False)
    if not allow_local:
        raise InputError(
            Problem(
                "this registry is shared (not a local SQLite file), so say who you are",
                f"Give --user EMAIL (or set ${USER_ENV}); your role there is checked.",
            )
        )
    user = session.scalar(select(User).where(User.email == LOCAL_EMAIL))
    if user is not None:
        return Acting(user, False)
    org = get_or_create_organisation(session, LOCAL_ORGANISATION)
    # Nobody signs in as the local user: the password is random and never shown.
    user = create_user(
        session, org, LOCAL_EMAIL, LOCAL_NAME, "editor", secrets.token_urlsafe(24),
        must_change_password=True,
    )  # fmt: skip
    return Acting(user, True)


def local_user_note(url: str) -> str:
    """What to tell someone the first time the local user is made."""
    return (
        f"Note: working as the local user {LOCAL_EMAIL} (an editor of the organisation "
        f"'{LOCAL_ORGANISATION}'), created now in the registry {url}. To work in a shared "
        "registry as yourself, give --db and --user (or set $EQUALQI_DATABASE_URL and "
        f"${USER_ENV})."
    )


@dataclass(frozen=True)
class Resolved:
    """The project a command named, and whether this call created it."""

    project: Project
    created: bool


def _titles(session: Session, user: User) -> list[Project]:
    return list(
        session.scalars(
            select(Project)
            .where(Project.organisation_id == user.organisation_id)
            .order_by(Project.id)
        )
    )


def _unknown(name: str, known: list[Project], *, can_create: bool) -> InputError:
    titles = [p.title for p in known]
    close = difflib.get_close_matches(name, titles, n=3, cutoff=0.6)
    close += [t for t in titles if name.lower() in t.lower() and t not in close][:3]
    if close:
        fix = "Did you mean " + " or ".join(f"'{t}'" for t in close) + "?"
    elif titles:
        fix = "Your organisation's projects: " + "; ".join(f"{p.id}: {p.title}" for p in known[:10])
    else:
        fix = "There are no projects yet."
    if can_create:
        fix += " A new project is started by equalqi assess new or involvement add."
    else:
        fix += " List them with: equalqi assess projects"
    return InputError(Problem("there is no project with this name or number", fix, value=name))


def resolve_project(session: Session, user: User, ref: str, *, create: bool) -> Resolved:
    """The project ``ref`` names (number or title) in the user's organisation.

    With ``create`` an unknown *title* starts a new project (the caller says so); a number is
    never invented. Without ``create`` an unknown name is an error with "did you mean".
    """
    require(user, "viewer")
    name = ref.strip()
    if not name:
        raise InputError(Problem("--project is empty", "Give the project's name or number."))
    if name.isdigit():
        try:
            return Resolved(project_for(session, user, int(name)), False)
        except NotFound:
            raise _unknown(name, _titles(session, user), can_create=False) from None
    known = _titles(session, user)
    same = [p for p in known if p.title.strip().lower() == name.lower()]
    if len(same) == 1:
        return Resolved(same[0], False)
    if len(same) > 1:
        raise InputError(
            Problem(
                f"{len(same)} projects are called '{name}'",
                "Name the one you mean by its number: " + ", ".join(str(p.id) for p in same) + ".",
                value=name,
            )
        )
    if not create:
        raise _unknown(name, known, can_create=False)
    project = projects.create_project(session, user, projects.ProjectInput(title=name))
    return Resolved(project, True)


def project_list(session: Session, user: User) -> list[Project]:
    """The organisation's projects, oldest first."""
    require(user, "viewer")
    return _titles(session, user)


def draft_path(data_dir: Path, project_id: int, stage: str) -> Path:
    """The interactive mode's draft for a project and stage: an answers file (TOML), saved
    after every answer so that stopping loses nothing."""
    return Path(data_dir) / "drafts" / f"project-{project_id}-{stage}.toml"


def save_draft(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_draft(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None
