"""Start-up: the CPU time of light ``harmonybench`` commands against the eager import.

Each command runs in a fresh interpreter (``python -c`` calling ``harmonybench.cli.main``), ``--n``
times; the CPU time (user + system of the child, from ``os.wait4``) is the median. The naive
approach is the same command after importing what the CLI imported eagerly before the
leaderboard and compare commands deferred their imports (pandas through the table modules,
numpy through the paired tests): the ratio is what the deferral saves. Issue 15 asks for under
0.4 s CPU with none of pandas, pyarrow, numpy or torch imported (``tests/test_startup.py`` checks
the modules; timings are only here). Writes ``benchmarks/results_startup.md`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from machine import cpu_model

DEFAULT_OUTPUT = Path(__file__).with_name("results_startup.md")
COMMANDS: tuple[tuple[str, ...], ...] = (("--help",), ("list", "tasks"), ("run", "--help"),
                                         ("leaderboard", "--help"))
EAGER = "import harmonybench.leaderboard, harmonybench.board_formats, harmonybench.compare\n"
PROBE = ("{prefix}from harmonybench.cli import main\ntry:\n    main({argv!r})\n"
         "except SystemExit:\n    pass\n")


def cpu_seconds(code: str) -> float:
    """User + system CPU seconds of one ``python -c code`` child."""
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"probe failed: {code!r}")
    return float(usage.ru_utime + usage.ru_stime)


def median_cpu(code: str, n: int) -> float:
    """The median over ``n`` runs."""
    return statistics.median(cpu_seconds(code) for _ in range(n))


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every command both ways and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=7, help="runs per command and way (median)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    bare = median_cpu("pass", args.n)
    rows = []
    for command in COMMANDS:
        light = median_cpu(PROBE.format(prefix="", argv=list(command)), args.n)
        eager = median_cpu(PROBE.format(prefix=EAGER, argv=list(command)), args.n)
        rows.append(f"| `harmonybench {' '.join(command)}` | {light:.3f} | {eager:.3f} | "
                    f"{eager / light:.1f}x |")
    report = "\n".join([
        "# Start-up: light commands against the eager import",
        "",
        f"`benchmarks/bench_startup.py --n {args.n}`, run "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}. Load average when the run started: {load}.",
        "",
        f"CPU seconds (user + system), median of {args.n} fresh interpreters; a bare "
        f"`python -c pass` costs {bare:.3f} s of each.",
        "",
        "| command | now (s CPU) | eager imports (s CPU) | ratio |",
        "|---|---:|---:|---:|",
        *rows,
        "",
    ])
    print(report)
    args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
