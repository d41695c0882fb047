"""Command-line interface (Typer): thin: parse, call a service, render."""
