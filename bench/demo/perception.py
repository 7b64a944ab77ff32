"""Demo data for the text-perception tasks: recognition crops, grounding and detection scenes.

- ``textrec/gt.txt`` with ``textrec/word_<n>.png``: the ICDAR 2013/2015 word-recognition
  ground truth (``word_1.png, "CENTRE"``, a UTF-8 BOM first as the IC15 files have; RRC
  ``Challenge4_Test_Task3_GT.txt`` layout): words, two-word lines and digit strings in the
  three DejaVu faces, 26-40 px, turned up to 4 degrees, in several colours, mildly blurred and
  noisy; then a few Chinese lines when a CJK font is installed.
- ``grounding/<key>/image.jpg`` with ``grounding/<key>/ocr.txt``: the MARIO-10M layout
  (microsoft/unilm ``textdiffuser/data/mario-laion-example``), one ``WORD x1,y1,x2,y2,x3,y3,
  x4,y4 conf`` line per word (clockwise from the word's own top-left corner, whole pixels,
  confidence 1.0 since the polygons are exact), three different words per image, about half of
  them turned 8 to 25 degrees. The ``grounding`` task asks for each word.
- ``detection/Challenge4_Test_Task1_GT/gt_img_<n>.txt`` with
  ``detection/ch4_test_images/img_<n>.jpg``: the ICDAR 2015 Challenge 4 layout, one
  ``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` line per word (UTF-8 BOM first), two to four
  words per image plus, in about half of them, a 7-pixel word marked ``###`` (don't care).
  The ``detection`` and ``spotting`` tasks both read it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from harmonybench.demo.common import Context, Written, write_lines
from harmonybench.demo.content import CJK_LINES, LINES, WORDS, digits, item_rng, pick_distinct
from harmonybench.demo.render import Point, int_quad, save_image
from harmonybench.demo.scenes import SCENE_SIZE, scattered_words, word_crop

GROUNDING_WORDS_PER_IMAGE = 3
"""Words (queries) per grounding image."""


def cjk_count(count: int) -> int:
    """How many Chinese lines go with ``count`` Latin crops (2 for the quick demo, up to 5)."""
    return min(len(CJK_LINES), max(2, count // 8))


def recognition_texts(seed: int, count: int) -> list[str]:
    """The ``count`` Latin texts of the recognition crops, in order.

    Every fifth item (from the fourth) is a two-word line and every fifth (from the fifth) a
    digit string; the others are single words, drawn without repetition until the word list is
    used up.
    """
    order = item_rng(seed, "textrec-words", 0).permutation(len(WORDS))
    lines = item_rng(seed, "textrec-lines", 0).permutation(len(LINES))
    texts = []
    for i in range(count):
        if i % 5 == 3:
            texts.append(LINES[int(lines[(i // 5) % len(LINES)])])
        elif i % 5 == 4:
            rng = item_rng(seed, "textrec-digits", i)
            texts.append(digits(rng, int(rng.integers(4, 7))))
        else:
            texts.append(WORDS[int(order[i % len(WORDS)])])
    return texts


def _icdar_word(text: str) -> str:
    """``text`` quoted as ICDAR's recognition ground truth writes it."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_textrec(ctx: Context) -> Written:
    """``textrec/gt.txt`` and its crops ``textrec/word_<n>.png`` (see the module docstring)."""
    folder = ctx.root / "textrec"
    lines = []
    texts = recognition_texts(ctx.seed, ctx.count)
    for i, text in enumerate(texts):
        image = word_crop(ctx.fonts, ctx.rng("textrec", i), text, family=i)
        name = f"word_{i + 1}.png"
        save_image(image, folder / name)
        lines.append(f"{name}, {_icdar_word(text)}")
    notes: tuple[str, ...] = ()
    if ctx.fonts.cjk is None:
        notes = (f"recognition: Chinese lines skipped: {ctx.fonts.cjk_note}",)
    else:
        order = item_rng(ctx.seed, "textrec-cjk-lines", 0).permutation(len(CJK_LINES))
        for j in range(cjk_count(ctx.count)):
            text = CJK_LINES[int(order[j])]
            image = word_crop(ctx.fonts, ctx.rng("textrec-cjk", j), text, family=0, cjk=True)
            name = f"word_{len(lines) + 1}.png"
            save_image(image, folder / name)
            lines.append(f"{name}, {_icdar_word(text)}")
    path = write_lines(folder / "gt.txt", lines, bom=True)
    return Written(path, None, len(lines), notes)


def _clamped(quad: Sequence[Point], size: tuple[int, int]) -> list[list[int]]:
    """The quad in whole pixels, kept inside the picture."""
    return [[min(max(x, 0), size[0] - 1), min(max(y, 0), size[1] - 1)]
            for x, y in int_quad(quad)]


def _flat(points: Sequence[Sequence[int]]) -> str:
    return ",".join(str(v) for point in points for v in point)


def scene_words(ctx: Context, stream: str, index: int, count: int) -> list[str]:
    """``count`` different words for scene ``index`` of ``stream``."""
    return pick_distinct(ctx.rng(f"{stream}-words", index), WORDS, count)


def write_grounding(ctx: Context) -> Written:
    """``grounding/<key>/{image.jpg,ocr.txt}`` (MARIO-10M layout; see the module docstring)."""
    folder = ctx.root / "grounding"
    images = math.ceil(ctx.count / GROUNDING_WORDS_PER_IMAGE)
    queries = 0
    for i in range(images):
        words = scene_words(ctx, "grounding", i, GROUNDING_WORDS_PER_IMAGE)
        image, placed, _ = scattered_words(ctx.fonts, ctx.rng("grounding", i), words)
        key = folder / f"{i:09d}"
        save_image(image, key / "image.jpg")
        write_lines(key / "ocr.txt", [
            f"{p.text} {_flat(_clamped(p.quad, SCENE_SIZE))} 1.0" for p in placed
        ])
        queries += len(placed)
    return Written(folder, None, queries)


def write_detection(ctx: Context) -> Written:
    """ICDAR 2015 ground truth and images under ``detection/`` (see the module docstring)."""
    folder = ctx.root / "detection"
    gt_folder = folder / "Challenge4_Test_Task1_GT"
    image_folder = folder / "ch4_test_images"
    for i in range(ctx.count):
        rng = ctx.rng("detection", i)
        count = int(rng.integers(2, 5))
        tiny = scene_words(ctx, "detection-tiny", i, 1)[0].lower() if rng.random() < 0.5 else None
        words = scene_words(ctx, "detection", i, count)
        image, placed, tiny_placed = scattered_words(ctx.fonts, rng, words, tiny=tiny)
        lines = [f"{_flat(_clamped(p.quad, SCENE_SIZE))},{p.text}" for p in placed]
        if tiny_placed is not None:
            lines.append(f"{_flat(_clamped(tiny_placed.quad, SCENE_SIZE))},###")
        save_image(image, image_folder / f"img_{i + 1}.jpg")
        write_lines(gt_folder / f"gt_img_{i + 1}.txt", lines, bom=True)
    return Written(gt_folder, image_folder, ctx.count)
