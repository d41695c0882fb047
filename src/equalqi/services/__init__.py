"""Services: the analysis pipeline, reference-data cache and reports."""
