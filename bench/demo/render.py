"""Drawing for the demo data: fonts, text placed at any angle with its polygon, backgrounds.

Everything here is deterministic: the same arguments give the same pixels on the same machine
(PIL's FreeType rendering, fixed resampling filters, noise from a seeded
:class:`numpy.random.Generator`), and :func:`save_image` writes PNG and JPEG files without
timestamps or other metadata.

Fonts are the DejaVu faces matplotlib ships (``DejaVu Sans``, ``DejaVu Serif``, ``DejaVu Sans
Mono``, found with :func:`matplotlib.font_manager.findfont`), so the Latin demo data looks the
same wherever harmonybench is installed with matplotlib. A CJK face is used only when one is
installed (``fc-match`` for ``WenQuanYi Micro Hei``, Debian's ``fonts-wqy-microhei``) and
really has CJK glyphs; :func:`find_fonts` reports when it has none.

Coordinates are pixels, ``x`` to the right and ``y`` down. A :data:`Quad` lists the corners of
a text's box clockwise on screen from the text's own top-left corner: top-left, top-right,
bottom-right, bottom-left, whatever the angle.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Color = tuple[int, int, int]
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

LATIN_FAMILIES: tuple[str, ...] = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono")
"""The Latin font families matplotlib ships, used in turn."""

CJK_FAMILY = "WenQuanYi Micro Hei"
"""The CJK family looked up with ``fc-match`` (Debian ``fonts-wqy-microhei``)."""

_CJK_PROBE = "中文字"
_JPEG_QUALITY = 90


class FontError(RuntimeError):
    """The fonts the demo needs cannot be found (matplotlib is missing)."""


@dataclass(frozen=True)
class FontSet:
    """The font files the demo draws with.

    Args:
        latin: the DejaVu Sans, Serif and Sans Mono files, in :data:`LATIN_FAMILIES` order.
        cjk: a font file with CJK glyphs, or ``None`` when none is installed.
        cjk_note: why there is no CJK font (empty when there is one).
    """

    latin: tuple[Path, ...]
    cjk: Path | None = None
    cjk_note: str = ""
    _faces: dict[tuple[Path, int], ImageFont.FreeTypeFont] = field(
        default_factory=dict, repr=False, compare=False
    )

    def face(self, path: Path, size: int) -> ImageFont.FreeTypeFont:
        """The font ``path`` at ``size`` pixels (loaded once per font set)."""
        key = (path, size)
        if key not in self._faces:
            self._faces[key] = ImageFont.truetype(str(path), size)
        return self._faces[key]

    def latin_face(self, index: int, size: int) -> ImageFont.FreeTypeFont:
        """Latin family ``index`` (modulo the number of families) at ``size`` pixels."""
        return self.face(self.latin[index % len(self.latin)], size)


def find_fonts() -> FontSet:
    """The DejaVu fonts matplotlib ships and, when installed, a CJK font.

    Raises:
        FontError: matplotlib is not installed (it ships the DejaVu fonts).
    """
    try:
        from matplotlib import font_manager
    except ImportError as exc:  # pragma: no cover - matplotlib is a declared dependency
        raise FontError(
            "the demo draws its data with the DejaVu fonts matplotlib ships: "
            "pip install matplotlib"
        ) from exc
    latin = tuple(
        Path(font_manager.findfont(family, fallback_to_default=True))
        for family in LATIN_FAMILIES
    )
    cjk, note = find_cjk_font()
    return FontSet(latin=latin, cjk=cjk, cjk_note=note)


def find_cjk_font(family: str = CJK_FAMILY) -> tuple[Path | None, str]:
    """``fc-match``'s file for ``family`` if it really draws CJK text, else ``None`` and why.

    ``fc-match`` always answers with some font, so the file is checked for CJK glyphs
    (matplotlib's FreeType binding reports a glyph index of 0 for a missing character).
    """
    binary = shutil.which("fc-match")
    if binary is None:
        return None, "no CJK font: fontconfig's fc-match is not installed"
    try:
        found = subprocess.run(
            [binary, "-f", "%{file}", family],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"no CJK font: fc-match failed ({exc})"
    if not found or not Path(found).is_file():
        return None, f"no CJK font: fc-match found no file for {family!r}"
    if not has_glyphs(Path(found), _CJK_PROBE):
        return None, (
            f"no CJK font installed ({family!r} is not installed; fc-match offered "
            f"{Path(found).name}, which has no CJK glyphs; Debian: apt-get install "
            "fonts-wqy-microhei)"
        )
    return Path(found), ""


def has_glyphs(path: Path, text: str) -> bool:
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(str(path))
    except (ImportError, OSError, RuntimeError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


# ----------------------------------------------------------------------------- geometry


def rotate_point(point: Point, centre: Point, angle: float) -> Point:
    """``point`` turned ``angle`` degrees counter-clockwise (as seen on screen) about ``centre``."""
    theta = math.radians(angle)
    dx, dy = point[0] - centre[0], point[1] - centre[1]
    return (
        centre[0] + dx * math.cos(theta) + dy * math.sin(theta),
        centre[1] - dx * math.sin(theta) + dy * math.cos(theta),
    )


def quad_bounds(quad: Sequence[Point]) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of the points."""
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


def int_quad(quad: Sequence[Point]) -> list[list[int]]:
    """The points rounded to whole pixels, as ``[[x, y], ...]``."""
    return [[round(x), round(y)] for x, y in quad]


def text_extent(face: ImageFont.FreeTypeFont, text: str, angle: float = 0.0) -> tuple[int, int]:
    """Width and height of the box around ``text``'s ink turned by ``angle`` degrees."""
    left, top, right, bottom = face.getbbox(text)
    width, height = right - left, bottom - top
    theta = math.radians(angle)
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    return math.ceil(width * cos + height * sin), math.ceil(width * sin + height * cos)


def draw_text(
    image: Image.Image,
    text: str,
    face: ImageFont.FreeTypeFont,
    centre: Point,
    *,
    angle: float = 0.0,
    fill: Color = (0, 0, 0),
    pad: float = 0.0,
) -> Quad:
    """Draw ``text`` centred on ``centre``, turned ``angle`` degrees counter-clockwise.

    Args:
        image: the RGB image drawn on (in place).
        text: one line of text.
        face: the font.
        centre: where the centre of the text's ink goes.
        angle: degrees, counter-clockwise on screen.
        fill: the text colour.
        pad: pixels added around the ink box in the returned quad.

    Returns:
        The box of the drawn ink (plus ``pad``) as a :data:`Quad` in ``image``'s pixels.
    """
    left, top, right, bottom = (round(v) for v in face.getbbox(text))
    margin = 4
    layer = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 0)
    ImageDraw.Draw(layer).text((margin - left, margin - top), text, font=face, fill=255)
    # the box of the ink itself (getbbox spans the advance widths, a little wider)
    ink_left, ink_top, ink_right, ink_bottom = layer.getbbox() or (0, 0, 1, 1)
    width, height = ink_right - ink_left, ink_bottom - ink_top
    inner = ((ink_left + ink_right) / 2.0, (ink_top + ink_bottom) / 2.0)
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = centre
    # PIL's AFFINE maps each output pixel back to the layer: the inverse of the rotation.
    data = (
        cos, -sin, inner[0] - cx * cos + cy * sin,
        sin, cos, inner[1] - cx * sin - cy * cos,
    )
    mask = layer.transform(image.size, Image.Transform.AFFINE, data,
                           resample=Image.Resampling.BICUBIC)
    image.paste(fill, (0, 0, image.width, image.height), mask)
    half_w, half_h = width / 2.0 + pad, height / 2.0 + pad
    corners = (
        (cx - half_w, cy - half_h), (cx + half_w, cy - half_h),
        (cx + half_w, cy + half_h), (cx - half_w, cy + half_h),
    )
    tl, tr, br, bl = (rotate_point(p, centre, angle) for p in corners)
    return (tl, tr, br, bl)


