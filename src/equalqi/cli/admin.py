"""``equalqi admin``: first run and administration from the command line.

``create-organisation NAME`` and ``create-user --organisation NAME --email E --role R``
(``--db`` like ``serve``). A new user's password is random, printed once, and must be
replaced at the first sign-in.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.console import Console

from equalqi.registry.models import ROLES

admin_app = typer.Typer(help="Create organisations and users (first run and administration).")
out = Console()
err = Console(stderr=True)

Db = Annotated[
    str | None, typer.Option("--db", help="Registry URL; default: SQLite in $EQUALQI_HOME.")
]


def _registry(db: str | None):  # type: ignore[no-untyped-def]
    from equalqi.registry.db import open_registry
    from equalqi.web.settings import Settings

    settings = Settings.from_env(database_url=db)
    return open_registry(settings.database_url, data_dir=settings.data_dir)


@admin_app.command("create-organisation")
def create_organisation_cmd(
    name: Annotated[
        str, typer.Argument(help="The organisation's name, e.g. 'Northgate NHS Trust'.")
    ],
    db: Db = None,
) -> None:
    """Add an organisation (the unit whose projects its users see)."""
    from equalqi.registry.organisations import create_organisation, get_organisation

    reg = _registry(db)
    try:
        with reg.session() as session, session.begin():
            if get_organisation(session, name) is not None:
                err.print(f"An organisation called {name!r} already exists.")
                raise typer.Exit(1)
            try:
                org = create_organisation(session, name)
            except ValueError as exc:
                err.print(f"Cannot create the organisation: {exc}.")
                raise typer.Exit(2) from exc
            out.print(f"Created organisation {org.name!r} (id {org.id}).", highlight=False)
    finally:
        reg.close()


@admin_app.command("create-user")
def create_user_cmd(
    organisation: Annotated[str, typer.Option(help="Name of an existing organisation.")],
    email: Annotated[str, typer.Option(help="The person's e-mail address (their sign-in).")],
    role: Annotated[str, typer.Option(help="admin, editor or viewer.")] = "viewer",
    name: Annotated[str | None, typer.Option(help="Full name (default: from the e-mail).")] = None,
    db: Db = None,
) -> None:
    """Add a user and print a one-time password (changed at the first sign-in)."""
    from equalqi.registry.organisations import get_organisation
    from equalqi.registry.users import create_user, email_taken

    if role not in ROLES:
        err.print(f"--role must be one of {', '.join(ROLES)}, not {role!r}.")
        raise typer.Exit(2)
    if "@" not in email:
        err.print(f"{email!r} is not an e-mail address: give one like name@nhs.net.")
        raise typer.Exit(2)
    reg = _registry(db)
    try:
        with reg.session() as session, session.begin():
            org = get_organisation(session, organisation)
            if org is None:
                err.print(
                    f"No organisation called {organisation!r}. Create it first with: "
                    f"equalqi admin create-organisation {organisation!r}"
                )
                raise typer.Exit(1)
            if email_taken(session, email):
                err.print(f"{email} already has an account.")
                raise typer.Exit(1)
            password = secrets.token_urlsafe(12)
            who = name or email.split("@")[0].replace(".", " ").title()
            user = create_user(session, org, email, who, role, password, must_change_password=True)
            out.print(f"Created {role} {user.email} in {org.name!r}.", highlight=False)
            out.print("One-time password (shown once; they choose their own at first sign-in):")
            out.print(password, style="bold", highlight=False, markup=False)
    finally:
        reg.close()
