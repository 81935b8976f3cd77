"""How long reading a publisher's back issue takes, per format: each file of
tests/fixtures/archive/ read through read_issue (Word files and PDFs in a
render worker, as the page and the command read them). Prints the figures;
asserts only that every file was read.

    make bench   (or: pytest tests/bench/test_bench_import_formats.py -s)
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from issues.importing import read_issue

ARCHIVE = Path(__file__).parents[1] / "fixtures" / "archive"
ROUNDS = 5


def test_bench_reading_each_format() -> None:
    expected = json.loads((ARCHIVE / "expected.json").read_text())
    lines = []
    for name in sorted(expected):
        data = (ARCHIVE / name).read_bytes()
        read_issue(name, data)  # a worker started, modules imported
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            parsed = read_issue(name, data)
            times.append(time.perf_counter() - started)
        assert len(parsed.stories) == len(expected[name]["stories"])
        lines.append(
            f"  {name:24} {len(data) / 1024:6.0f} KB  median {statistics.median(times) * 1000:5.0f}"
            f" ms  max {max(times) * 1000:5.0f} ms"
        )
    print(f"\nreading back issues, median of {ROUNDS}:\n" + "\n".join(lines))
