"""Wall time of the main job: ``harmonybench demo`` full and quick, fresh and rerun.

Runs, one after another in this process's machine state, each as a separate ``harmonybench``
process with a relative ``--output`` from a temporary working directory (as ``make demo``
does): the quick demo into an empty folder, the quick demo again into the same folder (every
run finished: reused), then the same two for the full demo. Install time is excluded (the
package must already be installed). Records wall seconds, the CPU seconds of the child, each
demo run's own time (its ``done in`` lines), the load average before and after, the machine,
and whether Tesseract was installed (it adds one specialist run). Targets (issue 10): full
under 300 s on 2 cores, quick under 60 s, a rerun under 20 s.

Usage: ``python benchmarks/bench_demo.py [--only quick] [--out FILE]``; the table is written
to ``benchmarks/results_demo.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {("quick", "fresh"): 60.0, ("quick", "rerun"): 20.0, ("full", "fresh"): 300.0,
           ("full", "rerun"): 20.0}


def demo(cwd: Path, quick: bool) -> tuple[float, float, list[str], str]:
    """One ``harmonybench demo`` process: wall s, CPU s, its run lines, its last line."""
    exe = Path(sys.executable).with_name("harmonybench")
    args = [str(exe), "demo", "--output", "demo-output"] + (["--quick"] if quick else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={
        **os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "COLUMNS": "200"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"demo failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = re.findall(r"(?:done|reused \(finished before\)) in ([\d.]+) s -> (\S+)",
                      done.stderr)
    lines = [f"{Path(folder).name.rsplit('-', 1)[0]} {secs} s" for secs, folder in runs]
    return wall, cpu, lines, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["quick", "full"], default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results_demo.md")
    opts = parser.parse_args()
    modes = [opts.only] if opts.only else ["quick", "full"]
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hb-demo-bench-") as tmp:
        for mode in modes:
            cwd = Path(tmp) / mode
            cwd.mkdir()
            for attempt in ("fresh", "rerun"):
                wall, cpu, lines, last = demo(cwd, quick=mode == "quick")
                target = TARGETS[(mode, attempt)]
                rows.append((mode, attempt, wall, cpu, target, "; ".join(lines)))
                print(f"{mode:<5} {attempt:<5} {wall:7.1f} s wall {cpu:7.1f} s CPU "
                      f"(target {target:.0f} s) {last}", flush=True)
    load_after = os.getloadavg()
    tesseract = shutil.which("tesseract") is not None
    header = [
        "# The demo's wall time", "",
        f"Recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
        "`benchmarks/bench_demo.py`: each row is one `harmonybench demo` process run from a "
        "temporary working directory with `--output demo-output` (relative, as `make demo`); "
        "install excluded.", "",
        f"Machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"tesseract {'installed' if tesseract else 'not installed (bare machine)'}. "
        f"Load average (1/5/15 min) before: {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"after: {'/'.join(f'{v:.2f}' for v in load_after)}.", "",
        "| demo | run | wall (s) | CPU (s) | target (s) | within | runs (done in) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    body = [f"| {m} | {a} | {w:.1f} | {c:.1f} | {t:.0f} | {'yes' if w <= t else 'NO'} | {r} |"
            for m, a, w, c, t, r in rows]
    notes = ["", "The rerun reuses every finished run (scores.json newer than its journals, "
             "same packages): no model is called and nothing is re-scored; what remains is "
             "start-up, loading the adapters and the data, and writing the reports."]
    opts.out.write_text("\n".join(header + body + notes) + "\n", encoding="utf-8")
    print(f"written {opts.out}")


if __name__ == "__main__":
    main()
