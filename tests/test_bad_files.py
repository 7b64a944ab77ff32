"""Bad files that used to end in a traceback (issue 12, #9): each exits 2 with one message.

Deeply nested JSON and integers of more than 4300 digits in data, prediction, answer and spec
files (``bench/safeload.py``); a truncated ``model.safetensors`` (``models/weights.py``);
``--limit`` below 1; a pretty-printed JSON object as predictions; the spec's title in every
leaderboard format; a full disk or a read-only folder under ``leaderboard --out``, ``--plot``,
``compare --markdown`` and ``demo`` (``bench/outputs.py``), leaving no temporary file.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from leaderboard_runs import task_entry, write_run
from taskdata import write_docvqa, write_textvqa
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.errors import DataError, HarmonyBenchError
from harmonybench.outputs import OutputWriteError, write_output
from harmonybench.predictions import read_predictions
from harmonybench.registries import get_task
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.safeload import MAX_DEPTH, json_loads, yaml_load

DEEP = "[" * 5000 + "]" * 5000
"""Deeper than Python's parser can go (RecursionError at about 1000)."""
NESTED = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
"""Parses, but deeper than any benchmark file."""
LONG = "7" * 5000
"""An integer Python refuses to convert (more than 4300 digits)."""


def cli(*args: str) -> Any:
    return CliRunner().invoke(build_app(), list(args))


