"""LLaVA-1.5-13B's real TextVQA answers (``../shared/real``, LLaVA's ``eval.zip`` file, on
GitHub in haotian-liu/LLaVA PR #1199 at 32cebc380944) score 0.61254 under ``vqa``.

LLaVA's ``eval_textvqa.py`` joins each answer line to its annotation by (image id, lowercased
question = the prompt's first line); ``score`` and ``replay`` do the same. The ground truth is
TextVQA val rebuilt from the 2023 study's ``LLaVA/textVQA.json`` (its 5000 questions, 10 answers
each), written in the official layout (:func:`realdata.textvqa_gt_from_2023`). The exact value
is 0.6125400000000022 (61.254%, the published 61.3).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from realdata import LLAVA_ANSWERS, real, textvqa_gt_from_2023
from typer.testing import CliRunner

from harmonybench.answer_files import llava_question
from harmonybench.cli import build_app
from harmonybench.errors import DataError
from harmonybench.predictions import read_predictions
from harmonybench.schema import Sample

runner = CliRunner()
EXPECTED = 0.6125400000000022


@pytest.fixture(scope="module")
def gt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    real(LLAVA_ANSWERS)
    return textvqa_gt_from_2023(tmp_path_factory.mktemp("gt") / "TextVQA_0.5.1_val.json")


def score(*args: str) -> dict[str, Any]:
    result = runner.invoke(build_app(), ["score", "--task", "textvqa", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_score_gives_61_254(gt: Path) -> None:
    got = score("--data", str(gt), "--predictions", str(LLAVA_ANSWERS))
    assert (got["n"], got["missing"]) == (5000, 0)
    value = got["scores"]["vqa"]["vqa_accuracy"]
    assert value == pytest.approx(EXPECTED, abs=1e-12)
    assert round(100 * value, 3) == 61.254 and round(100 * value, 1) == 61.3


def test_replay_gives_the_same(gt: Path, tmp_path: Path) -> None:
    result = runner.invoke(build_app(), [
        "run", "--model", f"replay:{LLAVA_ANSWERS}", "--tasks", "textvqa",
        "--data", f"textvqa={gt}", "--output", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output
    (run,) = tmp_path.iterdir()
    entry = json.loads((run / "scores.json").read_text())["tasks"]["textvqa"]
    assert (entry["scored"], entry["failed"]) == (5000, 0)
    assert entry["protocols"]["vqa"]["vqa_accuracy"] == pytest.approx(EXPECTED, abs=1e-12)
    model = json.loads((run / "run.json").read_text())["model"]
    assert (model["format"], model["match"]) == ("llava", "question")


def test_llava_question_reads_the_prompt_as_eval_textvqa_does() -> None:
    assert llava_question("What Is It?\nReference OCR token: A, B\nAnswer the question using "
                          "a single word or phrase.") == "what is it?"
    assert llava_question("Reference OCR token: A\nWhat?\nAnswer briefly.") == "what?"
    assert llava_question("Why?\nAnswer briefly.") == "why?"
    assert llava_question("OCR tokens: a b Question: Who Is He? Short answer:") == "who is he?"
    assert llava_question("just one line") is None
    assert llava_question("a\nb\nc") is None, "three lines need the OCR-token marker"


def _samples() -> list[Sample]:
    return [Sample(id=str(i), task="textvqa", question=q, answers=("x",) * 10,
                   metadata={"image_id": img})
            for i, (img, q) in enumerate([("img1", "what is it?"), ("img1", "who?")])]


def _line(image: str, question: str, text: str = "x") -> str:
    return json.dumps({"question_id": image, "prompt": f"{question}\nAnswer briefly.",
                       "text": text, "answer_id": "a", "model_id": "m", "metadata": {}}) + "\n"


def test_join_is_by_image_and_lowercased_question(tmp_path: Path) -> None:
    file = tmp_path / "a.jsonl"
    file.write_text(_line("img1", "Who?", "him") + _line("img1", "WHAT is it?", "a cat"))
    preds = read_predictions(file, _samples())
    assert preds.style == "llava" and dict(preds.texts) == {"0": "a cat", "1": "him"}


@pytest.mark.parametrize(("lines", "message"), [
    (_line("img2", "who?"), "line 1, field 'prompt': image 'img2' question 'who?' is not in"),
    (_line("img1", "who?") + _line("img1", "Who?"), "line 2, field 'prompt': answers image"),
    (_line("img1", "one line only").replace("\\nAnswer briefly.", ""), "line 1, field 'prompt'"),
])
def test_bad_lines_name_the_line_and_field(tmp_path: Path, lines: str, message: str) -> None:
    file = tmp_path / "a.jsonl"
    file.write_text(lines)
    with pytest.raises(DataError, match=re.escape(message)):
        read_predictions(file, _samples())


def test_samples_without_image_id_cannot_be_joined(tmp_path: Path) -> None:
    file = tmp_path / "a.jsonl"
    file.write_text(_line("img1", "who?"))
    bare = [Sample(id="0", task="textvqa", question="who?", answers=("x",))]
    with pytest.raises(DataError, match="sample 0 has no image_id"):
        read_predictions(file, bare)
