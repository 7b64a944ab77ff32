"""The distribution builds without setuptools warnings and ships what the code reads.

A wheel is built from a copy of the source tree with this environment's setuptools (no build
isolation, so no network), every warning shown: no deprecation (the license field), no
"absent from the packages configuration" (``results/paper``), the published CSVs inside.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("setuptools", minversion="77")  # what pyproject's build-system requires

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "bench", "tasks", "metrics", "models", "results")


def test_wheel_builds_quietly_and_ships_the_paper_tables(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    tree.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "runs", "*.egg-info")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=ignore)
        else:
            shutil.copy(source, tree / name)
    out = tmp_path / "dist"
    out.mkdir()
    build = subprocess.run(
        [sys.executable, "-W", "always", "-c",
         "import sys; from setuptools import build_meta; "
         "print(build_meta.build_wheel(sys.argv[1]))", str(out)],
        cwd=tree, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    log = build.stdout + build.stderr
    assert "deprecat" not in log.lower(), log[-3000:]
    assert "absent from the `packages`" not in log, log[-3000:]
    assert not re.search(r"\w+Warning:", log), log[-3000:]  # SetuptoolsDeprecationWarning: ...
    wheel = out / build.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = archive.read(metadata).decode()
    shipped = {n for n in names if n.startswith("harmonybench/results/paper/")}
    expected = {f"harmonybench/results/paper/{p.name}"
                for p in (ROOT / "results" / "paper").glob("*.csv")}
    assert expected and shipped == expected
    assert "harmonybench/py.typed" in names
    # AnyText's Chinese dictionary and its licence note (metrics/data/README.md)
    assert {"harmonybench/metrics/data/ppocr_keys_v1.txt",
            "harmonybench/metrics/data/README.md"} <= names
    assert "License-Expression: Apache-2.0" in meta