def one_line_error(result: Any, *needles: str, progress: bool = False) -> str:
    """The exit status is 2, stderr is one line naming every needle (after the progress
    lines, with ``progress``), and no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                    SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output and (progress or len(lines) == 1), lines
    err = lines[-1]
    assert err.startswith("error: ") and sum(x.startswith("error") for x in lines) == 1, lines
    for needle in needles:
        assert needle in err, (needle, err)
    return str(err)


# -- the shared loader -------------------------------------------------------------------------


def test_the_loader_names_the_file_and_the_line() -> None:
    with pytest.raises(DataError, match=r"f\.json, line 3: a number of 5000 digits"):
        json_loads('{\n "a": 1,\n "b": ' + LONG + "\n}", "f.json")
    with pytest.raises(DataError, match=r"f\.jsonl, line 9: a number of 5000 digits"):
        json_loads('{"b": -' + LONG + "}", "f.jsonl", record="line 9")
    with pytest.raises(DataError, match=r"f\.json: JSON nested too deeply to parse"):
        json_loads(DEEP, "f.json")
    with pytest.raises(DataError, match=rf"line 2: JSON nested more than {MAX_DEPTH} levels"):
        json_loads('{"a": ' + NESTED + "}", "f.json", record="line 2")
    assert json_loads("[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.json") is not None
    assert json_loads('{"a": 1.' + "5" * 5000 + "}", "f.json")["a"] == pytest.approx(14 / 9)
    with pytest.raises(json.JSONDecodeError):
        json_loads("{", "f.json")  # syntax errors stay the caller's to word
    with pytest.raises(DataError, match=r"s\.yaml, line 2: a number of 5000 digits"):
        yaml_load("title: x\nn: " + LONG + "\n", "s.yaml")
    with pytest.raises(DataError, match="YAML nested too deeply to parse"):
        yaml_load("a: " + DEEP, "s.yaml")
    with pytest.raises(DataError, match="YAML nested more than"):
        yaml_load("a: " + NESTED, "s.yaml")
    with pytest.raises(yaml.YAMLError):
        yaml_load("a: [", "s.yaml")


# -- data, prediction and spec files -------------------------------------------------------------


@pytest.mark.parametrize("payload", [DEEP, NESTED, LONG])
def test_bad_numbers_and_nesting_in_data_files_exit_2(tmp_path: Path, payload: str) -> None:
    data = write_docvqa(tmp_path, 2, images=False)
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace('"questionId": 1000', f'"questionId": {payload}', 1),
                    encoding="utf-8")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"questionId": 1000, "answer": "x"}\n', encoding="utf-8")
    one_line_error(cli("score", "--task", "docvqa", "--data", str(data), "--predictions",
                       str(preds)), data.name)
    lines = tmp_path / "lines.jsonl"  # a JSON Lines data file: the line is named
    lines.write_text('{"question": "q", "answers": ["a"], "image": "x.png"}\n'
                     f'{{"question": "q", "answers": [{payload}], "image": "x.png"}}\n')
    with pytest.raises(DataError, match=r"lines\.jsonl, line 2"):
        get_task("ocrbench").load(lines)


@pytest.mark.parametrize("layout", ["jsonl", "list", "pretty"])
@pytest.mark.parametrize("payload", [DEEP, NESTED, LONG])
def test_bad_numbers_and_nesting_in_prediction_files_exit_2(
    tmp_path: Path, layout: str, payload: str
) -> None:
    data = write_docvqa(tmp_path, 2, images=False)
    bad = f'{{"questionId": 1001, "answer": {payload}}}'
    text = {"jsonl": '{"questionId": 1000, "answer": "x"}\n' + bad + "\n",
            "list": '[{"questionId": 1000, "answer": "x"},\n' + bad + "]",
            "pretty": '{\n  "questionId": 1001,\n  "answer": ' + payload + "\n}\n"}[layout]
    preds = tmp_path / "p.json"
    preds.write_text(text, encoding="utf-8")
    err = one_line_error(cli("score", "--task", "docvqa", "--data", str(data),
                             "--predictions", str(preds)), "p.json")
    if layout == "jsonl":
        assert "line 2" in err


def test_bad_numbers_in_a_perception_label_and_an_answer_log(tmp_path: Path) -> None:
    labels = tmp_path / "Label.txt"
    labels.write_text(f'a.png\t[{{"transcription": "x", "points": [[{LONG}, 0]]}}]\n')
    with pytest.raises(DataError, match=r"Label\.txt, line 1: a number of 5000 digits"):
        get_task("detection").load(labels)
    from harmonybench.models.replay_files import read_replay_file

    logs = tmp_path / "logs.json"
    logs.write_text('{"logs": ' + DEEP + "}")
    with pytest.raises(DataError, match=r"logs\.json: JSON nested too deeply"):
        read_replay_file(logs)


@pytest.mark.parametrize("payload", [DEEP, LONG])
def test_bad_numbers_and_nesting_in_a_spec_exit_2(tmp_path: Path, payload: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"title: t\nmodels:\n  - name: A\n    run: runs/a\n    extra: {payload}\n")
    one_line_error(cli("leaderboard", "--spec", str(spec)), "spec.yaml")


def test_a_bad_demo_manifest_is_one_error(tmp_path: Path) -> None:
    from harmonybench.demo.data import MANIFEST, load_manifest

    (tmp_path / MANIFEST).write_text('{"format_version": ' + LONG + "}")
    with pytest.raises(DataError, match="a number of 5000 digits"):
        load_manifest(tmp_path)


# -- truncated weights -------------------------------------------------------------------------


def truncate(path: Path, keep: int | None = None) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 if keep is None else keep])


@pytest.mark.slow
def test_a_truncated_model_safetensors_is_one_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from tinymodels import build_tiny_llava, build_tiny_lora

    from harmonybench.model import ModelArgError
    from harmonybench.models.hf_vlm import HFVisionLanguageModel

    model = build_tiny_llava(tmp_path / "llava")
    lora = build_tiny_lora(model, tmp_path / "lora")
    truncate(lora / "adapter_model.safetensors")
    with pytest.raises(ModelArgError, match=r"cannot load LoRA adapter\(s\) .*adapter_model"
                                            r"\.safetensors is truncated or corrupt"):
        HFVisionLanguageModel(str(model), device="cpu", lora=str(lora))
    weights = model / "model.safetensors"
    for keep in (None, 5):  # the tensors cut short; the header itself cut short
        truncate(weights, keep)
        with pytest.raises(ModelArgError, match=rf"hf-vlm: cannot load a model from .*: the "
                                                rf"weight file {weights} is truncated or corrupt"):
            HFVisionLanguageModel(str(model), device="cpu")
    result = cli("run", "--model", f"hf-vlm:{model}", "--tasks", "textvqa", "--data",
                 f"textvqa={write_textvqa(tmp_path, 1, images=False)}", "--output",
                 str(tmp_path / "runs"))
    one_line_error(result, "model.safetensors is truncated or corrupt")


def test_broken_weight_file_looks_at_files_and_folders(tmp_path: Path) -> None:
    from harmonybench.models.weights import broken_weight_file, load_errors

    assert broken_weight_file(tmp_path / "missing") is None
    assert broken_weight_file("org/model-on-the-hub") is None
    shard = tmp_path / "sub" / "model-00002-of-00002.safetensors"
    shard.parent.mkdir()
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"w": np.arange(6, dtype=np.float32)}, str(shard))
    assert broken_weight_file(tmp_path) is None
    shard.write_bytes(b"\xff" * 12)
    found = broken_weight_file(tmp_path)
    assert found is not None and found[0] == shard
    assert broken_weight_file(shard) == found
    from safetensors import SafetensorError

    assert SafetensorError in load_errors() and OSError in load_errors()


# -- predictions as one pretty-printed object ------------------------------------------------------


def test_a_pretty_printed_object_is_one_record_or_a_clear_error(tmp_path: Path) -> None:
    data = write_docvqa(tmp_path, 2, images=False)
    samples = get_task("docvqa").load(data)
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"questionId": 1001, "answer": "12"}, indent=2))
    assert dict(read_predictions(one, samples).texts) == {"1001": "12"}
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"1000": "a", "1001": "b"}, indent=2))
    err = one_line_error(cli("score", "--task", "docvqa", "--data", str(data),
                             "--predictions", str(mapping)), "mapping.json",
                         "is one JSON object (keys '1000', '1001')", "JSON Lines")
    assert "not valid JSON" not in err


# -- --limit --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_a_limit_below_one_is_refused(tmp_path: Path, limit: str) -> None:
    data = write_textvqa(tmp_path, 3, images=False)
    result = cli("run", "--model", "null", "--tasks", "textvqa", "--data", f"textvqa={data}",
                 "--limit", limit, "--output", str(tmp_path / "runs"))
    assert result.exit_code == 2 and "--limit" in result.output
    assert not (tmp_path / "runs").exists()
    with pytest.raises(HarmonyBenchError, match=f"--limit {limit}: expected"):
        run(RunConfig(model="null", tasks=[TaskInput("textvqa", data, limit=int(limit))],
                      output=tmp_path / "runs"))


# -- the title in every format -------------------------------------------------------------------

TITLE = "A <b>*bold*</b> | 50% & $x_1$ {#}\n# not a heading \\ ~^"


@pytest.fixture
def titled_spec(tmp_path: Path) -> Path:
    write_run(tmp_path / "runs" / "a", "null", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.5}})})
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"title": TITLE, "models": [
        {"name": "A", "run": "runs/a", "role": "text-specialist"}]}))
    return spec


def test_the_title_is_escaped_in_every_format(titled_spec: Path) -> None:
    def board(fmt: str) -> str:
        result = cli("leaderboard", "--spec", str(titled_spec), "--format", fmt)
        assert result.exit_code == 0, result.output
        return str(result.stdout)

    first = board("md").splitlines()[0]
    assert first == ("# A \\<b\\>\\*bold\\*\\<\\/b\\> \\| 50\\% \\& \\$x\\_1\\$ \\{\\#\\} "
                     "\\# not a heading \\\\ \\~\\^")
    assert "\n# not a heading" not in board("md")
    page = board("html")
    assert "<h1>A &lt;b&gt;*bold*&lt;/b&gt; | 50% &amp; $x_1$ {#}\n# not a heading \\ ~^</h1>" \
        in page and "<b>*bold*</b>" not in page
    latex = board("latex")
    assert latex.startswith("\\section*{A \\textless{}b\\textgreater{}*bold*\\textless{}/b"
                            "\\textgreater{} | 50\\% \\& \\$x\\_1\\$ \\{\\#\\} \\# not a heading "
                            "\\textbackslash{} \\textasciitilde{}\\textasciicircum{}}\n")
    assert json.loads(board("json"))["title"] == TITLE
    rows = list(csv.reader(io.StringIO(board("csv"))))
    assert rows[0][0] == "model" and all(TITLE not in cell for row in rows for cell in row)


# -- disk full and read-only folders -------------------------------------------------------------


def failing_open(number: int) -> Callable[..., Any]:
    """An ``open`` for ``harmonybench.outputs`` whose writes put half the data down, then fail
    with ``number`` (ENOSPC: the disk filled up mid-file)."""

    class Half(io.FileIO):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[: len(data) // 2])
            raise OSError(number, os.strerror(number))

    def fake(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        return Half(path, mode.replace("b", ""))

    return fake


@pytest.mark.parametrize("number,words", [(errno.ENOSPC, "no space left on the device"),
                                          (errno.EROFS, "read-only")])
def test_write_output_fails_in_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, words: str
) -> None:
    target = tmp_path / "out" / "board.md"
    monkeypatch.setattr("harmonybench.outputs.open", failing_open(number), raising=False)
    with pytest.raises(OutputWriteError, match=f"cannot write the board to {target}: .*{words}"):
        write_output(target, "x" * 1000, what="the board")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("number,words", [(errno.ENOSPC, "no space left on the device"),
                                          (errno.EACCES, "permission denied")])
def test_leaderboard_out_and_plot_on_a_failing_disk(
    titled_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, words: str
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    monkeypatch.setattr("harmonybench.outputs.open", failing_open(number), raising=False)
    board = folder / "board.md"
    one_line_error(cli("leaderboard", "--spec", str(titled_spec), "--out", str(board)),
                   f"cannot write the leaderboard to {board}", words)
    plot = folder / "chart.svg"
    one_line_error(cli("leaderboard", "--spec", str(titled_spec), "--plot", str(plot)),
                   f"cannot write the plot to {plot}", words)
    assert list(folder.iterdir()) == []


def test_compare_markdown_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_textvqa(tmp_path, 3, images=False)
    folders = [run(RunConfig(model="null", tasks=[TaskInput("textvqa", data)],
                             output=tmp_path / name)).folder for name in ("a", "b")]
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setattr("harmonybench.outputs.open", failing_open(errno.ENOSPC), raising=False)
    summary = reports / "summary.md"
    one_line_error(cli("compare", str(folders[0]), str(folders[1]), "--resamples", "200",
                       "--markdown", str(summary)),
                   f"cannot write the markdown summary to {summary}", "disk full")
    assert list(reports.iterdir()) == []


@pytest.mark.parametrize("number,words", [(errno.ENOSPC, "disk full"),
                                          (errno.EROFS, "read-only")])
def test_demo_on_a_failing_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int,
                                words: str) -> None:
    def generate(folder: Path, *, quick: bool = False) -> Any:
        raise OSError(number, os.strerror(number), str(folder / "textvqa" / "img0001.png"))

    monkeypatch.setattr("harmonybench.demo.data.generate", generate)
    one_line_error(cli("demo", "--quick", "--output", str(tmp_path / "demo")),
                   "cannot write the demo's files", "img0001.png", words, progress=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_really_read_only_folder(titled_spec: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        one_line_error(cli("leaderboard", "--spec", str(titled_spec), "--out",
                           str(folder / "board.md")), "permission denied")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
