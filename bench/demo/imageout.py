"""Demo data for the image-out tasks: AnyText prompts, TextHarmony edits and MARIO-Eval.

- ``anytext/test1k.json`` with ``anytext/imgs/<img_name>``: AnyText-benchmark's format
  (tyxsspa/AnyText ``eval/anytext_singleGPU.py`` ``load_data`` @3d4a260), ``{"data_root",
  "data_list": [{"img_name", "caption", "annotations": [{"polygon", "text", "language",
  "valid", "pos"}]}]}``: one to three lines per 512x512 picture, some turned, the caption
  naming the words in lower case as the benchmark's captions do. ``data_root`` is the image
  folder relative to the file (the benchmark ships an absolute path to be edited). The
  pictures are the FID reference and the regions the OCR crops.
- ``anytext_edit/edit_gt.json`` (AnyText's format without ``data_root``, one annotation per
  picture), ``anytext_edit/edit_annt.json`` (TextHarmony's ``configs/release/edit_annt.json``
  layout: ``sentences`` ``Fill the masked part in this image with "WORD".`` and ``images``
  ``[edit_images/<id>_mask.jpg, TextHarmony/docs/examples/all_zero.jpg]``, bytedance/
  TextHarmony @f98ac34b206f) and ``anytext_edit/imgs/`` (the GT pictures). The masked inputs
  ``edit_images/*_mask.jpg`` are not written, as the public benchmark does not ship them
  either: the ``anytext-edit`` task builds them from the GT picture and the polygon. A
  picture may hold a second, unannotated line, as the benchmark's do.
- ``mario/MARIOEval/DemoEval/DemoEval.txt`` with ``images/<n>.jpg``: MARIO-Eval's subset layout
  (microsoft/unilm ``textdiffuser/eval/MARIOEval_evaluate.py`` @159df56), one prompt per line
  with the words to draw in single quotes, and the GT pictures drawing them. The subset is
  named ``DemoEval`` so that no leaderboard mistakes it for a published MARIO-Eval subset.

``pos`` is the cell (0 top-left ... 8 bottom-right) of a 3x3 grid holding the centre of the
line's polygon; how AnyText computed its ``pos`` values is not in its released code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from harmonybench.demo.common import Context, Written, write_json, write_lines
from harmonybench.demo.content import LINES, POSTER_SUBJECTS, WORDS, pick, pick_distinct
from harmonybench.demo.render import Quad, int_quad, quad_bounds, save_image
from harmonybench.demo.scenes import POSTER_SIZE, Placed, poster

MARIO_SUBSET = "DemoEval"
"""The MARIO-Eval subset folder name of the demo."""

ALL_ZERO = "TextHarmony/docs/examples/all_zero.jpg"
"""The placeholder target image every TextHarmony generation record names."""

_MARIO_TEMPLATES: tuple[str, ...] = (
    "A storefront sign that says '{0}'",
    "a book cover with the title '{0}'",
    "A poster that reads '{0}' in bold letters",
    "a coffee mug printed with the words '{0}'",
    "A street banner with the text '{0}' and '{1}'",
    "a greeting card that says '{0}' above '{1}'",
)


def grid_pos(quad: Quad, size: tuple[int, int] = POSTER_SIZE) -> int:
    """The 3x3 grid cell (0 top-left ... 8 bottom-right) of the quad's centre."""
    left, top, right, bottom = quad_bounds(quad)
    cx, cy = (left + right) / 2.0, (top + bottom) / 2.0
    col = min(2, max(0, int(cx * 3 // size[0])))
    row = min(2, max(0, int(cy * 3 // size[1])))
    return row * 3 + col


def _annotation(placed: Placed) -> dict[str, Any]:
    return {"polygon": int_quad(placed.quad), "text": placed.text, "language": "Latin",
            "valid": True, "pos": grid_pos(placed.quad)}


def _texts(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` texts to draw: words, sometimes a two-word line."""
    out = pick_distinct(rng, WORDS, count)
    if count > 1 and rng.random() < 0.3:
        out[-1] = pick(rng, LINES)
    return out


def _caption(rng: np.random.Generator, texts: Sequence[str]) -> str:
    subject, detail = pick(rng, POSTER_SUBJECTS)
    words = " ".join(t.lower() for t in texts)
    return f"{subject} with the words {words} {detail}"


def write_anytext(ctx: Context) -> Written:
    """``anytext/test1k.json`` and ``anytext/imgs/`` (see the module docstring)."""
    folder = ctx.root / "anytext"
    items = []
    for i in range(ctx.count):
        rng = ctx.rng("anytext", i)
        texts = _texts(rng, int(rng.integers(1, 4)))
        image, placed = poster(ctx.fonts, rng, texts)
        name = f"{i:09d}.jpg"
        save_image(image, folder / "imgs" / name)
        items.append({"img_name": name, "caption": _caption(rng, texts),
                      "annotations": [_annotation(p) for p in placed]})
    path = write_json(folder / "test1k.json", {"data_root": "imgs", "data_list": items})
    return Written(path, folder / "imgs", len(items))


def write_edit(ctx: Context) -> Written:
    """``anytext_edit/{edit_gt.json,edit_annt.json,imgs/}`` (see the module docstring)."""
    folder = ctx.root / "anytext_edit"
    gt = []
    annt = []
    for i in range(ctx.count):
        rng = ctx.rng("anytext-edit", i)
        texts = pick_distinct(rng, WORDS, int(rng.integers(1, 3)))
        image, placed = poster(ctx.fonts, rng, texts)
        stem = f"{i:09d}"
        save_image(image, folder / "imgs" / f"{stem}.jpg")
        target = placed[0]
        gt.append({"img_name": f"{stem}.jpg", "caption": _caption(rng, texts),
                   "annotations": [_annotation(target)]})
        annt.append({
            "sentences": [f'Fill the masked part in this image with "{target.text}".', ""],
            "images": [f"edit_images/{stem}_mask.jpg", ALL_ZERO],
            "sentence_ixs": [0, 1],
            "image_first": [True, True],
            "generate_mode": "generate_images",
            "num_iter": 1,
        })
    write_json(folder / "edit_annt.json", annt)
    path = write_json(folder / "edit_gt.json", {"data_list": gt})
    return Written(path, folder / "imgs", len(gt))


def mario_prompt(rng: np.random.Generator, texts: Sequence[str]) -> str:
    """A MARIO-Eval-style prompt quoting ``texts`` in single quotes."""
    templates = [t for t in _MARIO_TEMPLATES if t.count("{") == len(texts)]
    return pick(rng, templates).format(*texts)


def write_mario(ctx: Context) -> Written:
    """``mario/MARIOEval/DemoEval/{DemoEval.txt,images/}`` (see the module docstring)."""
    folder = ctx.root / "mario" / "MARIOEval" / MARIO_SUBSET
    prompts = []
    for i in range(ctx.count):
        rng = ctx.rng("mario", i)
        count = 2 if rng.random() < 0.35 else 1
        texts = _texts(rng, count)
        image, _ = poster(ctx.fonts, rng, texts)
        save_image(image, folder / "images" / f"{i}.jpg")
        prompts.append(mario_prompt(rng, texts))
    write_lines(folder / f"{MARIO_SUBSET}.txt", prompts)
    return Written(folder, None, len(prompts))
