"""The image-out tasks, loading and requests: options, AnyText-benchmark's files, the prompt
families of each task (the OCR reading, the dataset scores and the editing and MARIO-Eval sets
are in the other ``test_tasks_imageout_*`` modules).

Data is written by :mod:`imagedata` (images that really show the texts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from imagedata import (
    DROP,
    box,
    write_anytext,
)
from imageout_support import (
    where,
)

from harmonybench.errors import DataError, HarmonyBenchError, RegistryError
from harmonybench.registries import READERS, TASKS, get_task
from harmonybench.tasks.anytext import AnyTextT2I
from harmonybench.tasks.anytext_edit import AnyTextEdit
from harmonybench.tasks.anytext_prompts import ANYTEXT_N_PROMPT, anytext_prompt, quote_texts
from harmonybench.tasks.imageout_common import TaskOptionError
from harmonybench.tasks.mario import MarioEval

pytest_plugins = ("imageout_fixtures",)


# ----------------------------------------------------------------------------- registry


def test_registries_name_the_tasks_and_readers() -> None:
    for name, cls in (("anytext-t2i", AnyTextT2I), ("anytext-edit", AnyTextEdit),
                      ("mario-eval", MarioEval)):
        assert TASKS.load(name) is cls
        assert cls.modality == "image" and cls.default_protocol == cls.protocols[0]
    assert AnyTextT2I.kind == "t2i" and AnyTextEdit.kind == "edit" and MarioEval.kind == "t2i"
    assert {"rapidocr", "tesseract"} <= set(READERS.names())
    assert READERS.group == "harmonybench.readers"


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="does not take options"):
        get_task("anytext-t2i", {"colour": "red"})
    with pytest.raises(RegistryError, match="unknown reader 'nope'"):
        get_task("anytext-t2i", {"reader": "nope"})
    with pytest.raises(RegistryError, match="reader 'rapidocr' does not take options"):
        get_task("anytext-t2i", {"reader_colour": "red"})
    with pytest.raises(HarmonyBenchError, match="batch_size='many'"):
        get_task("anytext-t2i", {"reader_batch_size": "many"})
    with pytest.raises(TaskOptionError, match="crop='square'"):
        get_task("anytext-t2i", {"crop": "square"})
    with pytest.raises(TaskOptionError, match="not a folder"):
        get_task("anytext-t2i", {"clip": str(tmp_path / "missing")})
    with pytest.raises(TaskOptionError, match="clip_protocol"):
        get_task("mario-eval", {"clip_protocol": "clipscore-100"})
    with pytest.raises(TaskOptionError, match="mask_dilation"):
        get_task("anytext-edit", {"mask_dilation": "-1"})
    with pytest.raises(TaskOptionError, match="not a file"):
        get_task("anytext-t2i", {"fid_features": str(tmp_path)})
    task = get_task("mario-eval", {"reader": "rapidocr", "reader_batch_size": "4",
                                   "mask_corner": "64", "fid": "OFF"})
    assert isinstance(task, MarioEval)
    assert task.mask_corner == 64 and task.fid == "off"
    assert task.clip_protocols == ("clipscore-textdiffuser",)


# ----------------------------------------------------------------------------- anytext-t2i load


def test_anytext_t2i_loads_test1k(tmp_path: Path) -> None:
    path = write_anytext(tmp_path, [
        {},
        {"caption": "a * star that says harmony"},
        {"annotations": DROP},
        {"annotations": [
            {"polygon": box(10, 10, 300, 60), "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
            {"polygon": box(10, 100, 300, 160), "text": "hidden", "valid": False, "pos": 0},
            {"polygon": [], "text": "nowhere", "valid": True},
            {"polygon": box(10, 200, 300, 260), "text": "Lucky", "language": "Latin"},
        ]},
    ])
    samples = get_task("anytext-t2i").load(path)
    assert [s.id for s in samples] == [f"{1253546 + i:09d}.jpg" for i in range(4)]
    first = samples[0]
    assert first.task == "anytext-t2i"
    assert first.question == "a poster that says winner in big letters"
    assert first.target == {"lines": [{"text": "WINNER", "polygon": box(60, 90, 420, 170),
                                       "valid": True, "pos": 1, "language": "Latin"}]}
    assert first.images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    assert first.images[0].open().size == (512, 512)
    assert first.metadata == {"img_name": "001253546.jpg", "caption": first.question,
                              "subset": "laion_word"}
    assert first.layout is not None and first.layout.to_json() == {
        "texts": ["WINNER"], "polygons": [box(60, 90, 420, 170)], "width": 512, "height": 512,
        "caption": first.question,
        "quoted_caption": 'a poster that says "WINNER" in big letters',
        "edit_text": None, "image_name": "001253546.jpg",
    }
    assert samples[1].question == "a   star that says harmony"  # '*' -> ' ' as load_data
    third, fourth = samples[2].layout, samples[3].layout
    assert samples[2].target == {"lines": []} and third is not None and third.texts == ()
    assert len(samples[3].target["lines"]) == 4  # every annotation is kept in the target
    assert fourth is not None
    assert fourth.texts == ("ABCDEFGHIJKLMNOPQRST", "Lucky")  # the scored lines, cut
    assert fourth.to_json()["polygons"] == [box(10, 10, 300, 60), box(10, 200, 300, 260)]


def test_anytext_t2i_takes_the_folder_and_keeps_the_first_20_lines(tmp_path: Path) -> None:
    lines = [{"polygon": box(10, 10 + 20 * k, 200, 28 + 20 * k), "text": f"w{k}"}
             for k in range(25)]
    path = write_anytext(tmp_path, [{"annotations": lines}], subset="wukong_word")
    sample = get_task("anytext-t2i").load(path.parent)[0]
    assert sample.layout is not None
    assert sample.layout.texts == tuple(f"w{k}" for k in range(20))
    assert sample.metadata["subset"] == "wukong_word"


def test_anytext_t2i_image_root(tmp_path: Path) -> None:
    task = get_task("anytext-t2i")
    # data_root that exists, absolute (the default writer)
    path = write_anytext(tmp_path / "a", 1)
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # data_root relative to the JSON file's folder
    path = write_anytext(tmp_path / "b", 1, data_root="imgs")
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # the authors' stale data_root: imgs/ beside the file
    path = write_anytext(tmp_path / "c", 1, data_root="/data/vdb/yuxiang.tyx/AIGC/data/imgs")
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # the images argument wins; an image that is not there is simply absent
    assert task.load(path, tmp_path / "elsewhere")[0].images == ()
    # the subset option wins over the path
    named = get_task("anytext-t2i", {"subset": "wukong_word"})
    assert named.load(path)[0].metadata["subset"] == "wukong_word"


@pytest.mark.parametrize(("override", "record", "field", "problem"), [
    ({"img_name": 7}, "record 0", "img_name", "expected a string"),
    ({"img_name": " "}, "record 0", "img_name", "empty image name"),
    ({"caption": DROP}, "record 0", "caption", "missing field"),
    ({"annotations": {"a": 1}}, "record 0", "annotations", "expected a list"),
    ({"annotations": ["x"]}, "record 0", "annotations[0]", "expected an object"),
    ({"annotations": [{"text": "A"}]}, "record 0", "annotations[0].polygon", "missing field"),
    ({"annotations": [{"polygon": [[0, 0], [1, 1]], "text": "A"}]}, "record 0",
     "annotations[0].polygon", "at least 3 points"),
    ({"annotations": [{"polygon": [[0, 0], [1, "y"], [2, 2]], "text": "A"}]}, "record 0",
     "annotations[0].polygon", "point 1"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": 3}]}, "record 0",
     "annotations[0].text", "expected a string"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": "A", "valid": "yes"}]},
     "record 0", "annotations[0].valid", "true or false"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": "A", "pos": 9}]}, "record 0",
     "annotations[0].pos", "grid cell"),
])
def test_anytext_errors_name_file_record_and_field(
    tmp_path: Path, override: dict[str, Any], record: str, field: str, problem: str
) -> None:
    path = write_anytext(tmp_path, [override], images=False)
    with pytest.raises(DataError, match=problem) as exc:
        get_task("anytext-t2i").load(path)
    assert where(exc) == (str(path), record, field)


def test_anytext_file_level_errors(tmp_path: Path) -> None:
    task = get_task("anytext-t2i")
    path = write_anytext(tmp_path, [{}, {"img_name": "001253546.jpg"}], images=False)
    with pytest.raises(DataError, match="appears more than once") as exc:
        task.load(path)
    assert where(exc) == (str(path), "record 1", "img_name")
    bad = tmp_path / "list.json"
    bad.write_text(json.dumps([{"img_name": "a.jpg"}]))
    with pytest.raises(DataError, match="data_list") as exc:
        task.load(bad)
    with pytest.raises(DataError, match=r"holds no test1k\.json"):
        task.load(tmp_path)
    with pytest.raises(DataError, match="no such file"):
        task.load(tmp_path / "missing.json")
    bad.write_text(json.dumps({"data_root": 5, "data_list": []}))
    with pytest.raises(DataError, match="folder path") as exc:
        task.load(bad)
    assert exc.value.field == "data_root"


# ----------------------------------------------------------------------------- prompts


def test_quote_texts_rule() -> None:
    assert quote_texts("best of home advisor 2017 winner", ["WINNER"]) == \
        'best of home advisor 2017 "WINNER"'
    # not inside a longer word; the next free occurrence is taken
    assert quote_texts("opener, open late", ["OPEN"]) == 'opener, "OPEN" late'
    # the same text twice takes two occurrences, then is appended
    assert quote_texts("sale sale", ["SALE", "SALE", "SALE"]) == \
        '"SALE" "SALE", with the words "SALE"'
    assert quote_texts("a sign", ["OPEN", "24h"]) == 'a sign, with the words "OPEN", "24h"'
    assert quote_texts("", ["OPEN"]) == '"OPEN"'
    assert quote_texts("2017 winner", ["", " "]) == "2017 winner"
    # punctuation edges and CJK (no word boundaries there)
    assert quote_texts("say hi-5 now", ["hi-5"]) == 'say "hi-5" now'
    assert quote_texts("招牌上写着欢迎光临", ["欢迎光临"]) == '招牌上写着"欢迎光临"'
    # regex characters are literal
    assert quote_texts("price $9.99 (now)", ["$9.99"]) == 'price "$9.99" (now)'


def test_anytext_prompt_matches_get_caption_pos_with_prob_0() -> None:
    assert anytext_prompt("a cake", 0) == "a cake"
    assert anytext_prompt("a cake", 1) == "a cake, content and position of the texts are * ."
    assert anytext_prompt("a cake", 3) == \
        "a cake, content and position of the texts are * , * , * ."


def test_t2i_requests_per_family(anytext_data: Path, t2i: AnyTextT2I) -> None:
    sample = t2i.load(anytext_data)[1]  # two lines: Harmony, Summer
    default = t2i.request(sample, seed=7, index=1)
    assert default.kind == "t2i" and default.images == () and default.mask is None
    assert default.prompt == 'a poster that says "Harmony" in big letters, with the words "Summer"'
    assert default.question == "a poster that says harmony in big letters"
    assert default.template_id == "anytext-t2i/quoted@1"
    assert default.seed == 7 and default.index == 1
    assert dict(default.generation) == {"num_images": 4, "num_inference_steps": 20,
                                        "guidance_scale": 9.0, "height": 512, "width": 512}
    layout = default.layout
    assert layout is not None and layout is sample.layout  # the typed contract, as loaded
    assert layout.texts == ("Harmony", "Summer") and len(layout.polygons) == 2
    assert (layout.canvas, layout.image_name) == ((512, 512), "001253547.jpg")
    assert default.metadata["img_name"] == "001253547.jpg"  # the file's own keys, for reading

    harmony = t2i.request(sample, family="textharmony", seed=7)
    assert harmony.prompt == "Generate an image according to the caption. " + default.prompt
    assert dict(harmony.generation) == {"num_images": 1, "num_inference_steps": 30,
                                        "guidance_scale": 7.5, "height": 512, "width": 512}
    assert harmony.seed == 7

    anytext = t2i.request(sample, family="anytext", seed=7)
    assert anytext.prompt == ("a poster that says harmony in big letters, content and "
                              "position of the texts are * , * .")
    assert anytext.seed == 100  # AnyText seeds every prompt with 100
    assert dict(anytext.generation) == {"num_images": 4, "num_inference_steps": 20,
                                        "guidance_scale": 9.0, "height": 512, "width": 512,
                                        "negative_prompt": ANYTEXT_N_PROMPT}
    assert t2i.request(sample, family="monkey").prompt == default.prompt  # unknown: default
    # overrides (the run's --model-arg settings) win over the family's
    assert t2i.request(sample, generation={"num_images": 1}).generation["num_images"] == 1
    assert len({default.hash(), harmony.hash(), anytext.hash()}) == 3


# ----------------------------------------------------------------------------- extraction

