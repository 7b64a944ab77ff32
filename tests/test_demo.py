"""`harmonybench demo --quick`: the whole product offline, with scores in sane bands."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.runner import RunConfig, TaskInput, run

pytestmark = pytest.mark.slow
pytest.importorskip("rapidocr")


def scores(folder: Path) -> dict[str, Any]:
    tasks: dict[str, Any] = json.loads((folder / "scores.json").read_text())["tasks"]
    return tasks


def headline(entry: dict[str, Any]) -> float:
    metrics = entry["protocols"][entry["default_protocol"]]
    value = next(v for v in metrics.values() if isinstance(v, float))
    return float(value)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick demo as the Makefile runs it: a relative output folder, default options."""
    home = tmp_path_factory.mktemp("clone")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(home)
        result = CliRunner().invoke(build_app(), ["demo", "--quick", "--output", "demo-output"])
    assert result.exit_code == 0, result.output
    assert "leaderboard (html)" in result.stdout and "finished in" in result.stdout
    return home / "demo-output"


def test_spec_paths_are_relative_to_the_spec(demo: Path) -> None:
    spec = yaml.safe_load((demo / "reports" / "spec.yaml").read_text())
    for entry in spec["models"]:
        assert entry["run"].startswith("../runs/"), entry
        assert (demo / "reports" / entry["run"] / "scores.json").is_file()
        assert entry["about"], "the page says what each system is"


def test_rerun_from_elsewhere_reuses_every_run(demo: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Another working directory and a relative path to the same folder: nothing runs again."""
    before_runs = sorted(p.name for p in (demo / "runs").iterdir())
    stamps = {p: p.stat().st_mtime_ns for p in (demo / "runs").glob("*/scores.json")}
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    relative = os.path.relpath(demo, elsewhere)
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(build_app(), ["demo", "--quick", "--output", relative])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (demo / "runs").iterdir()) == before_runs
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps, "finished runs are reused"


def test_unified_stand_in_degrades_in_both_modalities(demo: Path) -> None:
    board = json.loads(_leaderboard_json(demo))
    means = {row["modality"]: row["mean"]
             for row in board["degradation"]["means"]}
    assert set(means) == {"text", "image"}
    assert all(value > 0 for value in means.values()), means


def _leaderboard_json(demo: Path) -> str:
    result = CliRunner().invoke(build_app(), ["leaderboard", "--spec",
                                              str(demo / "reports" / "spec.yaml"),
                                              "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def runs_by_model(demo: Path) -> dict[str, Path]:
    found = {}
    for folder in (demo / "runs").iterdir():
        info = json.loads((folder / "run.json").read_text())
        found[info["model"]["adapter"]] = folder
    return found


def test_reports_are_written(demo: Path) -> None:
    reports = demo / "reports"
    board = (reports / "leaderboard.md").read_text()
    assert "text-out" in board and "image-out" in board and "Degradation" in board
    html = (reports / "leaderboard.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert (reports / "degradation.png").stat().st_size > 1000
    assert "harmonybench compare" in (reports / "compare.md").read_text()


def test_scores_sit_in_sane_bands(demo: Path) -> None:
    runs = runs_by_model(demo)
    render = scores(runs["render"])
    for task in ("anytext-t2i", "anytext-edit", "mario-eval"):
        assert headline(render[task]) >= 0.8, (task, render[task])
        assert render[task]["failed"] == 0
    rapid = scores(runs["rapidocr"])
    for task in ("textrec", "detection", "spotting", "grounding"):
        assert headline(rapid[task]) >= 0.5, (task, rapid[task])
    qa = scores(runs["ocr-qa"])
    assert headline(qa["textvqa"]) > 0.2
    if shutil.which("tesseract"):
        assert headline(scores(runs["tesseract"])["textrec"]) >= 0.5


def test_blank_images_score_zero(demo: Path, tmp_path: Path) -> None:
    """A model that draws nothing gets 0 under the OCR-based protocols, not a failure."""
    manifest = json.loads((demo / "data" / "demo.json").read_text())
    data = demo / "data" / manifest["tasks"]["anytext-t2i"]["data"]
    from harmonybench.registries import get_task

    blank = tmp_path / "blank"
    blank.mkdir()
    for sample in get_task("anytext-t2i").load(data)[:3]:
        Image.new("RGB", (512, 512), "white").save(blank / f"{sample.id}.png")
    result = run(RunConfig(model="replay-images", location=str(blank), limit=3,
                           model_args={"take": "all"},
                           tasks=[TaskInput("anytext-t2i", data)], output=tmp_path / "runs"))
    assert result.scores is not None
    entry = result.scores["tasks"]["anytext-t2i"]
    assert entry["failed"] == 0 and entry["scored"] == 3, entry["errors"]
    assert entry["protocols"]["anytext"]["sen_acc"] == 0.0
    assert entry["protocols"]["anytext"]["ned"] < 0.2
