"""The text-perception tasks' bad input: every bad record is one DataError naming file, record and
field; and their prompts are pinned (snapshots of each family's prompt and settings).
"""


from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import perceptiondata as pdata
import pytest
from PIL import Image

from harmonybench.errors import DataError
from harmonybench.registries import get_task
from harmonybench.schema import ImageRef, Sample


def load(task: str, path: Path, images: Path | None = None, **options: str) -> list[Sample]:
    return get_task(task, options or None).load(path, images)


# ----------------------------------------------------------------------------- errors


def _error(task: str, path: Path, images: Path | None = None) -> DataError:
    with pytest.raises(DataError) as info:
        load(task, path, images)
    return info.value


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _image(tmp_path: Path, name: str = "img.png") -> Path:
    path = tmp_path / name
    Image.new("RGB", (40, 30), "white").save(path)
    return path


@pytest.mark.parametrize(("text", "record", "field", "problem"), [
    ("hello world\n", "line 1", None, "not an annotation line"),
    ("1,2,3,2,3,4,1,4,a\nWORD 1,2,3,2,3,4,1,4\n", "line 2", "coordinates", "not an ICDAR"),
    ("WORD 1,2,3,2,3,4,1,4\n\n1,2,3,2,3,4,1,4,a\n", "line 3", "coordinates", "not a MARIO"),
    ('\ufeff10, 10, 5, 20, "x"\n', "line 1", "coordinates", "xmax < xmin"),
])
def test_region_line_errors(tmp_path: Path, text: str, record: str, field: str | None,
                            problem: str) -> None:
    _image(tmp_path, "img.png")
    err = _error("detection", _write(tmp_path, "gt_img.txt", text))
    assert err.path.endswith("gt_img.txt") and err.record == record and err.field == field
    assert problem in err.problem


def test_region_file_errors(tmp_path: Path) -> None:
    _image(tmp_path)
    bad = tmp_path / "gt_img.txt"
    bad.write_bytes(b"1,2,3,2,3,4,1,4,\xff\n")
    assert "not UTF-8" in _error("detection", bad).problem
    assert "no such file" in _error("detection", tmp_path / "nope.txt").problem
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no annotation files" in _error("grounding", empty).problem
    (tmp_path / "nonimage.png").write_text("not a png")
    _write(tmp_path, "nonimage.txt", "1,2,3,2,3,4,1,4,a\n")
    err = _error("detection", tmp_path / "nonimage.txt")
    assert "cannot read the size of image" in err.problem and err.field == "image"


@pytest.mark.parametrize(("line", "field", "problem"), [
    ("img.png", None, "expected 'image_path<TAB>[...]'"),
    ("img.png\t[{oops", None, "not valid JSON"),
    ('img.png\t{"a": 1}', None, "expected a JSON list"),
    ("img.png\t[1]", "[0]", "expected an object"),
    ('img.png\t[{"points": [[0, 0], [1, 0], [1, 1]]}]', "[0].transcription", "expected a str"),
    ('img.png\t[{"transcription": "a", "points": [[0, 0], [1, 0]]}]', "[0].points",
     "a polygon needs 3 points"),
    ('img.png\t[{"transcription": "a", "points": [[0, 0], [1, "x"], [2, 2]]}]', "[0].points",
     "finite coordinates"),
    ('img.png\t[{"transcription": "a", "points": [0, 0, 1, 0, 1]}]', "[0].points",
     "odd number"),
])
def test_paddle_errors(tmp_path: Path, line: str, field: str | None, problem: str) -> None:
    _image(tmp_path)
    good = 'img.png\t[{"transcription": "ok", "points": [[0, 0], [9, 0], [9, 9]]}]'
    err = _error("detection", _write(tmp_path, "label.txt", f"{good}\n{line}\n"))
    assert err.record == "line 2" and err.field == field and problem in err.problem


@pytest.mark.parametrize(("override", "field", "problem"), [
    ({"image": pdata.DROP}, "image", "missing field"),
    ({"instances": pdata.DROP}, "instances", "missing field"),
    ({"instances": {"a": 1}}, "instances", "expected a list of instances"),
    ({"instances": ["x"]}, "instances[0]", "expected an object"),
    ({"instances": [{"text": "a"}]}, "instances[0]", "needs a 'polygon' or a 'box'"),
    ({"instances": [{"polygon": [0, 0, 1, 0, 1, 1]}]}, "instances[0].transcription",
     "expected a string"),
    ({"instances": [{"text": "a", "box": [0, 0, 1, 1, 2, 2]}]}, "instances[0].box",
     "a box needs 4 numbers"),
    ({"instances": [{"text": "a", "box": [5, 0, 1, 1]}]}, "instances[0].box", "xmax < xmin"),
    ({"instances": [{"text": "a", "polygon": [[0, 0], [1, 1, 1]]}]}, "instances[0].polygon",
     "finite coordinates"),
    ({"instances": [{"text": "a", "box": [0, 0, 1, 1], "ignore": "yes"}]},
     "instances[0].ignore", "expected true or false"),
    ({"width": -3}, "width", "positive number"),
    ({"height": pdata.DROP}, "height", "give both width and height"),
    ({"id": 1.5}, "id", "integer or a non-empty string"),
    ({"image": "missing.png", "width": pdata.DROP, "height": pdata.DROP}, "image",
     "cannot read the size"),
])
def test_region_json_errors(tmp_path: Path, override: dict[str, Any], field: str,
                            problem: str) -> None:
    path = pdata.write_region_json(tmp_path, overrides=[{}, override])
    err = _error("detection", path)
    assert err.record == "record 1" and err.field == field, err
    assert problem in err.problem


