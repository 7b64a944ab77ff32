"""AnyText's inputs for one request: the prompt with its glyph placeholders, the position
masks of the target lines and the reference image (editing); the adapter is
:mod:`harmonybench.models.anytext`.

The lines, polygons, canvas and caption come from ``Request.layout``
(:mod:`harmonybench.layout`). Of the prompt rules, the ``caption`` form (caption, phrase, one
``*`` per line) is shared with the task's ``anytext`` prompt family and so is the core's
(:func:`harmonybench.prompt_rules.anytext_caption_prompt`); the ``quotes`` rule, the phrase
drawn as the script draws it and the glyph per ``*`` are this adapter's alone and live here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harmonybench.layout import Polygon
from harmonybench.models.anytext_settings import (
    MAX_CHARS,
    MAX_LINES,
    POSITION_WORDS,
    Params,
    resolve_params,
)
from harmonybench.models.imageio import (
    RequestError,
    edit_input,
    request_layout,
)
from harmonybench.prompt_rules import PLACE_HOLDER, anytext_caption_prompt
from harmonybench.schema import Request

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_QUOTED = re.compile(r'"(.*?)"')

if TYPE_CHECKING:
    FloatArray = npt.NDArray[np.float64]


def pick_phrase(phrases: Sequence[str], seed: int) -> str:
    """The connective phrase the script's ``get_caption_pos`` draws after ``seed_everything``.

    A ``random.Random(seed)`` draws the position word first, then the phrase (see the module
    docstring).
    """
    if not phrases:
        raise RequestError("AnyText's phrase_list is empty")
    rng = random.Random(seed)
    rng.choice(POSITION_WORDS)
    return rng.choice(list(phrases))


def build_prompt(request: Request, count: int, phrases: Sequence[str], seed: int
                 ) -> tuple[str, str]:
    """The prompt with one ``*`` per line, and the rule used (see the module docstring)."""
    prompt = request.prompt or ""
    if count > 0 and prompt.count(PLACE_HOLDER) == count:
        return prompt, "placeholders"
    straight = prompt.replace("\u201c", '"').replace("\u201d", '"')
    quoted = _QUOTED.findall(straight)
    if count > 0 and len(quoted) == count:
        for text in quoted:
            straight = straight.replace(f'"{text}"', f" {PLACE_HOLDER} ", 1)
        return straight, "quotes"
    layout = request.layout
    caption = (layout.caption if layout is not None and layout.caption else
               request.question if request.question is not None else prompt)
    phrase = pick_phrase(phrases, seed) if count > 0 else ""
    return anytext_caption_prompt(caption, count, phrase), "caption"


def position_mask(polygon: Polygon, width: int, height: int) -> FloatArray:
    """The polygon filled into an ``H x W x 1`` float image: 1.0 inside, 0.0 outside.

    As ``draw_pos`` (``cv2.fillPoly`` with 255 on zeros, divided by 255); coordinates are
    rounded to whole pixels first (the benchmark's are integers).
    """
    import cv2
    import numpy as np

    image = np.zeros((height, width, 1))
    points = np.rint(np.asarray(polygon, dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(image, [points], color=255)
    result: FloatArray = image / 255.0
    return result


@dataclass
class AnyTextInputs:
    """Everything ``process`` needs for one sample, glyphs aside (those need the font).

    Attributes:
        prompt: the prompt with one ``*`` per line.
        prompt_rule: which rule built it (``placeholders``, ``quotes`` or ``caption``).
        texts: the lines' texts, cut to :data:`~harmonybench.models.anytext_settings.MAX_CHARS`.
        polygons: the lines' polygons in pixels of the ``width`` x ``height`` image (int32).
        positions: one ``H x W x 1`` position mask per line.
        hint: the masks' sum clipped to [0, 1].
        reference: the ``H x W x 3`` image the masked latent is made from (0-255 floats).
        params: the sampling parameters.
    """

    prompt: str
    prompt_rule: str
    texts: tuple[str, ...]
    polygons: tuple[Any, ...]
    positions: list[Any]
    hint: Any
    reference: Any
    params: Params
    extra: dict[str, Any] = field(default_factory=dict)


def _reference_image(request: Request, params: Params) -> Any:
    import numpy as np

    if request.kind != "edit":
        return np.ones((params.height, params.width, 3)) * 127.5
    image = edit_input(request)
    from PIL import Image

    if image.size != (params.width, params.height):
        image = image.resize((params.width, params.height), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float64).clip(1, 255)


def build_inputs(request: Request, phrases: Sequence[str], overrides: Mapping[str, Any]
                 ) -> AnyTextInputs:
    """The prompt, lines, position masks, hint, reference image and parameters of a request.

    Raises:
        RequestError: missing or malformed texts/polygons, settings or input image.
    """
    import numpy as np

    layout = request_layout(request)
    params = resolve_params(request, overrides, layout.canvas)
    size = (params.width, params.height)
    texts = tuple(text[:MAX_CHARS] for text in layout.texts[:MAX_LINES])
    scaled = layout.scaled(size)[:MAX_LINES]
    polygons = tuple(
        np.rint(np.asarray(p, dtype=np.float64)).astype(np.int32) for p in scaled
    )
    positions = [position_mask(p, params.width, params.height) for p in scaled]
    hint = (np.sum(positions, axis=0) if positions
            else np.zeros((params.height, params.width, 1))).clip(0, 1)
    prompt, rule = build_prompt(request, len(texts), phrases, params.seed)
    return AnyTextInputs(prompt=prompt, prompt_rule=rule, texts=texts, polygons=polygons,
                         positions=positions, hint=hint,
                         reference=_reference_image(request, params), params=params)
