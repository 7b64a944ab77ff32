"""Start-up stays light (issue 15, deliverable 2): ``harmonybench --help`` and ``list tasks``
import no pandas, pyarrow, numpy or torch. The CPU time is measured in benchmarks/, not here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "pyarrow", "numpy", "torch")

PROBE = """
import sys
from pathlib import Path
from harmonybench.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("LOADED=" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["list", "tasks"], ["run", "--help"],
                                  ["leaderboard", "--help"], ["compare", "--help"]])
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = next(line for line in done.stderr.splitlines() if line.startswith("LOADED="))
    assert loaded == "LOADED=", f"harmonybench {' '.join(argv)} imported {loaded[7:]}"
    assert "Usage" in done.stdout or "anytext-t2i" in done.stdout


def test_the_startup_benchmark_runs_small(tmp_path: Path) -> None:
    from benchscripts import load_benchmark

    out = tmp_path / "startup.md"
    assert load_benchmark("bench_startup").main(["--n", "1", "--output", str(out)]) == 0
    table = out.read_text()
    assert "| `harmonybench list tasks` |" in table and "ratio" in table
