"""The 2023 MultimodalOCR study's real answer files (``../shared/real``) reproduce its
``result.json`` through ``harmonybench score`` and ``replay``.

Every one of the 30 answer files, under ``mmocr-2023`` (``result.json``) and, for MiniGPT4's
ct80 and svt, ``mmocr-2023-space`` (``result1.json``), gives the published value exactly;
OpenFlamingo's ``result.json`` prints ct80 and svt to 9 decimals, so there the value rounded to
9 decimals is equal. Source: Yuliang-Liu/MultimodalOCR ``answer_save/`` at e22b12b169ad.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from realdata import ANSWER_SAVE, first_json_object, real
from typer.testing import CliRunner

from harmonybench.cli import build_app

MODELS = ("LLaVA", "MiniGPT4", "OpenFlamingo", "T5", "mPLUG", "opt", "opt/opt_hugging")
FILES = {
    "LLaVA": ("FUNSD", "IAM", "STVQA", "ct80", "docVQA", "ocrVQA", "svt", "textVQA"),
    "MiniGPT4": ("FUNSD", "ct80", "svt"),
    "OpenFlamingo": ("FUNSD", "ct80", "svt"),
    "T5": ("FUNSD", "ct80", "svt"),
    "mPLUG": ("FUNSD", "HME", "STVQA", "ct80", "docVQA", "ocrVQA", "svt", "textVQA"),
    "opt": ("FUNSD", "ct80", "svt"),
    "opt/opt_hugging": ("ct80", "svt"),
}
CASES = [(m, d, "mmocr-2023", "result.json") for m in MODELS for d in FILES[m]] + [
    ("MiniGPT4", d, "mmocr-2023-space", "result1.json") for d in ("ct80", "svt")]
runner = CliRunner()


def score(*args: str) -> dict[str, Any]:
    result = runner.invoke(build_app(), ["score", "--task", "mmocr-2023", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def published(model: str, result_file: str, dataset: str) -> float:
    value = first_json_object(real(ANSWER_SAVE / model / result_file))[dataset]
    assert isinstance(value, float)
    return value


def test_thirty_answer_files() -> None:
    assert sum(len(files) for files in FILES.values()) == 30


@pytest.mark.parametrize(("model", "dataset", "protocol", "result_file"), CASES,
                         ids=[f"{m}/{d}:{p}" for m, d, p, _ in CASES])
def test_each_file_reproduces_result_json(model: str, dataset: str, protocol: str,
                                          result_file: str) -> None:
    file = str(real(ANSWER_SAVE / model / f"{dataset}.json"))
    expected = published(model, result_file, dataset)
    got = score("--data", file, "--predictions", file, "--protocol", protocol)
    value = got["scores"][protocol][dataset]
    assert got["missing"] == 0
    assert got["scores"][protocol]["accuracy"] == value
    if model == "OpenFlamingo" and dataset in ("ct80", "svt"):
        assert round(value, 9) == expected, "OpenFlamingo's result.json prints 9 decimals"
    else:
        assert value == expected
    without = score("--data", file, "--protocol", protocol)
    assert without["scores"] == got["scores"], "the file is its own predictions"


def test_readme_counts_of_a_few_files() -> None:
    counts = {("LLaVA", "textVQA"): (1443, 5000), ("mPLUG", "HME"): (9, 5000),
              ("LLaVA", "docVQA"): (240, 5349), ("opt/opt_hugging", "ct80"): (219, 288)}
    for (model, dataset), (correct, total) in counts.items():
        got = score("--data", str(real(ANSWER_SAVE / model / f"{dataset}.json")))
        assert got["scores"]["mmocr-2023"]["datasets"][dataset] == {"correct": correct,
                                                                    "total": total}


def test_a_model_folder_scores_every_dataset_in_it() -> None:
    folder = real(ANSWER_SAVE / "opt")
    got = score("--data", str(folder))
    scores = got["scores"]["mmocr-2023"]
    assert got["n"] == 288 + 647 + 588, "opt_hugging/ is a sub-folder and is not read"
    assert list(scores["datasets"]) == ["FUNSD", "svt", "ct80"]
    for dataset in FILES["opt"]:
        assert scores[dataset] == published("opt", "result.json", dataset)


def test_minigpt4_result_json_holds_two_objects_and_the_second_is_result1() -> None:
    path = real(ANSWER_SAVE / "MiniGPT4" / "result.json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(path.read_text())
    decoder = json.JSONDecoder()
    text = path.read_text().strip()
    first, end = decoder.raw_decode(text)
    second, _ = decoder.raw_decode(text[end:].lstrip())
    assert first["ct80"] == 0.4965277777777778
    assert second == json.loads((ANSWER_SAVE / "MiniGPT4" / "result1.json").read_text())


def test_replay_of_a_model_folder_equals_its_score(tmp_path: Path) -> None:
    folder = str(real(ANSWER_SAVE / "T5"))
    result = runner.invoke(build_app(), [
        "run", "--model", f"replay:{folder}", "--tasks", "mmocr-2023",
        "--data", f"mmocr-2023={folder}", "--output", str(tmp_path / "runs"), "--no-progress"])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs").iterdir()
    entry = json.loads((run / "scores.json").read_text())["tasks"]["mmocr-2023"]
    assert (entry["scored"], entry["failed"]) == (288 + 647 + 588, 0)
    for dataset in FILES["T5"]:
        assert entry["protocols"]["mmocr-2023"][dataset] == published("T5", "result.json",
                                                                       dataset)
    spec = json.loads((run / "run.json").read_text())["model"]
    assert spec["format"] == "mmocr-2023" and spec["match"] == "id"
