"""The typed image-request contract (:mod:`harmonybench.layout`) and the shared prompt rules
(:mod:`harmonybench.prompt_rules`): validation, hashing, and the loaders' errors."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from imagedata import box, write_anytext

from harmonybench.errors import DataError
from harmonybench.layout import LayoutError, TextLayout, sample_layout
from harmonybench.prompt_rules import (
    anytext_caption_prompt,
    anytext_placeholders,
    textharmony_edit,
    textharmony_t2i,
)
from harmonybench.registries import get_task
from harmonybench.schema import Request, short_hash
from harmonybench.tasks.anytext_prompts import EDIT_INSTRUCTION, T2I_TEXTHARMONY
from harmonybench.tasks.mario import MARIO_TEXTHARMONY

SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10]]


def layout(**changes: Any) -> TextLayout:
    fields: dict[str, Any] = {"texts": ("OPEN",), "polygons": (SQUARE,), "width": 512,
                              "height": 512, "caption": "a sign that says open"}
    fields.update(changes)
    return TextLayout(**fields)


def request(spec: TextLayout | None) -> Request:
    return Request(sample_id="s", task="anytext-t2i", kind="t2i", prompt="p", template_id="t",
                   template_hash="h", seed=1, layout=spec)


def test_a_layout_is_normalised_on_construction() -> None:
    made = layout(texts=["OPEN"], polygons=[SQUARE], width=256.0)
    assert made.texts == ("OPEN",) and made.polygons == (((0.0, 0.0), (10.0, 0.0),
                                                           (10.0, 10.0), (0.0, 10.0)),)
    assert made.canvas == (256, 512) and isinstance(made.width, int)
    assert made.quoted_caption == made.caption  # empty: the caption shows its texts itself
    assert layout(quoted_caption='a sign that says "OPEN"').quoted_caption.endswith('"OPEN"')
    assert made.scaled((128, 1024))[0] == ((0.0, 0.0), (5.0, 0.0), (5.0, 20.0), (0.0, 20.0))
    assert TextLayout(texts=(), polygons=(), width=1, height=1).to_json()["texts"] == []


@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"polygons": ([[0, 0], [1, 1]],)}, "polygons[0]", "at least 3"),
    ({"polygons": ([[0, 0], [1, 1, 2], [2, 2]],)}, "polygons[0][1]", "not an [x, y] pair"),
    ({"polygons": ([[0, 0], ["1", 1], [2, 2]],)}, "polygons[0][1]", "pair of numbers"),
    ({"polygons": ([[0, 0], [True, 1], [2, 2]],)}, "polygons[0][1]", "pair of numbers"),
    ({"polygons": ([[0, 0], [math.nan, 1], [2, 2]],)}, "polygons[0][1]", "not finite"),
    ({"polygons": ("0,0 1,1 2,2",)}, "polygons[0]", "not a list of [x, y] points"),
    ({"polygons": (SQUARE, SQUARE)}, "polygons", "2 polygons for 1 texts"),
    ({"texts": ("OPEN", 7), "polygons": (SQUARE, SQUARE)}, "texts[1]", "not a string"),
    ({"texts": "OPEN"}, "texts", "not a list of strings"),
    ({"width": 0}, "width", "positive whole number"),
    ({"height": -5}, "height", "positive whole number"),
    ({"height": 12.5}, "height", "positive whole number"),
    ({"width": True}, "width", "positive whole number"),
    ({"edit_text": 3}, "edit_text", "not a string"),
])
def test_a_bad_layout_is_refused_naming_the_field(changes: dict[str, Any], field: str,
                                                  problem: str) -> None:
    with pytest.raises(LayoutError) as caught:
        layout(**changes)
    assert caught.value.field == field and problem in caught.value.problem
    assert f"layout field {field!r}" in str(caught.value)


def test_sample_layout_names_the_file_the_sample_and_the_field(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        sample_layout(tmp_path / "test1k.json", "001.jpg", texts=("a",),
                      polygons=([[0, 0], [1, "x"], [2, 2]],), width=512, height=512)
    error = caught.value
    assert (error.path, error.record, error.field) == (
        str(tmp_path / "test1k.json"), "sample 001.jpg", "layout.polygons[0][1]")


def test_a_bad_polygon_in_the_data_stops_the_load(tmp_path: Path) -> None:
    """Refused when the data is read (the file's reader checks first, as the layout does),
    never left for an adapter to fail on."""
    path = write_anytext(tmp_path, [
        {"annotations": [{"polygon": box(10, 10, 200, 60), "text": "fine"}]},
        {"annotations": [{"polygon": [[10, 10], [200, 60]], "text": "flat"}]},
    ])
    with pytest.raises(DataError) as caught:
        get_task("anytext-t2i").load(path)
    error = caught.value
    assert (error.path, error.record) == (str(path), "record 1")
    assert error.field is not None and error.field.endswith("polygon")
    assert "at least 3 points" in error.problem


def test_the_layout_is_part_of_the_request_hash() -> None:
    base = request(layout())
    assert request(layout()).hash() == base.hash()
    for changes in ({"texts": ("CLOSED",)}, {"polygons": ([[0, 0], [10, 0], [10, 11]],)},
                    {"width": 256}, {"caption": "another"}, {"quoted_caption": '"OPEN"'},
                    {"edit_text": "OPEN"}, {"image_name": "1.jpg"}):
        assert request(layout(**changes)).hash() != base.hash(), changes
    assert request(None).hash() != base.hash()
    # metadata stays out of it; a request without a layout hashes as it did before layouts
    assert dataclasses.replace(base, metadata={"texts": ["x"]}).hash() == base.hash()
    bare = request(None)
    assert bare.hash() == short_hash({
        "task": "anytext-t2i", "kind": "t2i", "prompt": "p", "template": ["t", "h"],
        "images": [], "mask": None, "seed": 1, "generation": {}}, length=16)


def test_the_shared_prompt_rules() -> None:
    assert anytext_placeholders(0) == "" and anytext_placeholders(1) == "* ."
    assert anytext_placeholders(3) == "* , * , * ."
    assert anytext_caption_prompt("a *star", 2, ", reads ") == "a  star, reads * , * ."
    assert anytext_caption_prompt("a *star", 0, ", reads ") == "a  star"
    assert textharmony_t2i('a "B"') == 'Generate an image according to the caption. a "B"'
    assert textharmony_edit("WIN") == 'Fill the masked part in this image with "WIN".'
    # the tasks' templates are written with the core's instructions, text unchanged
    assert T2I_TEXTHARMONY.template == ("Generate an image according to the caption. "
                                        "{quoted_caption}")
    assert MARIO_TEXTHARMONY.template == "Generate an image according to the caption. {question}"
    assert EDIT_INSTRUCTION.template == 'Fill the masked part in this image with "{text}".'
