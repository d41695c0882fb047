"""Admins add users to their own organisation; nobody else can."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_support import World, sign_in

Client = Callable[[str], tuple[TestClient, str]]
NEW = {
    "name": "New Nurse",
    "email": "new.nurse@a.example.nhs.uk",
    "role": "editor",
    "password": "a temporary password",
}


def test_admin_adds_a_user_who_can_sign_in(world: World, client_for: Client) -> None:
    admin, token = client_for("a-admin")
    r = admin.post("/users", data={**NEW, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    listing = admin.get("/users").text
    assert "new.nurse@a.example.nhs.uk" in listing
    assert "editor@b.example.nhs.uk" not in listing  # another organisation's users are hidden
    with TestClient(world.app) as c:
        sign_in(c, NEW["email"], NEW["password"])
        assert "Northgate NHS Trust" in c.get("/projects").text  # the admin's organisation


def test_bad_user_forms_are_explained(client_for: Client) -> None:
    admin, token = client_for("a-admin")
    bad = {"name": "", "email": "editor@a.example.nhs.uk", "role": "owner", "password": "short"}
    r = admin.post("/users", data={**bad, "csrf_token": token})
    assert r.status_code == 400
    text = r.text
    assert "nhsuk-error-summary" in text
    for message in (
        "Enter the person",
        "already has an account",
        "at least 12 characters",
        "Choose a role",
    ):
        assert message in text


def test_only_admins_manage_users(client_for: Client) -> None:
    editor, token = client_for("a-editor")
    assert editor.get("/users").status_code == 403
    r = editor.post("/users", data={**NEW, "csrf_token": token})
    assert r.status_code == 403
    admin, _ = client_for("a-admin")
    assert admin.post("/users", data=NEW).status_code == 403  # no CSRF token
