"""The import contracts of ``make lint`` (``[tool.importlinter]``) see the real modules.

``.ci/lint-imports`` checks a symlink tree laid out as the installed package (the package-dir
mapping hides tasks/, models/ and metrics/ from import-linter otherwise). These tests build
such a tree in a temporary folder, check that the contracts hold on it, then plant imports that
break the layering in new files of the tree (the sources are never touched) and check that the
contracts fail, naming the planted import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """``.ci/lint-imports`` on ``tree``, with this interpreter's environment."""
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run([str(ROOT / ".ci" / "lint-imports"), str(tree)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("importlint") / "tree"
    subprocess.run([str(ROOT / ".ci" / "package-tree"), str(folder)], cwd=ROOT, check=True,
                   timeout=60)
    return folder


def test_contracts_hold_and_see_every_subpackage(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    # Every module of the tree is analysed, tasks/, models/ and metrics/ included (the
    # contracts ignore no import since the dataset-level protocols moved to metrics/).
    files = list((tree / "harmonybench").rglob("*.py"))
    assert {p.relative_to(tree / "harmonybench").parts[0] for p in files} >= {
        "tasks", "models", "metrics"}
    assert f"Analyzed {len(files)} files" in result.stdout, result.stdout
    assert "ignored imports" not in result.stdout


@pytest.mark.parametrize(("where", "line", "shown"), [
    ("tasks", "import harmonybench.metrics.anls", "harmonybench.metrics.anls"),
    ("models", "from harmonybench.tasks import textvqa", "harmonybench.tasks.textvqa"),
    ("metrics", "import harmonybench.models.null", "harmonybench.models.null"),
    ("", "import harmonybench.tasks.textvqa", "harmonybench.tasks.textvqa"),
])
def test_a_planted_bad_import_fails(tree: Path, where: str, line: str, shown: str) -> None:
    planted = tree / "harmonybench" / where / "_planted_violation.py"
    planted.write_text(f'"""A planted violation."""\n\n{line}\n', encoding="utf-8")
    try:
        result = lint(tree)
    finally:
        planted.unlink()
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert "_planted_violation -> " + shown in result.stdout
