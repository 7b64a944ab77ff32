"""The text-perception tasks (textrec, grounding, detection, spotting): every annotation format
loads as its reference reads it. Bad records and prompts: tests/test_tasks_perception_errors.py."""

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
from harmonybench.schema import Sample
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

