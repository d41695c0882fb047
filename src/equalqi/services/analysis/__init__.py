"""The analysis pipeline: plan -> aggregate -> analyse -> report."""
