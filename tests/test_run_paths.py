"""Where files are does not change a run: ids, reuse, rescore and journals across folders.

Every path that one command writes and another reads must resolve the same way from any
working directory, with relative or absolute ``--output``, and after the run folder moves
together with its data (issue 10, deliverable 1).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harmonybench.demo.data import generate
from harmonybench.rescore import rescore
from harmonybench.runner import RunConfig, RunResult, TaskInput, run


@contextmanager
def cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paths")
    generate(root / "data", quick=True)
    return root


def textvqa_run(data_root: Path, output: Path) -> RunResult:
    data = data_root / "textvqa" / "TextVQA_0.5.1_val.json"
    images = data_root / "textvqa" / "train_images"
    return run(RunConfig(model="null", tasks=[TaskInput("textvqa", data, images)],
                         output=output, limit=3, model_args={"echo": "question"}))


def test_run_id_does_not_depend_on_where_data_or_output_live(demo_data: Path,
                                                             tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    shutil.copytree(demo_data / "data", copy / "data")
    with cwd(demo_data):
        first = textvqa_run(Path("data"), Path("runs"))
    with cwd(tmp_path):
        second = textvqa_run(copy / "data", Path("other") / "runs")
    assert first.run_id == second.run_id
    assert first.folder == Path("runs") / first.run_id
    info = json.loads((demo_data / first.folder / "run.json").read_text())
    spec = info["tasks"][0]
    # recorded absolute and relative to the run folder; the relative one is what moves along
    assert Path(spec["data"]).is_absolute()
    assert spec["data_from_run"] == "../../data/textvqa/TextVQA_0.5.1_val.json"
    assert spec["images_from_data"] == "train_images"


def image_run(output: Path, data: Path) -> RunResult:
    pytest.importorskip("rapidocr")
    return run(RunConfig(model="render", model_args={"num_images": "1"}, limit=2,
                         tasks=[TaskInput("anytext-t2i", data)], output=output))


def test_finished_run_is_reused_from_another_directory_and_rescored_anywhere(
        demo_data: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(demo_data / "data", tree / "data")
    with cwd(tree):
        first = image_run(Path("out/runs"), Path("data/anytext/test1k.json"))
    folder = tree / first.folder
    journal = (folder / "anytext-t2i" / "journal.rank0.jsonl").read_text().splitlines()
    stored = [json.loads(line)["images"] for line in journal]
    assert all(p.startswith("anytext-t2i/images/") for ps in stored for p in ps), stored
    images = sorted((folder / "anytext-t2i" / "images").iterdir())
    stamps = [p.stat().st_mtime_ns for p in images]
    # the same run from inside the output folder, with other relative paths: nothing generated
    with cwd(tree / "out"):
        second = image_run(Path("runs"), Path("../data/anytext/test1k.json"))
    assert second.run_id == first.run_id
    assert [p.stat().st_mtime_ns for p in images] == stamps
    attempts = json.loads((folder / "run.json").read_text())["attempts"]
    assert len(attempts) == 2 and "reused" in attempts[-1]
    assert second.scores == first.scores
    # the tree moves; rescore from an unrelated directory finds data and images through it
    moved = tmp_path / "moved"
    shutil.move(str(tree), str(moved))
    with cwd(tmp_path):
        again = rescore(Path("moved/out/runs") / first.run_id)
    entry = again["tasks"]["anytext-t2i"]
    assert entry["failed"] == 0 and entry["scored"] == 2
    assert first.scores is not None
    assert entry["protocols"]["anytext"] == first.scores["tasks"]["anytext-t2i"]["protocols"][
        "anytext"]


def test_journal_from_older_runs_keeps_working_directory_paths(tmp_path: Path) -> None:
    """Journals written before paths were stored relative to the run folder still read."""
    from harmonybench.journal import read_task_journals

    task_dir = tmp_path / "runs" / "r1" / "t"
    task_dir.mkdir(parents=True)
    image = tmp_path / "runs" / "r1" / "t" / "images" / "a.png"
    image.parent.mkdir()
    image.write_bytes(b"png")
    line = {"run_id": "r1", "task": "t", "sample_id": "a", "request_hash": "x",
            "template_id": None, "template_hash": None, "images": ["runs/r1/t/images/a.png"]}
    (task_dir / "journal.rank0.jsonl").write_text(json.dumps(line) + "\n")
    with cwd(tmp_path):
        (record,) = read_task_journals(Path("runs/r1/t"))
        assert record.images == ["runs/r1/t/images/a.png"] and Path(record.images[0]).exists()
    with cwd(image.parent):
        (record,) = read_task_journals(task_dir)
    assert record.images == [str(image)]
