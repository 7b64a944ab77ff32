"""The image-out tasks ``anytext-edit`` and ``mario-eval``: loading, built inputs and masks,
requests, errors.

Data is written by :mod:`imagedata`.
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from imagedata import (
    box,
    write_mario,
    write_textharmony_edit,
)
from imageout_support import (
    where,
)
from PIL import Image

from harmonybench.errors import DataError
from harmonybench.registries import get_task
from harmonybench.tasks.mario import find_subsets, stacked_layout

pytest_plugins = ("imageout_fixtures",)


# ----------------------------------------------------------------------------- anytext-edit


def test_edit_builds_inputs_and_masks_into_the_cache(tmp_path: Path, cache: Path) -> None:
    path = write_textharmony_edit(tmp_path / "set", 2)
    task = get_task("anytext-edit")
    samples = task.load(path)
    assert [s.id for s in samples] == ["001253546.jpg", "001253548.jpg"]
    sample = samples[0]
    meta = sample.metadata
    assert meta["masked_input"] == "built from GT polygon"
    assert sample.layout is not None and sample.layout.texts == ("WINNER",)
    assert meta["text"] == sample.layout.edit_text == "WINNER"
    assert meta["instruction"] == 'Fill the masked part in this image with "WINNER".'
    assert meta["gt_image"] == str(path.parent / "imgs" / "001253546.jpg")
    assert (sample.layout.canvas, meta["mask_dilation"]) == ((512, 512), 4)
    built = Path(sample.images[0].path or "")
    assert built.parent.parent == cache / "harmonybench" / "anytext-edit"
    mask = np.asarray(Image.open(meta["mask"]).convert("L"))
    assert mask.shape == (512, 512) and set(np.unique(mask)) == {0, 255}
    # the polygon box(60, 90, 420, 170), dilated by 4 px
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (56, 424, 86, 174)
    masked = np.asarray(Image.open(built).convert("RGB")).astype(int)
    gt = np.asarray(Image.open(meta["gt_image"]).convert("RGB")).astype(int)
    assert (masked[mask > 0] == 128).all()
    assert (masked[mask == 0] == gt[mask == 0]).all()
    # a second load reuses the files
    stamp = built.stat().st_mtime_ns
    assert task.load(path)[0].images[0].path == str(built)
    assert built.stat().st_mtime_ns == stamp


def test_edit_request_follows_the_contract(tmp_path: Path, cache: Path) -> None:
    task = get_task("anytext-edit", {"masked_dir": str(tmp_path / "built"),
                                     "mask_dilation": "0"})
    sample = task.load(write_textharmony_edit(tmp_path / "set", 1))[0]
    assert sample.metadata["mask"].startswith(str(tmp_path / "built"))
    request = task.request(sample, seed=3)
    assert request.kind == "edit"
    assert request.prompt == 'Fill the masked part in this image with "WINNER".'
    assert request.template_id == "textharmony/edit@f98ac34"
    assert request.images == sample.images and request.mask is not None
    assert request.mask.path == sample.metadata["mask"]
    assert request.layout is sample.layout and "gt_image" not in request.metadata
    assert request.layout is not None and request.layout.edit_text == "WINNER"
    assert dict(request.generation) == {"num_images": 1, "num_inference_steps": 30,
                                        "guidance_scale": 7.5, "height": 512, "width": 512}
    anytext = task.request(sample, family="anytext")
    assert anytext.prompt == ("a poster that says winner in big letters, content and position "
                              "of the texts are * .")
    assert anytext.seed == 100 and anytext.generation["num_images"] == 4
    mask = np.asarray(Image.open(sample.metadata["mask"]).convert("L"))
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (60, 420, 90, 170)


def test_edit_uses_the_released_masked_inputs(tmp_path: Path, cache: Path) -> None:
    path = write_textharmony_edit(tmp_path, 2, masked=True)
    samples = get_task("anytext-edit").load(path)
    assert samples[1].metadata["masked_input"] == "edit_annt.json"
    assert samples[1].images[0].path == str(tmp_path / "edit_images" / "001253548_mask.jpg")
    assert Path(samples[1].metadata["mask"]).is_file()
    # without the ground-truth images the masked inputs are enough (no FID reference then)
    shutil.rmtree(tmp_path / "imgs")
    again = get_task("anytext-edit").load(path)
    assert "gt_image" not in again[0].metadata
    assert again[0].layout is not None and again[0].layout.canvas == (512, 512)


def test_edit_without_edit_annt_and_its_errors(tmp_path: Path, cache: Path) -> None:
    task = get_task("anytext-edit")
    path = write_textharmony_edit(tmp_path / "a", 1, annt=False)
    assert task.load(path.parent)[0].metadata["masked_input"] == "built from GT polygon"

    path = write_textharmony_edit(tmp_path / "b", 2, instructions=[None, "Fill it."])
    with pytest.raises(DataError, match="does not match") as exc:
        task.load(path)
    assert where(exc) == (str(path.with_name("edit_annt.json")), "record 1", "sentences")

    path = write_textharmony_edit(tmp_path / "c", 2)
    annt = path.with_name("edit_annt.json")
    annt.write_text(json.dumps(json.loads(annt.read_text())[:1]))
    with pytest.raises(DataError, match=r"has 1 records, edit_gt\.json has 2"):
        task.load(path)

    path = write_textharmony_edit(tmp_path / "d", [{"annotations": [
        {"polygon": box(0, 0, 50, 20), "text": "A"}, {"polygon": box(0, 30, 50, 50), "text": "B"}
    ]}], annt=False)
    with pytest.raises(DataError, match="exactly one scored line") as exc:
        task.load(path)
    assert where(exc) == (str(path), "record 0", "annotations")

    path = write_textharmony_edit(tmp_path / "e", 1, images=False)
    with pytest.raises(DataError, match=r"ground-truth image .* is missing") as exc:
        task.load(path)
    assert exc.value.field == "img_name"

    other = write_textharmony_edit(tmp_path / "f", 1)
    moved = tmp_path / "instructions.json"
    other.with_name("edit_annt.json").rename(moved)
    named = get_task("anytext-edit", {"instructions": str(moved)})
    assert named.load(other)[0].metadata["instruction"].endswith('"WINNER".')


# ----------------------------------------------------------------------------- mario-eval


def test_mario_layouts(tmp_path: Path) -> None:
    root = write_mario(tmp_path)
    task = get_task("mario-eval")
    every = task.load(tmp_path)  # the folder holding MARIOEval
    assert [s.id for s in every] == ["LAIONEval4000/0", "LAIONEval4000/1", "LAIONEval4000/2",
                                     "DrawBenchText/0", "DrawBenchText/1"]
    assert [s.id for s in task.load(root)] == [s.id for s in every]
    one = task.load(root / "DrawBenchText")
    assert [s.id for s in one] == ["DrawBenchText/0", "DrawBenchText/1"]
    assert [s.id for s in task.load(root / "DrawBenchText" / "DrawBenchText.txt")] == \
        ["DrawBenchText/0", "DrawBenchText/1"]
    first = every[0]
    assert first.question == "A sign that says 'Hello World'"
    assert first.target == {"words": ["hello", "world"]}
    assert first.images[0].path == str(root / "LAIONEval4000" / "images" / "0.jpg")
    assert first.metadata == {"subset": "LAIONEval4000", "line": 1, "layout": "stacked",
                              "gt_dir": str(root / "LAIONEval4000" / "images")}
    assert first.layout is not None and first.layout.to_json() == {
        "texts": ["Hello World"], "polygons": [box(31, 41, 481, 137)], "width": 512,
        "height": 512, "caption": first.question, "quoted_caption": first.question,
        "edit_text": None, "image_name": None,
    }
    assert one[0].images == () and "gt_dir" not in one[0].metadata
    assert find_subsets(root)[0][0] == "LAIONEval4000"


def test_mario_prompt_lines(tmp_path: Path) -> None:
    sub = tmp_path / "DrawTextCreative"
    sub.mkdir()
    (sub / "DrawTextCreative.txt").write_bytes(
        b"\xef\xbb\xbf  a 'Neon' sign  \r\n\r\nthe word 'don't' and 'Stop'\rlast 'One'")
    samples = get_task("mario-eval").load(sub)
    assert [s.id for s in samples] == ["DrawTextCreative/0", "DrawTextCreative/2",
                                       "DrawTextCreative/3"]
    assert samples[0].question == "a 'Neon' sign"
    assert samples[1].target == {"words": ["don", "and"]}  # the reference's regex, quirks kept
    assert samples[1].metadata["line"] == 3


def test_mario_errors(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    with pytest.raises(DataError, match="no such file"):
        task.load(tmp_path / "missing")
    with pytest.raises(DataError, match="not a MARIO-Eval subset folder"):
        task.load(tmp_path)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match="prompt file"):
        task.load(tmp_path / "x.json")
    sub = tmp_path / "Empty"
    sub.mkdir()
    (sub / "Empty.txt").write_text("\n  \n")
    with pytest.raises(DataError, match="holds no prompts"):
        task.load(sub)
    (sub / "Empty.txt").write_bytes(b"caf\xe9 'x'\n")
    with pytest.raises(DataError, match="not UTF-8"):
        task.load(sub)


def test_mario_stacked_layout_fits_the_canvas() -> None:
    for count in range(0, 25):
        boxes = stacked_layout(count)
        assert len(boxes) == count
        for top, bottom in itertools.pairwise(boxes):
            assert top[2][1] < bottom[0][1]  # rows do not overlap
        assert all(0 <= x <= 512 and 0 <= y <= 512 for b in boxes for x, y in b)


def test_mario_requests(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    sample = task.load(write_mario(tmp_path))[0]
    request = task.request(sample, seed=5, index=0)
    assert request.prompt == "A sign that says 'Hello World'" and request.images == ()
    assert request.template_id == "mario-eval/prompt@768a3c8" and request.seed == 5
    assert dict(request.generation) == {"num_images": 4, "height": 512, "width": 512}
    assert request.layout is sample.layout and "gt_dir" not in request.metadata
    harmony = task.request(sample, family="textharmony")
    assert harmony.prompt == "Generate an image according to the caption. " + request.prompt
    assert dict(harmony.generation) == {"num_images": 4, "height": 512, "width": 512,
                                        "num_inference_steps": 30, "guidance_scale": 7.5}


