"""``make bench``: the pipeline benchmark at 1M, 10M and 100M rows (``--sizes 1M`` is quick).

Writes ``benchmarks/RESULTS.md``; see :mod:`benchmarks.bench_pipeline` for what is measured.
"""

from __future__ import annotations

from benchmarks.bench_pipeline import main

if __name__ == "__main__":
    main()
