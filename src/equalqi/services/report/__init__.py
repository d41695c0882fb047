"""Reports: one report model rendered to a self-contained HTML file."""
