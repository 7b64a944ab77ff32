"""``harmonybench run --model replay-images:DIR``: the folders of ``test_score_image_dirs``.

Each naming scheme is replayed into a run and gives the numbers ``score --predictions DIR``
gives for the same folder and count; ``--model-arg num_images=1`` is accepted and scores a
folder with one image per prompt; without it that folder fails every sample with errors that
name the option, and the run exits 2 (never 0 with a table of dashes or zeros).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from imagedata import write_anytext, write_textharmony_edit
from imagedirs import write_generated
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.registries import get_task
from harmonybench.schema import Sample

pytest_plugins = ("imageout_fixtures",)

runner = CliRunner()


def hb(*args: str) -> Any:
    return runner.invoke(build_app(), list(args))


def replay(task: str, data: Path, folder: Path, out: Path, *more: str) -> Any:
    return hb("run", "--model", f"replay-images:{folder}", "--tasks", task,
              "--data", f"{task}={data}", "--task-arg", f"{task}:fid=off",
              "--output", str(out), *more)


def scored(task: str, data: Path, folder: Path, *more: str) -> dict[str, Any]:
    result = hb("score", "--task", task, "--data", str(data), "--predictions", str(folder),
                "--task-arg", "fid=off", "--json", *more)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def run_scores(out: Path, task: str) -> dict[str, Any]:
    [folder] = [p for p in out.iterdir() if p.is_dir()]
    entry: dict[str, Any] = json.loads((folder / "scores.json").read_text())["tasks"][task]
    return entry


def same_numbers(run: dict[str, Any], score: dict[str, Any]) -> None:
    """The run's protocol values equal ``score``'s (the reader's identity aside)."""
    for protocol, values in score["scores"].items():
        for metric, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert run["protocols"][protocol][metric] == pytest.approx(value), \
                    (protocol, metric)


@pytest.fixture(scope="module")
def anytext(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample]]:
    data = write_anytext(tmp_path_factory.mktemp("anytext"), 3)
    return data, get_task("anytext-t2i", {"fid": "off"}).load(data)


def test_anytext_naming_replays_with_the_scores_of_score(
    tmp_path: Path, anytext: tuple[Path, list[Sample]]
) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "gen", samples, "anytext", 4, wrong={samples[2].id})
    result = replay("anytext-t2i", data, folder, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    entry = run_scores(tmp_path / "runs", "anytext-t2i")
    assert entry["scored"] == 3 and entry["failed"] == 0
    assert entry["protocols"]["anytext"]["sen_acc"] == pytest.approx(3 / 4)
    same_numbers(entry, scored("anytext-t2i", data, folder))


def test_num_images_1_is_accepted_and_named_when_missing(
    tmp_path: Path, anytext: tuple[Path, list[Sample]]
) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "one", samples, "anytext", 1)
    refused = replay("anytext-t2i", data, folder, tmp_path / "refused")
    assert refused.exit_code == 2, refused.output
    assert "error: nothing scored: every sample failed" in refused.stderr
    assert "3 samples not scored (anytext-t2i: 3 of 3 failed)" in refused.stderr
    assert "found 1 (001253546_0.jpg): --model-arg num_images=1 takes 1 per sample" in \
        refused.stderr
    assert "0.00" not in refused.stdout
    accepted = replay("anytext-t2i", data, folder, tmp_path / "runs",
                      "--model-arg", "num_images=1")
    assert accepted.exit_code == 0, accepted.output
    entry = run_scores(tmp_path / "runs", "anytext-t2i")
    assert entry["scored"] == 3
    same_numbers(entry, scored("anytext-t2i", data, folder, "--images-per-sample", "1"))
    bad = replay("anytext-t2i", data, folder, tmp_path / "bad", "--model-arg", "num_images=0")
    assert bad.exit_code == 2 and "num_images must be a positive integer" in bad.stderr


def test_textharmony_and_mask_namings_for_edits(tmp_path: Path, cache: Path) -> None:
    data = write_textharmony_edit(tmp_path / "edit", 2)
    samples = get_task("anytext-edit", {"fid": "off"}).load(data)
    for naming in ("textharmony", "mask"):
        folder = write_generated(tmp_path / naming, samples, naming, 1, wrong={samples[0].id})
        out = tmp_path / f"runs-{naming}"
        result = replay("anytext-edit", data, folder, out)
        assert result.exit_code == 0, result.output
        entry = run_scores(out, "anytext-edit")
        assert entry["scored"] == 2, naming
        same_numbers(entry, scored("anytext-edit", data, folder))
        [run_folder] = [p for p in out.iterdir() if p.is_dir()]
        journal = next((run_folder / "anytext-edit").glob("*.jsonl")).read_text()
        assert f'"scheme":"{naming}"' in journal
