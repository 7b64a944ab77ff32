"""CI: the quick demo, run as the README says, wrote its reports and tells its story.

Checks, in the demo's default output folder (``demo-output``): ``leaderboard.md``,
``leaderboard.html`` and the degradation plot exist and are not empty, and the degradation
table (read back through ``harmonybench leaderboard --format json``) has non-zero rows in
both output modalities. Prints what it found; exits 1 naming what is missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main(out: Path) -> int:
    reports = out / "reports"
    problems = [f"{reports / name} is missing or empty"
                for name in ("leaderboard.md", "leaderboard.html", "degradation.png")
                if not (reports / name).is_file() or (reports / name).stat().st_size == 0]
    if problems:
        print("\n".join(problems))
        return 1
    board = json.loads(subprocess.run(
        [str(Path(sys.executable).with_name("harmonybench")), "leaderboard", "--spec",
         str(reports / "spec.yaml"), "--format", "json"],
        check=True, capture_output=True, text=True).stdout)
    rows = board["degradation"]["rows"]
    nonzero: dict[str, int] = {}
    for row in rows:
        if row["degradation"] not in (None, 0):
            nonzero[row["modality"]] = nonzero.get(row["modality"], 0) + 1
    print(f"degradation rows: {len(rows)}; non-zero by modality: {nonzero}")
    missing = [m for m in ("text", "image") if not nonzero.get(m)]
    if missing:
        print(f"no non-zero degradation for: {', '.join(missing)}-out")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-output")))
