"""What the CLI prints when stdout is not a terminal: whole tables, plain text, every folder.

typer's CliRunner gives the commands a stdout that is not a terminal, as ``| cat`` or a CI log
does; ``COLUMNS`` is removed so that nothing but the code decides the width.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from taskdata import write_textvqa
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.cli.listing import plain_text

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


def hb(*args: str) -> Any:
    return runner.invoke(build_app(), list(args))


def null_run(data: Path, output: Path, text: str) -> Any:
    return hb("run", "--model", "null", "--model-arg", f"text={text}", "--tasks", "textvqa",
              "--data", f"textvqa={data}", "--output", str(output), "--no-progress")


def test_run_table_is_whole_when_piped(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path / "textvqa", 2)
    result = null_run(data, tmp_path / "runs", "a")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    row = next(line for line in result.stdout.splitlines() if "contains-monkey" in line)
    for cell in ("textvqa", "contains-monkey", "accuracy", "%"):
        assert cell in row
    header = next(line for line in result.stdout.splitlines() if "protocol" in line)
    # the last column is whole ("failed"/"unsupported" are columns only when non-zero)
    assert header.rstrip().endswith("scored ┃")
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_rescore_takes_several_run_folders(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path / "textvqa", 2)
    base = tmp_path / "runs" / "base"
    for text in ("a", "b"):
        assert null_run(data, base, text).exit_code == 0
    folders = sorted(p for p in base.iterdir() if p.is_dir())
    assert len(folders) == 2
    result = hb("rescore", *map(str, folders), "--protocol", "contains-monkey")
    assert result.exit_code == 0, result.output
    for folder in folders:
        assert f"rescored {folder.name}" in result.stdout
        assert f"run folder: {folder}" in result.stdout
        scores = json.loads((folder / "scores.json").read_text())
        assert scores["rescored"] and "contains-monkey" in scores["tasks"]["textvqa"][
            "protocols"]


def test_rescore_names_the_folder_it_cannot_rescore_and_does_the_others(
    tmp_path: Path
) -> None:
    data = write_textvqa(tmp_path / "textvqa", 2)
    assert null_run(data, tmp_path / "runs", "a").exit_code == 0
    [good] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    stray = tmp_path / "runs" / "notes"
    stray.mkdir()
    result = hb("rescore", str(stray), str(good))
    assert result.exit_code == 2
    assert f"error: {stray}: is not a run folder (no run.json)" in result.stderr
    assert "1 of 2 run folders could not be rescored" in result.stderr
    assert f"run folder: {good}" in result.stdout
    alone = hb("rescore", str(stray))
    assert alone.exit_code == 2
    assert alone.stderr.strip() == f"error: {stray}: is not a run folder (no run.json)"
    unknown = hb("rescore", str(good), "--protocol", "no-such-protocol")
    assert unknown.exit_code == 2 and unknown.stderr.startswith(f"error: {good}: ")


@pytest.mark.parametrize("kind", ["models", "tasks", "protocols", "readers"])
def test_list_prints_plain_text(kind: str) -> None:
    result = hb("list", kind)
    assert result.exit_code == 0, result.output
    for markup in (":class:", ":func:", ":mod:", ":meth:", "``", "`"):
        assert markup not in result.stdout, (markup, result.stdout)
    if kind == "models":
        line = next(x for x in result.stdout.splitlines() if x.startswith("textmonkey "))
        assert "MonkeyModel with variant=textmonkey" in line


def test_plain_text_drops_rest_markup() -> None:
    assert plain_text("see :func:`~harmonybench.models.imageio.text_targets` and "
                      ":class:`harmonybench.model.ModelAdapter`") == \
        "see text_targets and harmonybench.model.ModelAdapter"
    assert plain_text("``a=b``, `c` and *d*, not 2*3*4") == "a=b, c and d, not 2*3*4"
