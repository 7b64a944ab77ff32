"""What machine a benchmark ran on: shared by every script in ``benchmarks/``.

Scripts import it as a sibling module (``from machine import cpu_model``), which works both
when a script is run as ``python benchmarks/NAME.py`` (its folder is on ``sys.path``) and when
``tests/benchscripts.py`` loads it (it puts this folder on ``sys.path`` first).
"""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The processor's name from ``/proc/cpuinfo``, else what :mod:`platform` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
