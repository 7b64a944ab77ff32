"""A task's typed layout reaches each image-out adapter (AnyText's inputs, TextHarmony's prompt,
the render stand-in, replay-images); the diffusers adapters are checked in
``test_models_diffusers.py`` (they need its tiny pipelines).

Every request here is built by the real task from :mod:`imagedata` files, and its metadata is
then emptied or filled with wrong values: what the adapter uses can only come from the layout.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from imagedata import write_anytext, write_textharmony_edit
from PIL import Image

from harmonybench.model import GenerationContext
from harmonybench.models.anytext_inputs import build_inputs
from harmonybench.models.render import RenderModel
from harmonybench.models.replay_images import ReplayImagesModel
from harmonybench.models.textharmony import TextHarmonyModel
from harmonybench.models.textharmony_prompts import build_edit_prompt, build_t2i_prompt
from harmonybench.registries import get_task
from harmonybench.schema import Request

MISLEADING = {"texts": ["WRONG"], "polygons": [[[0, 0], [1, 0], [1, 1]]], "width": 64,
              "height": 64, "quoted_caption": "WRONG", "text": "WRONG", "img_name": "x.jpg"}
"""The old string-keyed contract, with values no adapter may use any more."""


@pytest.fixture(scope="module")
def t2i_requests(tmp_path_factory: pytest.TempPathFactory) -> list[Request]:
    task = get_task("anytext-t2i")
    samples = task.load(write_anytext(tmp_path_factory.mktemp("anytext"), 2))
    return [dataclasses.replace(task.request(s, seed=3), metadata=MISLEADING) for s in samples]


@pytest.fixture
def edit_request(tmp_path: Path) -> Request:
    task = get_task("anytext-edit", {"masked_dir": str(tmp_path / "built")})
    sample = task.load(write_textharmony_edit(tmp_path / "set", 1))[0]
    return dataclasses.replace(task.request(sample), metadata=MISLEADING)


def test_anytext_inputs_come_from_the_layout(t2i_requests: list[Request],
                                             edit_request: Request) -> None:
    request = t2i_requests[1]  # two lines: Harmony, Summer
    assert request.layout is not None
    inputs = build_inputs(request, [", reads "], {})
    assert inputs.texts == request.layout.texts == ("Harmony", "Summer")
    assert (inputs.params.width, inputs.params.height) == request.layout.canvas
    for polygon, expected in zip(inputs.polygons, request.layout.polygons, strict=True):
        assert polygon.tolist() == [[round(x), round(y)] for x, y in expected]
    # the default prompt quotes both texts: AnyText's "quotes" rule puts a * for each
    assert inputs.prompt_rule == "quotes" and inputs.prompt.count("*") == 2
    caption = build_inputs(dataclasses.replace(request, prompt="no quotes"), [", reads "], {})
    assert (caption.prompt_rule, caption.prompt) == (
        "caption", request.layout.caption + ", reads * , * .")
    edit = build_inputs(edit_request, [", reads "], {"num_images": 1})
    assert edit_request.layout is not None and edit.texts == edit_request.layout.texts


def test_textharmony_prompts_come_from_the_layout(t2i_requests: list[Request],
                                                  edit_request: Request,
                                                  tmp_path: Path) -> None:
    adapter = TextHarmonyModel(str(tmp_path), checkpoint=str(tmp_path / "c.bin"))
    request = t2i_requests[1]
    assert request.layout is not None
    quoted = request.layout.quoted_caption
    assert quoted == 'a poster that says "Harmony" in big letters, with the words "Summer"'
    assert adapter.prompt_for(request) == build_t2i_prompt(quoted)
    assert edit_request.layout is not None and edit_request.layout.edit_text == "WINNER"
    assert adapter.prompt_for(edit_request) == build_edit_prompt("WINNER")


def test_render_draws_the_layout(t2i_requests: list[Request], edit_request: Request,
                                 tmp_path: Path) -> None:
    model = RenderModel()
    request = dataclasses.replace(t2i_requests[1], generation={})
    assert request.layout is not None
    image, drawn = model.render(request)
    assert image.size == request.layout.canvas and len(drawn) == 2
    output = model.generate([edit_request], GenerationContext(image_dir=tmp_path / "out"))[0]
    assert output.ok, output.error
    assert edit_request.layout is not None and edit_request.images[0].path
    with Image.open(output.images[0]) as edited, Image.open(edit_request.images[0].path) as base:
        assert edited.size == base.size == edit_request.layout.canvas
        changed = np.asarray(edited.convert("L")) != np.asarray(base.convert("L"))
    ys, xs = np.nonzero(changed)  # drawn inside the layout's polygon (box 60,90 - 420,170)
    assert xs.min() >= 56 and xs.max() <= 424 and ys.min() >= 86 and ys.max() <= 174


def test_replay_images_finds_files_by_the_layouts_image_name(t2i_requests: list[Request],
                                                            tmp_path: Path) -> None:
    request = dataclasses.replace(t2i_requests[0], generation={"num_images": 2})
    assert request.layout is not None and request.layout.image_name == "001253546.jpg"
    src = tmp_path / "generated"
    src.mkdir()
    for k in range(2):
        Image.new("RGB", (8, 8), (k, k, k)).save(src / f"001253546_{k}.jpg")
    Image.new("RGB", (8, 8)).save(src / "x_0.jpg")  # what the stale metadata would name
    output = ReplayImagesModel(str(src), scheme="anytext").generate(
        [request], GenerationContext(image_dir=tmp_path / "out"))[0]
    assert output.ok, output.error
    assert output.metadata["replayed"] == ["001253546_0.jpg", "001253546_1.jpg"]
