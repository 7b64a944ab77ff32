"""The demo's pictures: word crops, signs, price tags, documents, scattered words, posters.

Each function draws one picture from a seeded generator and returns the image (and, where a
format needs them, the polygon of every text it drew). Sizes are small (crops tens of pixels,
scenes 320x240, documents about 360x460, generation targets 512x512 as AnyText's are) but the
text is large and contrasted enough for Tesseract and RapidOCR to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from harmonybench.demo.content import colours, pick, uniform
from harmonybench.demo.render import (
    Color,
    FontSet,
    Quad,
    box_quad,
    degrade,
    draw_text,
    fill_quad,
    gradient,
    quad_bounds,
    rotate_point,
    text_extent,
)

SCENE_SIZE = (320, 240)
"""Width and height of the scene pictures (signs, scattered words)."""

POSTER_SIZE = (512, 512)
"""Width and height of the generation targets (AnyText and MARIO-Eval images are 512x512)."""


@dataclass(frozen=True)
class Placed:
    """A text drawn in a picture.

    Args:
        text: what was drawn.
        quad: its box, clockwise from its own top-left corner, in the picture's pixels.
        size: the font size in pixels.
    """

    text: str
    quad: Quad
    size: int


def _fit(
    fonts: FontSet, family: int, text: str, angle: float, box: tuple[float, float],
    largest: int, smallest: int = 10,
) -> ImageFont.FreeTypeFont:
    """The largest face (``largest`` down to ``smallest`` px) whose turned text fits ``box``."""
    size = max(largest, smallest)
    while True:
        face = fonts.latin_face(family, size)
        width, height = text_extent(face, text, angle)
        if (width <= box[0] and height <= box[1]) or size <= smallest:
            return face
        size -= 1


def _darker(colour: Color, amount: int) -> Color:
    """``colour`` with ``amount`` taken off every channel (not below 0)."""
    return (max(0, colour[0] - amount), max(0, colour[1] - amount), max(0, colour[2] - amount))


# ----------------------------------------------------------------------------- crops


def word_crop(
    fonts: FontSet,
    rng: np.random.Generator,
    text: str,
    *,
    family: int,
    cjk: bool = False,
    max_angle: float = 4.0,
) -> Image.Image:
    """A cropped word or line, as in IIIT5K/SVT/ICDAR recognition sets.

    The font size (26-40 px), angle (up to ``max_angle`` degrees either way), colours,
    margin, blur (up to 0.6 px) and noise (sd up to 6) come from ``rng``; ``family`` picks the
    DejaVu face (``cjk`` draws with the CJK font instead).
    """
    size = int(rng.integers(26, 41))
    angle = uniform(rng, -max_angle, max_angle)
    background, ink = colours(rng)
    margin = int(rng.integers(6, 13))
    blur = uniform(rng, 0.0, 0.6)
    noise = uniform(rng, 0.0, 6.0)
    if cjk:
        if fonts.cjk is None:
            raise ValueError("no CJK font to draw Chinese text with")
        face = fonts.face(fonts.cjk, size)
    else:
        face = fonts.latin_face(family, size)
    width, height = text_extent(face, text, angle)
    canvas = (width + 2 * margin, height + 2 * margin)
    image = gradient(canvas, *background)
    draw_text(image, text, face, (canvas[0] / 2.0, canvas[1] / 2.0), angle=angle, fill=ink)
    return degrade(image, rng, blur=blur, noise=noise)


# ----------------------------------------------------------------------------- scenes


def _scene_background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Sky, a ground band and a few blocks: enough clutter to look like a photo."""
    sky_top = (int(rng.integers(120, 200)), int(rng.integers(160, 220)), 235)
    image = gradient(size, sky_top, (225, 230, 240))
    draw = ImageDraw.Draw(image)
    horizon = int(size[1] * uniform(rng, 0.62, 0.75))
    ground = (int(rng.integers(90, 140)), int(rng.integers(90, 130)), int(rng.integers(80, 110)))
    draw.rectangle((0, horizon, size[0], size[1]), fill=ground)
    for _ in range(int(rng.integers(2, 5))):
        x = int(rng.integers(0, size[0] - 30))
        w = int(rng.integers(20, 60))
        top = int(rng.integers(size[1] // 3, horizon))
        shade = int(rng.integers(150, 200))
        draw.rectangle((x, top, x + w, horizon), fill=(shade, shade - 10, shade - 20))
    return image


def _board(
    image: Image.Image,
    fonts: FontSet,
    rng: np.random.Generator,
    lines: Sequence[str],
    *,
    family: int,
    board: tuple[float, float, float, float],
    fill: Color,
    ink: Color,
    angle: float,
    scale: Sequence[float] = (1.0, 0.6),
) -> list[Placed]:
    """A board (a filled rectangle turned ``angle``) with ``lines`` centred on it."""
    left, top, right, bottom = board
    centre = ((left + right) / 2.0, (top + bottom) / 2.0)
    corners = box_quad(left, top, right, bottom)
    quad = tuple(rotate_point(p, centre, angle) for p in corners)
    fill_quad(image, quad, fill, outline=(40, 40, 40), width=2)
    inner_w = (right - left) * 0.88
    weights = [scale[min(i, len(scale) - 1)] for i in range(len(lines))]
    band = (bottom - top) * 0.9 / sum(weights)
    placed: list[Placed] = []
    y = top + (bottom - top) * 0.05
    for text, weight in zip(lines, weights, strict=True):
        height = band * weight
        face = _fit(fonts, family, text, 0.0, (inner_w, height * 0.8), int(height * 0.8))
        line_centre = rotate_point((centre[0], y + height / 2.0), centre, angle)
        quad_text = draw_text(image, text, face, line_centre, angle=angle, fill=ink, pad=1.0)
        placed.append(Placed(text, quad_text, int(face.size)))
        y += height
    return placed


def shop_sign(fonts: FontSet, rng: np.random.Generator, name: str, extra: str | None,
              *, family: int) -> tuple[Image.Image, list[Placed]]:
    """A shop front: a sign board with the shop's name (and a smaller second line)."""
    image = _scene_background(rng, SCENE_SIZE)
    fill = pick(rng, ((250, 245, 225), (30, 60, 110), (120, 30, 30), (245, 245, 245),
                      (20, 80, 50)))
    ink = (20, 20, 20) if sum(fill) > 500 else (250, 245, 220)
    width, height = SCENE_SIZE
    board = (width * 0.06, height * uniform(rng, 0.12, 0.2), width * 0.94,
             height * uniform(rng, 0.52, 0.6))
    lines = [name] if extra is None else [name, extra]
    placed = _board(image, fonts, rng, lines, family=family, board=board, fill=fill, ink=ink,
                    angle=uniform(rng, -3.0, 3.0))
    return degrade(image, rng, blur=uniform(rng, 0.0, 0.5), noise=uniform(rng, 0.0, 4.0)), placed


def street_sign(fonts: FontSet, rng: np.random.Generator, street: str,
                *, family: int) -> tuple[Image.Image, list[Placed]]:
    """A green street-name sign on a pole."""
    image = _scene_background(rng, SCENE_SIZE)
    width, height = SCENE_SIZE
    draw = ImageDraw.Draw(image)
    pole = width * uniform(rng, 0.45, 0.55)
    draw.rectangle((pole - 4, height * 0.3, pole + 4, height), fill=(90, 90, 95))
    board = (width * 0.1, height * 0.14, width * 0.9, height * 0.42)
    placed = _board(image, fonts, rng, [street], family=family, board=board,
                    fill=(20, 110, 60), ink=(250, 250, 250), angle=uniform(rng, -4.0, 4.0))
    return degrade(image, rng, blur=uniform(rng, 0.0, 0.5), noise=uniform(rng, 0.0, 4.0)), placed


def price_tag(fonts: FontSet, rng: np.random.Generator, product: str, price: str,
              *, family: int) -> tuple[Image.Image, list[Placed]]:
    """A shelf price tag: the product's name above its price."""
    width, height = SCENE_SIZE
    shelf = pick(rng, ((200, 170, 130), (170, 180, 190), (120, 90, 70)))
    image = gradient(SCENE_SIZE, shelf, _darker(shelf, 40))
    board = (width * 0.12, height * 0.15, width * 0.88, height * 0.85)
    fill = pick(rng, ((255, 250, 200), (255, 255, 255), (255, 225, 90)))
    placed = _board(image, fonts, rng, [product, price], family=family, board=board,
                    fill=fill, ink=(20, 20, 20), angle=uniform(rng, -3.0, 3.0),
                    scale=(0.7, 1.0))
    return degrade(image, rng, blur=uniform(rng, 0.0, 0.5), noise=uniform(rng, 0.0, 4.0)), placed


# ----------------------------------------------------------------------------- documents


def document(
    fonts: FontSet,
    rng: np.random.Generator,
    rows: Sequence[tuple[str, str]],
    *,
    family: int,
    width: int = 360,
    size: int = 17,
    title: str | None = None,
) -> Image.Image:
    """A scanned receipt or invoice: ``rows`` of ``(left, right)`` text, right one aligned right.

    A row with an empty right part is one left-aligned line; ``title`` is drawn larger and
    centred at the top. The page is off-white with light noise and blur, as a scan.
    """
    face = fonts.latin_face(family, size)
    big = fonts.latin_face(family, int(size * 1.5))
    step = int(size * 1.65)
    margin = 22
    height = margin * 2 + step * len(rows) + (int(size * 2.6) if title else 0)
    grey = int(rng.integers(242, 256))
    image = Image.new("RGB", (width, height), (grey, grey, grey))
    draw = ImageDraw.Draw(image)
    ink = (25, 25, 30)
    y = margin
    if title:
        draw.text((width / 2.0, y), title, font=big, fill=ink, anchor="ma")
        y += int(size * 2.6)
    for left, right in rows:
        if left == "-":
            draw.line((margin, y + step // 2, width - margin, y + step // 2), fill=(90, 90, 90))
        else:
            draw.text((margin, y), left, font=face, fill=ink)
            if right:
                draw.text((width - margin, y), right, font=face, fill=ink, anchor="ra")
        y += step
    return degrade(image, rng, blur=uniform(rng, 0.0, 0.4), speckle=uniform(rng, 0.0, 0.002))


# ----------------------------------------------------------------------------- scattered words


def scattered_words(
    fonts: FontSet,
    rng: np.random.Generator,
    words: Sequence[str],
    *,
    size: tuple[int, int] = SCENE_SIZE,
    max_angle: float = 25.0,
    rotate_share: float = 0.5,
    tiny: str | None = None,
    largest: int = 44,
    noise: float = 4.0,
) -> tuple[Image.Image, list[Placed], Placed | None]:
    """Words at scattered places, some turned: detection, spotting and grounding scenes.

    The picture is split into horizontal bands, one per word (plus one for ``tiny``); each word
    gets the largest font (up to ``largest`` px) that fits its band at its angle, and a random
    place along the band, so no two words overlap. About ``rotate_share`` of the words are
    turned by 8 to ``max_angle`` degrees either way. ``tiny`` is drawn at 7 px, too small to
    read: ICDAR's ``###`` "do not care" regions. Noise has a standard deviation of up to
    ``noise``.

    Returns:
        The picture, the placed words (in ``words`` order) and the tiny one (or ``None``).
    """
    background, ink = colours(rng)
    image = gradient(size, *background)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 4))):  # a few faint shapes as clutter
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        r = int(rng.integers(10, 40))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_darker(background[1], 12))
    count = len(words) + (1 if tiny else 0)
    band_h = size[1] / count
    order = [int(i) for i in rng.permutation(count)]
    placed: list[Placed] = []
    tiny_placed: Placed | None = None
    for slot, band in enumerate(order):
        text = words[slot] if slot < len(words) else tiny
        assert text is not None
        family = int(rng.integers(0, len(fonts.latin)))
        if slot >= len(words):
            angle = 0.0
            face = fonts.latin_face(family, 7)
        else:
            turned = bool(rng.random() < rotate_share)
            sign = 1.0 if rng.random() < 0.5 else -1.0
            angle = sign * uniform(rng, 8.0, max_angle) if turned else 0.0
            face = _fit(fonts, family, text, angle, (size[0] * 0.8, band_h - 6), largest)
        width, _ = text_extent(face, text, angle)
        slack = max(0.0, size[0] - 8 - width)
        cx = 4 + width / 2.0 + float(rng.uniform(0.0, slack))
        cy = band_h * band + band_h / 2.0
        quad = draw_text(image, text, face, (cx, cy), angle=angle, fill=ink, pad=1.0)
        item = Placed(text, quad, int(face.size))
        if slot < len(words):
            placed.append(item)
        else:
            tiny_placed = item
    out = degrade(image, rng, blur=uniform(rng, 0.0, 0.5), noise=uniform(rng, 0.0, noise))
    return out, placed, tiny_placed


# ----------------------------------------------------------------------------- posters


def poster(
    fonts: FontSet,
    rng: np.random.Generator,
    texts: Sequence[str],
    *,
    size: tuple[int, int] = POSTER_SIZE,
    max_angle: float = 12.0,
) -> tuple[Image.Image, list[Placed]]:
    """A 512x512 generation target: ``texts`` in large letters, one line per band, some turned.

    The images AnyText-benchmark and MARIO-Eval use as FID references and from whose
    polygons the text regions are cropped for OCR.
    """
    image, placed, _ = scattered_words(
        fonts, rng, texts, size=size, max_angle=max_angle, rotate_share=0.4, largest=72,
        noise=1.5,
    )
    return image, placed


def bounds_inside(quad: Quad, size: tuple[int, int]) -> bool:
    """Whether the quad lies within the picture."""
    left, top, right, bottom = quad_bounds(quad)
    return left >= 0 and top >= 0 and right <= size[0] and bottom <= size[1]
