"""The concurrency rule: no route and no database dependency runs on the event loop, and
many simultaneous signed-in requests are all answered (the pool freeze does not come back)."""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.dependencies.models import Dependant
from web_support import PASSWORD, World, api_routes, csrf_of, make_world

from equalqi.registry import analyses, datasets, projects
from equalqi.registry.models import User
from equalqi.services.demo import demo_plan
from equalqi.web.deps import db, form_body
from equalqi.web.security import verify_csrf

#: The only coroutine dependencies allowed: they await the request body and use no database.
BODY_READERS = {form_body, verify_csrf}


def _deps(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _deps(dep)


def _calls(dependant: Dependant) -> Iterator[object]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def test_no_route_or_database_dependency_is_async(world: World) -> None:
    routes = api_routes(world.app)
    assert len(routes) > 30
    for route in routes:
        assert not inspect.iscoroutinefunction(route.endpoint), route.path
        for dep in _deps(route.dependant):
            if dep.call is db:  # committed before the response is sent (see deps.SESSION)
                assert dep.scope == "function", route.path
        for call in _calls(route.dependant):
            is_async = inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
            assert not is_async or call in BODY_READERS, (route.path, call)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, World]]:
    world = make_world(tmp_path)
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    srv.should_exit = True
    thread.join(10)
    world.app.state.jobs.shutdown()
    world.app.state.registry.close()


def test_many_simultaneous_signed_in_requests_are_all_answered(
    live: tuple[str, World], demo_csv: Path
) -> None:
    # 40 slow requests (the check step scans a 20,000-row extract, holding a database
    # connection meanwhile) and 40 quick ones at once: more than the SQLite connection pool
    # (15). With database work in async dependencies the event loop waited for a connection
    # that only the event loop could give back, and every request stalled until the pool
    # timed out (500s).
    base, world = live
    reg = world.app.state.registry
    with reg.session() as s, s.begin():
        editor = s.query(User).filter_by(email=world.emails["a-editor"]).one()
        project = projects.create_project(s, editor, projects.ProjectInput(title="Busy"))
        with demo_csv.open("rb") as fh:
            dataset = datasets.store_upload(
                s,
                editor,
                project.id,
                "x.csv",
                fh,
                data_dir=world.settings.data_dir,
                max_bytes=1 << 30,
            )
        plan = analyses.save_plan(s, editor, project.id, demo_plan("dna_sms"))
        check = f"/projects/{project.id}/data/{dataset.id}/check?plan={plan.id}"

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            token = csrf_of((await c.get("/sign-in")).text)
            r = await c.post(
                "/sign-in",
                data={"email": world.emails["a-editor"], "password": PASSWORD, "csrf_token": token},
            )
            assert r.status_code == 303
            paths = [check, "/api/projects", "/projects", "/static/equalqi.css"] * 20
            answers = await asyncio.gather(*(c.get(p) for p in paths))
            after = await c.get("/projects")
            return [a.status_code for a in answers] + [after.status_code]

    codes = asyncio.run(run())
    assert codes == [200] * 81
