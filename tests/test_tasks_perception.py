"""The text-perception tasks (textrec, grounding, detection, spotting): every annotation format
loads, every bad record is one DataError naming file, record and field, prompts are pinned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import perceptiondata as pdata
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from harmonybench.errors import DataError, RegistryError
from harmonybench.metrics.coords_targets import grounding_target, target_regions
from harmonybench.registries import TASKS, get_task
from harmonybench.schema import ImageRef, Sample
from harmonybench.tasks.perception_text import (
    parse_icdar_line,
    parse_mario_line,
    unquote_transcription,
)
from harmonybench.tasks.textrec import RECOGNITION_TYPES

NAMES = ("textrec", "grounding", "detection", "spotting")


def load(task: str, path: Path, images: Path | None = None, **options: str) -> list[Sample]:
    return get_task(task, options or None).load(path, images)


def words_of(scene: pdata.Scene) -> list[str]:
    return [w.text for w in pdata.scene_words(scene)]


def test_registry_and_task_attributes() -> None:
    kinds = {"textrec": "recognition", "grounding": "grounding", "detection": "detection",
             "spotting": "spotting"}
    for name in NAMES:
        task = TASKS.load(name)()
        assert task.name == name and task.kind == kinds[name]
        assert task.protocols[0] == task.default_protocol
        assert {"default", "monkey", "textmonkey", "textharmony"} <= set(task.prompts)
    assert get_task("grounding").default_protocol == "grounding-acc@0.5-box"
    assert len(get_task("grounding").protocols) == 10
    assert get_task("detection").default_protocol == "detection-icdar-pixel"
    assert get_task("spotting").default_protocol == "spotting-icdar-pixel"
    assert set(get_task("textrec").protocols) == {
        "word-accuracy", "word-accuracy-cased", "word-accuracy-alnum", "ned", "contains"}


# ----------------------------------------------------------------------------- line parsers


def test_icdar_lines_as_the_rrc_reads_them() -> None:
    assert parse_icdar_line("377,117,463,117,465,130,378,130,Genaxis Theatre") == (
        "polygon", ((377, 117), (463, 117), (465, 130), (378, 130)), "Genaxis Theatre")
    assert parse_icdar_line("374,155,409,155,409,170,374,170,###")[2] == "###"  # type: ignore[index]
    # a transcription with commas keeps them (the rest of the line)
    assert parse_icdar_line("1,2,3,2,3,4,1,4,a,b")[2] == "a,b"  # type: ignore[index]
    # ICDAR 2013 test (comma and space) and train (spaces) boxes, quoted
    assert parse_icdar_line('38, 43, 920, 215, "Tiredness"') == (
        "box", ((38, 43), (920, 215)), "Tiredness")
    assert parse_icdar_line('158 128 411 181 "Footpath"') == (
        "box", ((158, 128), (411, 181)), "Footpath")
    # numbers-only transcription, decimals, negative coordinates
    assert parse_icdar_line("-1.5,2,3,2,3,4,1,4,2024") == (
        "polygon", ((-1.5, 2), (3, 2), (3, 4), (1, 4)), "2024")
    assert parse_icdar_line("1,2,3,4,5,6,7,8") == (
        "polygon", ((1, 2), (3, 4), (5, 6), (7, 8)), "")
    # mixed separators are neither layout; a MARIO line is not ICDAR
    assert parse_icdar_line("12 10,20,30,40,50,60,70,80 0.9") is None
    assert parse_icdar_line("hello world") is None


def test_transcription_unquoting_follows_rrc_order() -> None:
    assert unquote_transcription('"say \\"hi\\""') == 'say "hi"'
    assert unquote_transcription('  "a\\\\b"  ') == "a\\b"
    assert unquote_transcription('"x\\\\"') == "x\\"
    assert unquote_transcription("  plain ") == "plain"
    assert unquote_transcription('"') == '"'


def test_mario_lines_as_textharmony_reads_them() -> None:
    assert parse_mario_line("FAMILIA 185,376,186,277,437,283,436,382 0.9923758506774902") == (
        "FAMILIA", ((185, 376), (186, 277), (437, 283), (436, 382)), 0.9923758506774902)
    assert parse_mario_line("town! 387,431,492,396,504,450,399,485") == (
        "town!", ((387, 431), (492, 396), (504, 450), (399, 485)), None)
    assert parse_mario_line("2024 1,2,3,2,3,4,1,4 0.5")[0] == "2024"  # type: ignore[index]
    assert parse_mario_line("odd 1,2,3,4,5,6,7") is None
    assert parse_mario_line("short 1,2,3,4") is None
    assert parse_mario_line("1,2,3,2,3,4,1,4,word") is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
               min_size=1).filter(lambda t: t.strip() == t and t != ""))
def test_quoted_transcriptions_round_trip(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    parsed = parse_icdar_line(f'1, 2, 3, 4, "{escaped}"')
    assert parsed is not None and parsed[2] == text


# ----------------------------------------------------------------------------- detection


def test_icdar_folder_detection(tmp_path: Path) -> None:
    gts, images = pdata.write_icdar_folder(tmp_path, dont_care=True)
    samples = load("detection", gts, images)
    assert [s.id for s in samples] == ["img_0", "img_1"]
    first = samples[0]
    assert first.question == "Locate all the text in this image."
    assert first.images[0].path == str(images / "img_0.png")
    width, height = pdata.SCENES[0].size
    assert first.metadata == {"width": float(width), "height": float(height),
                              "image_id": "img_0", "format": "icdar"}
    regions = target_regions(first, need_texts=True)
    assert list(regions.texts) == [*words_of(pdata.SCENES[0]), "###"]
    assert regions.dont_care == (False,) * 5 + (True,)
    word = pdata.scene_words(pdata.SCENES[0])[0]
    assert first.target is not None
    assert first.target["polygons"][0] == [[float(x), float(y)] for x, y in word.quad()]


def test_icdar13_boxes_and_single_file(tmp_path: Path) -> None:
    path = pdata.write_icdar_file(tmp_path, pdata.SCENES[1], style="ic13", dont_care=True)
    [sample] = load("spotting", path)
    assert sample.id == "0" and sample.images[0].path == str(tmp_path / "img_1.png")
    assert sample.question == "Locate and extract all the text in this image."
    assert sample.target is not None
    assert sample.target["polygons"][0] == list(map(float, pdata.scene_words(
        pdata.SCENES[1])[0].box))
    assert sample.target["texts"] == [*words_of(pdata.SCENES[1]), "###"]
    assert sample.target["ignore"][-1] is True


def test_images_argument_and_gt_folder_without_images(tmp_path: Path) -> None:
    gts, images = pdata.write_icdar_folder(tmp_path)
    with pytest.raises(DataError, match=r"gt_img_0.txt.*no image for this annotation"):
        load("detection", gts)
    (images / "img_0.png").rename(images / "img_0.PNG")  # upper-case suffixes are found
    assert [s.images[0].path for s in load("detection", gts, images)] == [
        str(images / "img_0.PNG"), str(images / "img_1.png")]


def test_mario_folder_skips_captions_and_keeps_confidence(tmp_path: Path) -> None:
    root = pdata.write_mario_folder(tmp_path)
    samples = load("detection", root)
    assert [s.id for s in samples] == ["img_0", "img_1"]
    assert samples[0].images[0].path == str(root / "img_0" / "image.png")
    assert samples[0].metadata["format"] == "mario"
    queries = load("grounding", root)
    assert [q.metadata["word"] for q in queries] == [*words_of(pdata.SCENES[0]),
                                                     *words_of(pdata.SCENES[1])]
    assert queries[0].metadata["confidence"] == pytest.approx(0.990)
    assert queries[0].id == "img_0:0" and queries[-1].id == "img_1:2"


def test_paddle_and_json_forms(tmp_path: Path) -> None:
    label = pdata.write_paddle_label(tmp_path / "paddle")
    samples = load("detection", label)
    assert [s.id for s in samples] == ["0", "1"]
    assert samples[0].images[0].name == "images/img_0.png"
    assert samples[0].metadata["format"] == "paddleocr"
    for jsonl in (False, True):
        path = pdata.write_region_json(tmp_path / f"json{jsonl}", jsonl=jsonl,
                                       overrides=[{"split": "test", "id": pdata.DROP}])
        got = load("spotting", path)
        assert [s.id for s in got] == ["0", "img_1"]
        assert got[0].metadata["split"] == "test"
        assert got[1].metadata["width"] == pdata.SCENES[1].size[0]


def test_paddle_star_is_dont_care(tmp_path: Path) -> None:
    Image.new("RGB", (50, 40), "white").save(tmp_path / "a.png")
    items = [{"transcription": "*", "points": [[0, 0], [9, 0], [9, 9], [0, 9]]},
             {"transcription": "ok", "points": [0, 0, 20, 10]}]
    (tmp_path / "label.txt").write_text(f"a.png\t{json.dumps(items)}\n")
    [sample] = load("detection", tmp_path / "label.txt")
    assert sample.target is not None
    assert sample.target["ignore"] == [True, False]
    assert sample.target["polygons"][1] == [0, 0, 20, 10]  # four flat numbers: a box
    assert sample.metadata["width"] == 50.0


def test_image_without_regions_is_a_sample(tmp_path: Path) -> None:
    Image.new("RGB", (30, 20), "white").save(tmp_path / "empty.png")
    (tmp_path / "gt_empty.txt").write_text("")
    [sample] = load("detection", tmp_path / "gt_empty.txt")
    assert sample.target == {"polygons": [], "texts": [], "ignore": []}


# ----------------------------------------------------------------------------- grounding


def test_grounding_queries_from_one_file(tmp_path: Path) -> None:
    path = pdata.write_mario_file(tmp_path)
    samples = load("grounding", path)
    words = pdata.scene_words(pdata.SCENES[0])
    assert [s.id for s in samples] == [str(i) for i in range(len(words))]
    first = samples[0]
    assert first.question == 'Where is "Invoice" in this image?'
    assert first.answers == ()
    assert grounding_target(first).polygon().tolist() == [[float(x), float(y)]
                                                          for x, y in words[0].quad()]
    assert first.metadata["word"] == "Invoice"
    assert first.metadata["width"] == float(pdata.SCENES[0].size[0])
    assert first.metadata["occurrences"] == 1 and first.metadata["instance"] == 0


@pytest.mark.parametrize(("duplicates", "expected"), [
    ("skip", [("1", "here")]),
    ("first", [("0", "EXIT"), ("1", "here")]),
    ("all", [("0", "EXIT"), ("1", "here"), ("2", "EXIT")]),
])
def test_grounding_duplicates_option(tmp_path: Path, duplicates: str,
                                     expected: list[tuple[str, str]]) -> None:
    path = pdata.write_icdar_file(tmp_path, pdata.REPEATED, dont_care=True)
    samples = load("grounding", path, duplicates=duplicates)
    assert [(s.id, s.metadata["word"]) for s in samples] == expected
    assert all(s.metadata["occurrences"] == (2 if s.metadata["word"] == "EXIT" else 1)
               for s in samples)


def test_grounding_bad_option_and_nothing_to_query(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="duplicates=some"):
        get_task("grounding", {"duplicates": "some"})
    with pytest.raises(RegistryError, match="does not take options"):
        get_task("grounding", {"dups": "all"})
    rep = pdata.Scene("img_two", (200, 60), (("EXIT EXIT", 10, 10),))
    with pytest.raises(DataError, match="no text instance to query"):
        load("grounding", pdata.write_icdar_file(tmp_path, rep))


def test_grounding_query_records(tmp_path: Path) -> None:
    path = pdata.write_grounding_queries(tmp_path, overrides=[
        {"id": 7, "width": 960, "height": 320, "lang": "en"},
        {"word": pdata.DROP, "text": "2024", "polygon": pdata.DROP, "box": [1, 2, 30, 40]},
    ])
    samples = load("grounding", path)
    assert [s.id for s in samples][:3] == ["7", "1", "2"]
    assert samples[0].metadata["width"] == 960 and samples[0].metadata["lang"] == "en"
    assert samples[1].target == {"box": [1.0, 2.0, 30.0, 40.0]}
    assert samples[1].question == 'Where is "2024" in this image?'
    assert samples[2].metadata["width"] == pdata.SCENES[0].size[0]  # read from the image


def test_grounding_from_image_records(tmp_path: Path) -> None:
    path = pdata.write_region_json(tmp_path, overrides=[{}, {"instances": [
        {"text": "###", "box": [0, 0, 5, 5]}, {"text": "", "box": [0, 0, 5, 5]},
        {"text": "skip", "box": [0, 0, 5, 5], "ignore": True},
        {"transcription": "OPEN", "polygon": [1, 1, 9, 1, 9, 9]},
    ]}])
    samples = load("grounding", path)
    assert [s.id for s in samples][-1] == "img_1:3"
    assert samples[-1].target == {"polygon": [[1.0, 1.0], [9.0, 1.0], [9.0, 9.0]]}


# ----------------------------------------------------------------------------- recognition


@pytest.mark.parametrize("layout", ["tab", "icdar", "space"])
def test_recognition_lists(tmp_path: Path, layout: Any) -> None:
    path = pdata.write_rec_list(tmp_path, layout=layout)
    samples = load("textrec", path)
    assert [s.id for s in samples] == [str(i) for i in range(len(pdata.WORDS))]
    assert [s.answers for s in samples] == [(w,) for w in pdata.WORDS]
    assert samples[0].images[0].path == str(tmp_path / "crops" / "word_1.png")
    assert samples[0].question == "what is written in the image?"
    assert samples[0].metadata == {"image": "crops/word_1.png"}
    other = tmp_path / "elsewhere"
    assert load("textrec", path, other)[0].images[0].path == str(other / "crops/word_1.png")


def test_recognition_list_details(tmp_path: Path) -> None:
    (tmp_path / "gt.txt").write_text(
        'word_1.png, "Genaxis Theatre"\nword_2.png, "###"\n\nword_3.png, "say \\"hi\\""\n'
        'word_4.png, "a, b"\n')
    samples = load("textrec", tmp_path / "gt.txt")
    assert [(s.id, s.answers[0]) for s in samples] == [
        ("0", "Genaxis Theatre"), ("2", 'say "hi"'), ("3", "a, b")]
    (tmp_path / "tab.txt").write_text("a.png\tNew York\nb.png\t2024 \n")
    assert [s.answers for s in load("textrec", tmp_path / "tab.txt")] == [
        ("New York",), ("2024 ",)]
    (tmp_path / "space.txt").write_text("train/1009_2.png You\ntrain/1017_1.png Rescue me\n")
    assert [s.answers for s in load("textrec", tmp_path / "space.txt")] == [
        ("You",), ("Rescue me",)]


def test_recognition_json_and_ocrbench(tmp_path: Path) -> None:
    path = pdata.write_rec_json(tmp_path / "j", jsonl=True, overrides=[
        {"id": pdata.DROP, "question": "what is the number in the image?", "lexicon": "x"},
        {"text": pdata.DROP, "label": ["hello", "HELLO"]},
    ])
    samples = load("textrec", path)
    assert [s.id for s in samples][:3] == ["0", "w1", "w2"]
    assert samples[0].question == "what is the number in the image?"
    assert samples[0].metadata["lexicon"] == "x"
    assert samples[1].answers == ("hello", "HELLO")
    bench = pdata.write_ocrbench_rec(tmp_path / "ob")
    got = load("textrec", bench)
    assert [s.id for s in got] == ["0", "2", "4"]  # positions in the full file
    assert [s.metadata["type"] for s in got] == [pdata.OCRBENCH_ITEMS[i][0] for i in (0, 2, 4)]
    assert all(s.metadata["type"] in RECOGNITION_TYPES for s in got)
    assert got[1].question == "what is the number in the image?"
    assert got[2].answers == ("hello", "HELLO") and got[0].metadata["id"] == 100
    assert got[0].images[0].path == str(tmp_path / "ob" / "OCRBench_Images" / "IIIT5K/0.png")
    # the same ids as the ocrbench task gives these records
    ocrbench = get_task("ocrbench").load(bench)
    assert {s.id: s.answers for s in ocrbench if s.id in {"0", "2", "4"}} == {
        s.id: s.answers for s in got}


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
