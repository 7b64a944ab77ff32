"""Render words and lines of text to images, for tests that need pictures of text.

Everything is drawn with PIL in the DejaVu Sans font that matplotlib ships
(``matplotlib.font_manager.findfont("DejaVu Sans")``), so the pictures are the same on every
machine and nothing is downloaded.

Typical use::

    from render import place_lines, render_png, render_text, save_png

    image = render_text("Invoice 2024")                  # one line, black on white
    page = render_text(["TOTAL 42.50", "thank you"])     # two lines, top to bottom
    path = save_png(page, tmp_path / "page.png")         # written as PNG, path returned
    path = render_png(tmp_path / "word.png", "CENTRE", size=40, margin=4)

``size`` is the font size in pixels; ``margin`` the blank border around the ink;
``spacing`` the extra pixels between lines. The image is exactly the ink's bounding box plus
the margin on every side, so ``margin=0`` gives a tight crop like the word crops of
recognition benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

Color = str | tuple[int, int, int]


@lru_cache(maxsize=1)
def font_path() -> str:
    """The path of the DejaVu Sans TrueType file matplotlib ships."""
    from matplotlib import font_manager

    return str(font_manager.findfont("DejaVu Sans", fallback_to_default=True))


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels."""
    return ImageFont.truetype(font_path(), size)


def render_text(
    text: str | Sequence[str],
    *,
    size: int = 28,
    margin: int = 12,
    spacing: int | None = None,
    fg: Color = "black",
    bg: Color = "white",
) -> Image.Image:
    """Draw ``text`` (one line, or a sequence of lines top to bottom) as an RGB image.

    Args:
        text: a line, or the lines in reading order (each drawn left-aligned).
        size: font size in pixels.
        margin: blank pixels on every side of the ink's bounding box.
        spacing: extra pixels between lines (default: half the font size).
        fg: text colour.
        bg: background colour.

    Returns:
        An RGB image: the ink's bounding box plus ``margin`` pixels on every side.

    Raises:
        ValueError: there is nothing to draw.
    """
    lines = [text] if isinstance(text, str) else list(text)
    if not lines or not any(line.strip() for line in lines):
        raise ValueError("render_text needs some text to draw")
    face = font(size)
    gap = size // 2 if spacing is None else spacing
    ascent, descent = face.getmetrics()
    step = ascent + descent + gap
    pad = margin + size
    width = int(max(face.getlength(line) for line in lines)) + 2 * pad
    height = step * len(lines) - gap + 2 * pad
    ink = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(ink)
    for i, line in enumerate(lines):
        draw.text((pad, pad + i * step), line, font=face, fill=255)
    left, top, right, bottom = ink.getbbox() or (pad, pad, pad + 1, pad + 1)
    box = (left - margin, top - margin, right + margin, bottom + margin)
    image = Image.new("RGB", (width, height), bg)
    image.paste(Image.new("RGB", (width, height), fg), mask=ink)
    return image.crop(box)


def save_png(image: Image.Image, path: str | Path) -> Path:
    """Write ``image`` as PNG (parent folders created); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="PNG")
    return out


def render_png(
    path: str | Path,
    text: str | Sequence[str],
    **kwargs: Any,
) -> Path:
    """:func:`render_text` then :func:`save_png`; keyword arguments as for ``render_text``."""
    return save_png(render_text(text, **kwargs), path)


def place_lines(
    placements: Sequence[tuple[str, int, int]],
    canvas: tuple[int, int],
    *,
    size: int = 28,
    fg: Color = "black",
    bg: Color = "white",
) -> Image.Image:
    """Draw each ``(text, x, y)`` with its top-left corner at ``(x, y)`` on a blank canvas.

    For layouts :func:`render_text` cannot make: two columns, lines side by side, text in an
    arbitrary place (reading-order and detection tests).
    """
    image = Image.new("RGB", canvas, bg)
    draw = ImageDraw.Draw(image)
    face = font(size)
    for text, x, y in placements:
        draw.text((x, y), text, font=face, fill=fg)
    return image