def test_duplicate_ids(tmp_path: Path) -> None:
    path = pdata.write_region_json(tmp_path, overrides=[{"id": "same"}, {"id": "same"}])
    err = _error("detection", path)
    assert "duplicate image id 'same'" in err.problem and err.record == "record 1"
    queries = pdata.write_grounding_queries(tmp_path / "q", overrides=[{"id": 3}, {"id": 3}])
    assert "duplicate sample id '3'" in _error("grounding", queries).problem


@pytest.mark.parametrize(("override", "field", "problem"), [
    ({"word": "  "}, "word", "empty word"),
    ({"polygon": [[0, 0], [1, 1]], "word": "a"}, "polygon", "a polygon needs 3 points"),
    ({"polygon": pdata.DROP}, "box", "missing field"),
    ({"image": 5}, "image", "expected a string"),
])
def test_grounding_query_errors(tmp_path: Path, override: dict[str, Any], field: str,
                                problem: str) -> None:
    path = pdata.write_grounding_queries(tmp_path, overrides=[{}, override])
    err = _error("grounding", path)
    assert err.record == "record 1" and err.field == field and problem in err.problem


@pytest.mark.parametrize(("text", "record", "field", "problem"), [
    ("", None, None, "empty file"),
    ("justonetoken\n", "line 1", None, "expected"),
    ("a.png\tword\nb.png word\n", "line 2", None, "not a 'path<TAB>text' line"),
    ('a.png, "word"\nb.png word\n', "line 2", None, "not a 'path, \"text\"' line"),
    ("a.png\t   \n", "line 1", "text", "empty transcription"),
    ('a.png, "###"\n', None, None, "no records"),
])
def test_recognition_list_errors(tmp_path: Path, text: str, record: str | None,
                                 field: str | None, problem: str) -> None:
    err = _error("textrec", _write(tmp_path, "gt.txt", text))
    assert err.record == record and err.field == field and problem in err.problem


def test_recognition_other_errors(tmp_path: Path) -> None:
    assert "a folder" in _error("textrec", tmp_path).problem
    assert "no such file" in _error("textrec", tmp_path / "gt.txt").problem
    (tmp_path / "bad.txt").write_bytes(b"a.png\t\xff\n")
    assert "not UTF-8" in _error("textrec", tmp_path / "bad.txt").problem
    path = pdata.write_rec_json(tmp_path / "j", overrides=[{}, {"text": pdata.DROP}])
    err = _error("textrec", path)
    assert (err.record, err.field) == ("record 1", "text") and "missing field" in err.problem
    path = pdata.write_rec_json(tmp_path / "k", overrides=[{}, {"text": ""}])
    assert "empty transcription" in _error("textrec", path).problem
    path = pdata.write_rec_json(tmp_path / "d", overrides=[{"id": "w1"}])
    assert "duplicate question id 'w1'" in _error("textrec", path).problem
    _write(tmp_path, "obj.json", '{"a": 1}')
    assert "expected a list of records" in _error("textrec", tmp_path / "obj.json").problem
    only_vqa = [{"dataset_name": "textVQA", "id": 1, "image_path": "a.png", "question": "q",
                 "answers": "a", "type": "Scene Text-centric VQA"}]
    _write(tmp_path, "OCRBench.json", json.dumps(only_vqa))
    assert "without any recognition record" in _error("textrec",
                                                      tmp_path / "OCRBench.json").problem


# ----------------------------------------------------------------------------- prompts

# task -> family -> (prompt, template id, template hash, generation)
TEXTHARMONY_GEN = {"min_new_tokens": 1, "num_beams": 5, "do_sample": True, "top_p": 0.9,
                   "temperature": 1.0, "repetition_penalty": 1.3}
