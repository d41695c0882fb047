"""``equalqi admin``: organisations and users from the command line, with one-time
passwords that must be changed at the first sign-in."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from equalqi.cli.main import app
from equalqi.registry.db import open_registry
from equalqi.registry.models import AuditEvent, User
from equalqi.registry.users import authenticate

runner = CliRunner()


def test_create_organisation_and_user_with_a_one_time_password(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    env = {"EQUALQI_HOME": str(tmp_path), "EQUALQI_SECRET_KEY": "test-only"}
    r = runner.invoke(app, ["admin", "create-organisation", "Northgate NHS", "--db", db], env=env)
    assert r.exit_code == 0, r.output
    again = runner.invoke(
        app, ["admin", "create-organisation", "Northgate NHS", "--db", db], env=env
    )
    assert again.exit_code == 1 and "already exists" in again.output
    args = ["admin", "create-user", "--organisation", "Nowhere", "--email", "a@x.nhs.uk"]
    missing = runner.invoke(app, [*args, "--db", db], env=env)
    assert missing.exit_code == 1 and "create-organisation" in missing.output
    bad_role = ["--organisation", "Northgate NHS", "--email", "a@x.nhs.uk", "--role", "owner"]
    r = runner.invoke(app, ["admin", "create-user", *bad_role, "--db", db], env=env)
    assert r.exit_code == 2 and "viewer, editor, admin" in r.output
    ok = ["--organisation", "Northgate NHS", "--email", "lead@x.nhs.uk", "--role", "admin"]
    r = runner.invoke(app, ["admin", "create-user", *ok, "--db", db], env=env)
    assert r.exit_code == 0, r.output
    password = re.search(r"One-time password[^\n]*\n(\S+)\n", r.output)
    assert password is not None
    reg = open_registry(db, data_dir=tmp_path)
    try:
        with reg.session() as s, s.begin():
            user = authenticate(s, "lead@x.nhs.uk", password.group(1))
            assert user is not None and user.role == "admin" and user.must_change_password
            assert user.organisation.name == "Northgate NHS"
            created = s.query(AuditEvent).filter_by(action="create", entity="user").one()
            assert created.entity_id == user.id
            assert s.query(User).count() == 1
    finally:
        reg.close()
