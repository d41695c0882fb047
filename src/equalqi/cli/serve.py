"""``equalqi serve``: start the web app (uvicorn) on the embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Registry URL; default: SQLite in $EQUALQI_HOME."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Folder for uploads and analyses.")
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo organisation, admin and project.")
    ] = False,
    demo_rows: Annotated[int, typer.Option(min=1000, help="Records in the demo extract.")] = (
        200_000
    ),
) -> None:
    """Start the web app; with --demo, load the demo project and print how to sign in."""
    import uvicorn

    from equalqi.services.seed import seed_demo
    from equalqi.web import Settings, create_app

    settings = Settings.from_env(data_dir=data_dir, database_url=db)
    app = create_app(settings)
    if demo:
        out.print(f"Loading the demo project ({demo_rows:,} synthetic records)…")
        login = seed_demo(app.state.registry, rows=demo_rows)
        out.print(f"Demo project: http://{host}:{port}/projects/{login.project_id}")
        out.print(f"Sign in as [bold]{login.email}[/]", highlight=False)
        if login.password:
            out.print(
                f"Password (shown once, not stored anywhere in clear): [bold]{login.password}[/]",
                highlight=False,
            )
        else:
            out.print("The demo admin already exists; use the password printed the first time.")
    out.print(f"equalqi is running at http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