GREEDY = {"do_sample": False, "num_beams": 1, "min_new_tokens": 1}
QUESTIONS = {
    "textrec": "what is written in the image?",
    "grounding": 'Where is "EXIT" in this image?',
    "detection": "Locate all the text in this image.",
    "spotting": "Locate and extract all the text in this image.",
}
PROMPTS: dict[str, dict[str, tuple[str, str, str, dict[str, Any]]]] = {
    "textrec": {
        "default": ("what is written in the image?", "textrec/default@1", "bf085a6e12c9",
                    {"max_new_tokens": 32, "do_sample": False}),
        "monkey": (" what is written in the image? Answer: ", "textrec/monkey@1",
                   "aa6bbf2811f9", {**GREEDY, "max_new_tokens": 100}),
        "textmonkey": (" what is written in the image? Answer:", "textrec/textmonkey@1",
                       "364cb0deb826", {**GREEDY, "max_new_tokens": 100}),
        "textharmony": ("what is written in the image?", "textrec/textharmony@1",
                        "bf085a6e12c9", {**TEXTHARMONY_GEN, "max_new_tokens": 30}),
    },
    "grounding": {
        "default": ('Where is "EXIT" in this image?', "grounding/default@1", "8dcb2e6342a2",
                    {"max_new_tokens": 64, "do_sample": False}),
        "monkey": ("<ref>EXIT</ref>", "grounding/monkey@1", "ba0481fb7e86",
                   {**GREEDY, "max_new_tokens": 64}),
        "textmonkey": (" <ref>EXIT</ref>", "grounding/textmonkey@1", "012ac74354fa",
                       {**GREEDY, "max_new_tokens": 64}),
        "textharmony": ('Where is "EXIT" in this image?', "grounding/textharmony@1",
                        "bf085a6e12c9", {**TEXTHARMONY_GEN, "max_new_tokens": 64}),
    },
    "detection": {
        "default": ("Locate all the text in this image.", "detection/default@1",
                    "343cea106224", {"max_new_tokens": 1024, "do_sample": False}),
        "monkey": ("OCR with grounding:", "detection/monkey@1", "b213ed4704c8",
                   {**GREEDY, "max_new_tokens": 2048}),
        "textmonkey": (" OCR with grounding:", "detection/textmonkey@1", "b238bd652a3d",
                       {**GREEDY, "max_new_tokens": 2048}),
        "textharmony": ("Locate all the text in this image.", "detection/textharmony@1",
                        "bf085a6e12c9", {**TEXTHARMONY_GEN, "max_new_tokens": 1024}),
    },
    "spotting": {
        "default": ("Locate and extract all the text in this image.", "spotting/default@1",
                    "f68cba9f9e17", {"max_new_tokens": 1024, "do_sample": False}),
        "monkey": ("OCR with grounding:", "spotting/monkey@1", "b213ed4704c8",
                   {**GREEDY, "max_new_tokens": 2048}),
        "textmonkey": (" OCR with grounding:", "spotting/textmonkey@1", "b238bd652a3d",
                       {**GREEDY, "max_new_tokens": 2048}),
        "textharmony": ("Locate and extract all the text in this image.",
                        "spotting/textharmony@1", "bf085a6e12c9",
                        {**TEXTHARMONY_GEN, "max_new_tokens": 1024}),
    },
}


@pytest.mark.parametrize(("task", "family"), [(t, f) for t in PROMPTS for f in PROMPTS[t]])
def test_prompt_snapshots(task: str, family: str) -> None:
    prompt, template_id, template_hash, generation = PROMPTS[task][family]
    sample = Sample(id="0", task=task, question=QUESTIONS[task],
                    images=(ImageRef(path="/data/a.png"),), target={},
                    metadata={"word": "EXIT", "width": 9, "height": 9})
    request = get_task(task).request(sample, family=family, seed=3, index=0)
    assert request.prompt == prompt
    assert (request.template_id, request.template_hash) == (template_id, template_hash)
    assert dict(request.generation) == generation
    assert request.kind == get_task(task).kind
    assert request.question == QUESTIONS[task]
    assert request.metadata["word"] == "EXIT" and request.seed == 3


def test_loaded_questions_are_textharmony_templates(tmp_path: Path) -> None:
    gts, images = pdata.write_icdar_folder(tmp_path)
    assert load("detection", gts, images)[0].question == QUESTIONS["detection"]
    assert load("spotting", gts, images)[0].question == QUESTIONS["spotting"]
    query = load("grounding", gts, images)[1]
    assert query.question == 'Where is "2024" in this image?'
    request = get_task("grounding").request(query, generation={"max_new_tokens": 8})
    assert request.prompt == query.question and request.generation["max_new_tokens"] == 8
    broken = Sample(id="x", task="grounding", question="?", metadata={})
    with pytest.raises(DataError, match=r"metadata\.word"):
        get_task("grounding").request(broken)
