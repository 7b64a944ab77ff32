"""`harmonybench run` never hides a failure: refused up front, counted, named, never 0.00.

Through the CLI (typer's CliRunner, stdout not a terminal): a task the model cannot serve and
a missing path exit 2 before any work with one line; failed samples are counted on stderr with
their first errors (a corrupt image names its file); a task with nothing scored shows a dash
and "nothing scored", never ``0.00``, and a run that scored nothing exits 2; ``--strict``
still exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from taskdata import write_textvqa
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.errors import ImageError
from harmonybench.model import GenerationContext, ModelAdapter
from harmonybench.registry import Registry
from harmonybench.schema import ImageRef, Output, Request, RequestKind
from harmonybench.summary import scores_table

runner = CliRunner()


def hb(*args: str) -> Any:
    return runner.invoke(build_app(), list(args))


@pytest.fixture
def textvqa(tmp_path: Path) -> Path:
    return write_textvqa(tmp_path / "textvqa", 4)


def run_args(data: Path, out: Path, *more: str) -> list[str]:
    return ["run", "--tasks", "textvqa", "--data", f"textvqa={data}", "--output", str(out),
            "--no-progress", *more]


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: ")
    return lines[0]


# ------------------------------------------------------------------ refused before any work

def test_a_task_the_model_cannot_serve_exits_2_naming_both_kinds(
    tmp_path: Path, textvqa: Path
) -> None:
    out = tmp_path / "runs"
    result = hb(*run_args(textvqa, out, "--model", "rapidocr"))
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "textvqa ('vqa' requests)" in line
    assert "rapidocr serves only 'recognition', 'grounding', 'detection', 'spotting'" in line
    assert not out.exists(), "nothing may be written before the check"


def test_compose_is_checked_through_its_parts_before_any_part_is_built(
    tmp_path: Path, textvqa: Path
) -> None:
    # the text part's checkpoint does not exist: building it would fail with another error
    result = hb("run", "--model", "compose", "--model-arg", "text=hf-vlm:/no/such/ckpt",
                "--model-arg", "image=null", "--tasks", "anytext-t2i",
                "--data", f"anytext-t2i={textvqa}", "--output", str(tmp_path / "runs"))
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "anytext-t2i ('t2i' requests)" in line and "'edit'" not in line
    assert "compose serves only 'vqa'" in line


class NarrowModel(ModelAdapter):
    """Declares vqa and recognition; once built it serves recognition only."""

    name: ClassVar[str] = "narrow"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"vqa", "recognition"})

    def supports(self, kind: RequestKind) -> bool:
        return kind == "recognition"

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        raise AssertionError("never called: the task is refused before any request")


def test_a_built_adapter_is_asked_before_the_data_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harmonybench.runner.MODELS", Registry(
        kind="model", group="harmonybench.models",
        builtins=(("narrow", f"{__name__}:NarrowModel"),)))
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")  # reading it would be a DataError
    result = hb(*run_args(broken, tmp_path / "runs", "--model", "narrow"))
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "textvqa ('vqa' requests)" in line and "narrow serves only 'recognition'" in line


def test_a_missing_images_folder_exits_2_naming_the_option(
    tmp_path: Path, textvqa: Path
) -> None:
    missing = tmp_path / "no-images"
    result = hb(*run_args(textvqa, tmp_path / "runs", "--model", "null",
                          "--images", f"textvqa={missing}"))
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: --images textvqa={missing}: no such folder"
    result = hb(*run_args(textvqa, tmp_path / "runs", "--model", "null",
                          "--images", f"textvqa={textvqa}"))
    assert result.exit_code == 2
    assert one_error_line(result).endswith(f"--images textvqa={textvqa}: not a folder")
    assert not (tmp_path / "runs").exists()


def test_a_missing_data_path_exits_2_naming_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "TextVQA_0.5.1_val.json"
    result = hb(*run_args(missing, tmp_path / "runs", "--model", "null"))
    assert result.exit_code == 2
    assert one_error_line(result) == f"error: --data textvqa={missing}: no such file or folder"


# ------------------------------------------------------------------ failures are reported

def _corrupt(textvqa: Path, *names: str) -> list[Path]:
    files = []
    for name in names:
        file = textvqa.parent / "train_images" / name
        file.write_bytes(b"not an image")
        files.append(file)
    return files


def _scores(out: Path) -> dict[str, Any]:
    [folder] = [p for p in out.iterdir() if p.is_dir()]
    scores: dict[str, Any] = json.loads((folder / "scores.json").read_text())
    return scores


def test_failed_samples_are_counted_with_their_errors_and_files(
    tmp_path: Path, textvqa: Path
) -> None:
    [bad] = _corrupt(textvqa, "img0001.jpg")
    out = tmp_path / "runs"
    result = hb(*run_args(textvqa, out, "--model", "ocr-qa"))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "1 sample not scored (textvqa: 1 of 4 failed)" in result.stderr
    assert f"textvqa 1001: cannot open image {bad}: not an image" in result.stderr
    assert str(out) in result.stderr
    entry = _scores(out)["tasks"]["textvqa"]
    assert entry["failed"] == 1 and entry["scored"] == 3  # journaled, counted, not scored
    assert "nothing scored" not in result.stdout
    strict = hb(*run_args(textvqa, out, "--model", "ocr-qa", "--strict"))
    assert strict.exit_code == 1
    assert "1 samples failed and 0 could not be scored (--strict)" in strict.stderr


def test_nothing_scored_prints_a_dash_never_zero(tmp_path: Path, textvqa: Path) -> None:
    _corrupt(textvqa, *(f"img{i:04d}.jpg" for i in range(4)))
    out = tmp_path / "runs"
    result = hb(*run_args(textvqa, out, "--model", "ocr-qa"))
    assert result.exit_code == 2, result.output  # a run that scored nothing never exits 0
    assert "error: nothing scored: every sample failed" in result.stderr
    row = next(line for line in result.stdout.splitlines() if "textvqa" in line)
    assert "–" in row and "nothing scored" in row and "0.00" not in row
    assert "0.00" not in result.stdout
    assert "4 samples not scored (textvqa: 4 of 4 failed)" in result.stderr
    assert result.stderr.count("cannot open image") == 4
    entry = _scores(out)["tasks"]["textvqa"]
    assert entry["scored"] == 0 and entry["note"].startswith("nothing scored: 4 failed")


def test_scores_table_shows_a_dash_for_a_task_with_nothing_scored() -> None:
    scores = {"tasks": {
        "docvqa": {"default_protocol": "anls", "scored": 0, "failed": 2, "unsupported": 1,
                   "protocols": {"anls": {"anls": 0.0}, "contains": {"accuracy": 0.0}}},
        "textvqa": {"default_protocol": "vqa", "scored": 3, "failed": 0, "unsupported": 0,
                    "protocols": {"vqa": {"vqa_accuracy": 0.5}}},
    }}
    table = scores_table(scores, "run")
    assert table.row_count == 2
    cells = {c.header: list(c.cells) for c in table.columns}
    assert cells["task"] == ["docvqa", "textvqa"]
    assert cells["protocol"][0] == "anls" and cells["metric"][0] == "anls"
    assert cells["value"] == ["–", "50.00"]
    assert cells["unit"] == ["nothing scored", "%"]


# ------------------------------------------------------------------ image files are named

def test_image_errors_name_the_file(tmp_path: Path) -> None:
    from PIL import Image

    good = tmp_path / "good.png"
    Image.new("RGB", (16, 16), "white").save(good)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:40])
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"garbage")
    cases = [(ImageRef(path=str(tmp_path / "missing.png")), "missing.png: no such file"),
             (ImageRef(path=str(corrupt)), "corrupt.jpg: not an image PIL can read"),
             (ImageRef(path=str(truncated)), "truncated.png: "),
             (ImageRef(data=b"garbage", name="train/x.jpg"), "train/x.jpg: not an image")]
    for ref, expected in cases:
        with pytest.raises(ImageError, match="cannot open image") as caught:
            ref.open()
        assert expected in str(caught.value)
        assert isinstance(caught.value, OSError), "adapters that catch OSError still do"
    assert ImageRef(path=str(good)).open().size == (16, 16)


def test_scores_table_shows_failure_columns_only_when_some_sample_failed() -> None:
    entry = {"scored": 3, "failed": 0, "unsupported": 0, "default_protocol": "exact",
             "protocols": {"exact": {"accuracy": 1.0}}}
    clean = scores_table({"tasks": {"t": entry}}, "run")
    assert [c.header for c in clean.columns][-1] == "scored"
    failing = scores_table({"tasks": {"t": {**entry, "failed": 2}}}, "run")
    assert [c.header for c in failing.columns][-2:] == ["scored", "failed"]