def fill_quad(image: Image.Image, quad: Sequence[Point], fill: Color,
              outline: Color | None = None, width: int = 1) -> None:
    """Fill the polygon ``quad`` on ``image`` (in place)."""
    ImageDraw.Draw(image).polygon(
        [(float(x), float(y)) for x, y in quad], fill=fill, outline=outline, width=width
    )


def box_quad(left: float, top: float, right: float, bottom: float) -> Quad:
    """The axis-aligned box as a :data:`Quad`."""
    return ((left, top), (right, top), (right, bottom), (left, bottom))


# ----------------------------------------------------------------------------- backgrounds


def gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    """A vertical gradient from ``top`` to ``bottom``."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float64)[:, None, None]
    start = np.asarray(top, dtype=np.float64)[None, None, :]
    stop = np.asarray(bottom, dtype=np.float64)[None, None, :]
    rows = start + (stop - start) * ramp
    pixels = np.broadcast_to(rows, (height, width, 3))
    return Image.fromarray(np.rint(pixels).astype(np.uint8), "RGB")


def degrade(image: Image.Image, rng: np.random.Generator, *, blur: float = 0.0,
            noise: float = 0.0, speckle: float = 0.0) -> Image.Image:
    """``image`` blurred and noisy, as a photo or a scan.

    Args:
        image: an RGB image (not changed).
        rng: the generator the noise is drawn from.
        blur: the Gaussian blur radius in pixels.
        noise: the standard deviation of Gaussian noise added to every channel.
        speckle: the share of pixels turned into grey dust specks (scans; compresses far
            better in PNG than Gaussian noise).
    """
    out = image.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else image
    if noise <= 0 and speckle <= 0:
        return out
    pixels = np.asarray(out, dtype=np.float64)
    if noise > 0:
        pixels = pixels + rng.normal(0.0, noise, size=pixels.shape)
    if speckle > 0:
        dust = rng.random(pixels.shape[:2]) < speckle
        pixels[dust] = rng.integers(60, 200, size=(int(dust.sum()), 1))
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "RGB")


# ----------------------------------------------------------------------------- files


def encode_image(image: Image.Image, fmt: str) -> bytes:
    """``image`` encoded as ``"PNG"`` or ``"JPEG"``, with no metadata (no timestamp, no EXIF)."""
    buffer = io.BytesIO()
    rgb = image.convert("RGB")
    if fmt == "JPEG":
        rgb.save(buffer, format="JPEG", quality=_JPEG_QUALITY, optimize=False,
                 progressive=False)
    elif fmt == "PNG":
        rgb.save(buffer, format="PNG", optimize=False, compress_level=6)
    else:
        raise ValueError(f"unsupported image format {fmt!r}")
    return buffer.getvalue()


def save_image(image: Image.Image, path: Path) -> Path:
    """Write ``image`` to ``path`` as PNG or JPEG (told by the suffix); returns ``path``."""
    fmt = "JPEG" if path.suffix.lower() in {".jpg", ".jpeg"} else "PNG"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_image(image, fmt))
    return path


def mask_image(size: tuple[int, int], quads: Sequence[Sequence[Point]]) -> Image.Image:
    """A black RGB image with the polygons filled white (a repaint mask)."""
    image = Image.new("RGB", size, (0, 0, 0))
    for quad in quads:
        fill_quad(image, quad, (255, 255, 255))
    return image
