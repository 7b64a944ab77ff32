"""TextVQA prompt settings: the pure question and LLaVA-1.5's ``Reference OCR token:`` prompt.

The OCR-token form is checked against the prompts of LLaVA-1.5's real answers file
(``../shared/real/llava15-13b-textvqa``, haotian-liu/LLaVA at 32cebc3): every one of its 5000
prompts is rebuilt from its question and its tokens.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from realdata import LLAVA_ANSWERS, real
from taskdata import write_textvqa, write_textvqa_hub

from harmonybench.errors import DataError, RegistryError
from harmonybench.registries import get_task
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.schema import Sample
from harmonybench.tasks.textvqa import OCR_TOKENS_TEMPLATE, TextVQA

SUFFIX = "\nAnswer the question using a single word or phrase."


def test_default_setting_is_the_pure_question(tmp_path: Path) -> None:
    task = get_task("textvqa")
    assert task.prompt_setting() == "question"
    sample = task.load(write_textvqa_hub(tmp_path, 1))[0]
    request = task.request(sample)
    assert request.prompt == "Question 0?" + SUFFIX
    assert "Reference OCR token" not in request.prompt
    assert request.template_id == "textvqa/default@1"


def test_ocr_tokens_from_the_hub_parquet(tmp_path: Path) -> None:
    task = get_task("textvqa", {"prompt": "ocr-tokens"})
    sample = task.load(write_textvqa_hub(tmp_path, 2))[1]
    for family in ("default", "monkey", "textharmony"):
        request = task.request(sample, family)
        assert request.prompt == "Question 1?\nReference OCR token: answer 1, x" + SUFFIX
        assert request.template_id == "textvqa/ocr-tokens@1"
        assert request.template_hash == OCR_TOKENS_TEMPLATE.hash
    assert task.prompt_setting() == "ocr-tokens"
    assert task.generation_for("monkey")["max_new_tokens"] == 10


def test_official_file_needs_the_rosetta_file(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path, 2)
    with pytest.raises(DataError) as err:
        get_task("textvqa", {"prompt": "ocr-tokens"}).load(data)
    assert "ocr_file" in str(err.value) and "question 1000" in str(err.value)
    assert err.value.field == "ocr_tokens"


def _rosetta(path: Path, entries: dict[str, list[str]]) -> Path:
    data = [{"image_id": k, "ocr_tokens": v, "ocr_info": [], "set_name": "val"}
            for k, v in entries.items()]
    path.write_text(json.dumps({"dataset_type": "val", "dataset_name": "textvqa",
                                "data": data}), encoding="utf-8")
    return path


def test_official_file_with_rosetta_tokens(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path, 2)
    ocr = _rosetta(tmp_path / "TextVQA_Rosetta_OCR_v0.2_val.json",
                   {"img0000": ["COCA", "Cola"], "img0001": []})
    task = get_task("textvqa", {"prompt": "ocr-tokens", "ocr_file": str(ocr)})
    first, second = task.load(data)
    assert task.request(first).prompt == "Question 0?\nReference OCR token: COCA, Cola" + SUFFIX
    # an image without tokens keeps the label and its space, as LLaVA's file does
    assert task.request(second).prompt == "Question 1?\nReference OCR token: " + SUFFIX


def test_rosetta_file_missing_an_image(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path, 2)
    ocr = _rosetta(tmp_path / "ocr.json", {"img0000": ["A"]})
    with pytest.raises(DataError) as err:
        get_task("textvqa", {"prompt": "ocr-tokens", "ocr_file": str(ocr)}).load(data)
    assert "img0001" in str(err.value) and "ocr.json" in str(err.value)


def test_rosetta_record_without_tokens(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path, 1)
    ocr = tmp_path / "ocr.json"
    ocr.write_text(json.dumps({"data": [{"image_id": "img0000"}]}), encoding="utf-8")
    with pytest.raises(DataError) as err:
        get_task("textvqa", {"prompt": "ocr-tokens", "ocr_file": str(ocr)}).load(data)
    assert err.value.field == "ocr_tokens"


@pytest.mark.parametrize("options", [{"prompt": "ocr"}, {"ocr_file": "x.json"}])
def test_bad_options(options: dict[str, str]) -> None:
    with pytest.raises(RegistryError):
        get_task("textvqa", options)


def test_llava_prompts_are_rebuilt_exactly() -> None:
    task = TextVQA(prompt="ocr-tokens")
    lines = real(LLAVA_ANSWERS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5000
    label = "\nReference OCR token: "
    for line in lines:
        prompt = json.loads(line)["prompt"]
        question, rest = prompt.split(label)
        listed = rest.removesuffix(SUFFIX)
        tokens = listed.split(", ") if listed else []
        # TextVQA's questions are lower case; the template capitalises them
        sample = Sample(id="q", task="textvqa", question=question.lower(),
                        metadata={"ocr_tokens": tokens})
        assert task.request(sample).prompt == prompt


def test_run_json_records_the_setting(tmp_path: Path) -> None:
    data = write_textvqa_hub(tmp_path / "hub", 2)
    runs = {}
    for setting in ("question", "ocr-tokens"):
        result = run(RunConfig(model="null", tasks=[TaskInput("textvqa", data,
                                                              options={"prompt": setting})],
                               output=tmp_path / "runs", progress=False))
        spec = json.loads((result.folder / "run.json").read_text("utf-8"))["tasks"][0]
        runs[setting] = result.run_id
        assert spec["prompt_setting"] == setting
        assert spec["options"] == {"prompt": setting}
    assert runs["question"] != runs["ocr-tokens"]
