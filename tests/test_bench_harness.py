"""The harness benchmark runs end to end at a small size (timings are not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_harness_small(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    out = tmp_path / "harness.md"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_harness.py"), "--n", "300",
         "--gen-n", "4", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text()
    assert "| 32 | 300 |" in table and "| 1 | 300 |" in table
    assert "Batched and one-at-a-time greedy outputs are identical." in table
