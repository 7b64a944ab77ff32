"""``render``: a deterministic glyph renderer, the ceiling of the OCR-based image-out metrics.

``harmonybench run --model render`` answers ``t2i`` and ``edit`` requests without any learned
model: it draws each target text (request metadata ``texts`` + ``polygons``, or an edit's
``text`` + ``polygon``; see :func:`harmonybench.models.imageio.text_targets`) into its polygon,
dark on light. An OCR reader should read most of what it draws, so its scores bound from above
what a generator can get under the same protocol, reader and crops.

**Canvas.** ``t2i``: a plain ``background`` image of ``width`` x ``height`` (the request's
generation settings, else the metadata canvas, else 512 x 512). ``edit``: the input image
``request.images[0]``, in which the masked region (``request.mask``, white = region, resized to
the image with nearest-neighbour sampling; without a mask, the polygons themselves) is first
filled with ``background``. Polygons are scaled from the metadata ``width`` x ``height`` canvas
to the image.

**Placing one text** (:func:`draw_text`): the polygon's minimum-area rectangle
(:func:`min_area_rect`, rotating calipers over its convex hull) gives a centre and a frame
(:func:`text_frame`): the reading direction is the one AnyText's crop of that rectangle sees
upright (``bench/crop.py``: from the top-left corner to the top-right one, or down the left
side when that side is more than 1.2 times longer, since the crop then turns 90 degrees
counter-clockwise), so that the renderer is the ceiling of exactly that protocol. The text is
drawn on a tile the size of the rectangle, at the largest whole font size whose ink box fits
within :data:`FILL_LENGTH` of the extent along the reading direction and
:data:`FILL_THICKNESS` of the extent across it, centred on its ink box; the tile is rotated to
the reading direction (bicubic resampling of an antialiased alpha mask) and composited at the
rectangle's centre.

**Fonts.** Latin (and any non-CJK) text: DejaVu Sans as matplotlib ships it
(``matplotlib.font_manager.findfont("DejaVu Sans")``), or ``--model-arg font=PATH``. A text with
a CJK character (CJK ideographs and their extensions, kana, hangul, CJK punctuation and
full-width forms: :func:`has_cjk`) uses a CJK font: ``--model-arg cjk_font=PATH`` (with
``cjk_font_index=N`` for a collection), else the first of :data:`CJK_FAMILIES` that ``fc-match``
resolves to itself (``fc-match`` always answers with some font; only an answer whose family list
names the family asked for counts). When none is installed, every sample with a CJK text gets
``Output(error=...)`` naming the fonts looked for (Debian: ``apt-get install
fonts-wqy-microhei``); nothing is drawn with a font that lacks the glyphs. Other scripts that
DejaVu Sans does not cover (Thai, Devanagari ...) are not detected and would draw as boxes.

**Output.** ``num_images`` copies of the one image (generation setting or model arg; default
1), as ``{sample_id}_{k}.png`` (:mod:`harmonybench.models.imageio`). The same request always
gives the same pixels (no randomness; PIL/FreeType versions and the font files, whose sha256
``spec()`` records, are the only inputs besides the request).

**Model args**: ``font``, ``cjk_font``, ``cjk_font_index``, ``color`` and ``background`` (any
PIL colour: ``black``, ``#202020`` ...; defaults black on white), ``num_images``, ``width``,
``height``.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.imageio import (
    Polygon,
    RequestError,
    binary_mask,
    polygons_mask,
    positive_int,
    text_targets,
    write_images,
)
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind

if TYPE_CHECKING:
    from PIL import Image, ImageFont

CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
"""CJK font families looked up with ``fc-match``, in order."""

CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3000, 0x30FF),    # CJK symbols and punctuation, hiragana, katakana
    (0x3100, 0x31FF),    # bopomofo, hangul compatibility jamo, kanbun, CJK strokes
    (0x3400, 0x4DBF),    # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # hangul syllables
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFF00, 0xFFEF),    # half-width and full-width forms
    (0x20000, 0x3134F),  # CJK unified ideographs extensions B-G
)
"""Code point ranges that make a text need a CJK font."""

FILL_LENGTH = 0.92
"""Share of the rectangle's long side the text's ink may take."""

FILL_THICKNESS = 0.8
"""Share of the rectangle's short side the text's ink may take."""

DEFAULT_SIZE = 512
"""Canvas side when neither the settings nor the metadata give a size."""

RENDER_ARGS: frozenset[str] = frozenset(
    {"font", "cjk_font", "cjk_font_index", "color", "background", "num_images", "width",
     "height"}
)

Point = tuple[float, float]


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a character in :data:`CJK_RANGES`."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in CJK_RANGES)


@dataclass(frozen=True)
class FontFile:
    """A font file and the face index inside it (collections hold several faces)."""

    path: str
    index: int = 0

    def identity(self) -> dict[str, Any]:
        """Path, face index and the file's sha256 (16 hex digits)."""
        digest = hashlib.sha256(Path(self.path).read_bytes()).hexdigest()[:16]
        return {"path": self.path, "index": self.index, "sha256": digest}


def default_font() -> FontFile:
    """DejaVu Sans, the file matplotlib ships."""
    from matplotlib import font_manager

    return FontFile(str(font_manager.findfont("DejaVu Sans", fallback_to_default=True)))


def find_cjk_font(families: Sequence[str] = CJK_FAMILIES) -> FontFile | None:
    """The first of ``families`` that ``fc-match`` resolves to itself; None when none does."""
    binary = shutil.which("fc-match")
    if binary is None:
        return None
    for family in families:
        try:
            done = subprocess.run(
                [binary, "-f", "%{file}\n%{index}\n%{family}", family],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        lines = done.stdout.split("\n")
        if done.returncode != 0 or len(lines) < 3:
            continue
        names = {name.strip().casefold() for name in lines[2].split(",")}
        if family.casefold() in names and Path(lines[0]).is_file():
            index = int(lines[1]) if lines[1].strip().isdigit() else 0
            return FontFile(lines[0], index)
    return None


# ------------------------------------------------------------------------------ geometry


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """The convex hull of ``points`` (Andrew's monotone chain), counter-clockwise."""
    unique = sorted({(float(x), float(y)) for x, y in points})
    if len(unique) < 3:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


ROTATE_RATIO = 1.2
"""AnyText's crop turns a crop upright when its height exceeds this multiple of its width."""


@dataclass(frozen=True)
class Rect:
    """A rotated rectangle, its corners in order around it.

    Attributes:
        center: ``(x, y)`` in pixels.
        corners: the four corners, each adjacent to the next.
    """

    center: Point
    corners: tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class TextFrame:
    """Where and which way a text runs in its rectangle.

    Attributes:
        center: ``(x, y)`` in pixels.
        length: the extent along the reading direction, in pixels.
        thickness: the extent across it, in pixels.
        direction: the reading direction, a unit vector in image coordinates (y down).
    """

    center: Point
    length: float
    thickness: float
    direction: Point

    @property
    def angle(self) -> float:
        """Counter-clockwise rotation (degrees, as PIL's ``rotate``) from horizontal."""
        return math.degrees(math.atan2(-self.direction[1], self.direction[0])) + 0.0


def min_area_rect(polygon: Sequence[Point]) -> Rect:
    """The minimum-area rectangle around ``polygon`` (rotating calipers over its hull).

    Raises:
        RequestError: the polygon has no area (all points on one line).
    """
    hull = convex_hull(polygon)
    if len(hull) < 3:
        raise RequestError(f"polygon {list(polygon)!r} has no area")
    best: tuple[float, Rect] | None = None
    for i, (x0, y0) in enumerate(hull):
        x1, y1 = hull[(i + 1) % len(hull)]
        edge = math.hypot(x1 - x0, y1 - y0)
        if edge == 0:
            continue
        ux, uy = (x1 - x0) / edge, (y1 - y0) / edge
        along = [x * ux + y * uy for x, y in hull]
        across = [-x * uy + y * ux for x, y in hull]
        a_lo, a_hi, c_lo, c_hi = min(along), max(along), min(across), max(across)
        area = (a_hi - a_lo) * (c_hi - c_lo)
        if area <= 0 or (best is not None and area >= best[0] - 1e-9):
            continue

        def point(a: float, c: float, ux: float = ux, uy: float = uy) -> Point:
            return (a * ux - c * uy, a * uy + c * ux)

        corners = (point(a_lo, c_lo), point(a_hi, c_lo), point(a_hi, c_hi), point(a_lo, c_hi))
        best = (area, Rect(point((a_lo + a_hi) / 2, (c_lo + c_hi) / 2), corners))
    if best is None:
        raise RequestError(f"polygon {list(polygon)!r} has no area")
    return best[1]


def text_frame(rect: Rect) -> TextFrame:
    """The reading direction AnyText's crop (``bench/crop.py``) sees upright in ``rect``.

    The crop names the corners as the metric does (the two of smallest x are the left ones, the
    upper of them top-left; likewise on the right) and reads from top-left to top-right, unless
    the top-left to bottom-left side is more than :data:`ROTATE_RATIO` times longer: then it
    turns the crop 90 degrees counter-clockwise, so the text must run from top-left down to
    bottom-left, glyph tops towards the right.
    """
    by_x = sorted(rect.corners)
    top_left, bottom_left = sorted(by_x[:2], key=lambda p: (p[1], p[0]))
    top_right, _ = sorted(by_x[2:], key=lambda p: (p[1], p[0]))
    across = math.dist(top_left, top_right)
    down = math.dist(top_left, bottom_left)
    if down > ROTATE_RATIO * across:
        end, length, thickness = bottom_left, down, across
    else:
        end, length, thickness = top_right, across, down
    direction = ((end[0] - top_left[0]) / length, (end[1] - top_left[1]) / length)
    return TextFrame(rect.center, length, thickness, direction)


# ------------------------------------------------------------------------------ drawing


class FontCache:
    """FreeType faces by (file, size), loaded once per adapter."""

    def __init__(self) -> None:
        self._faces: dict[tuple[str, int, int], ImageFont.FreeTypeFont] = {}

    def get(self, font: FontFile, size: int) -> ImageFont.FreeTypeFont:
        """``font`` at ``size`` pixels."""
        key = (font.path, font.index, size)
        face = self._faces.get(key)
        if face is None:
            from PIL import ImageFont

            face = ImageFont.truetype(font.path, size, index=font.index)
            self._faces[key] = face
        return face


def fit_font_size(text: str, font: FontFile, cache: FontCache, length: float,
                  thickness: float) -> int:
    """The largest whole size whose ink box fits ``length`` x ``thickness`` (at least 1)."""

    def fits(size: int) -> bool:
        left, top, right, bottom = cache.get(font, size).getbbox(text)
        return right - left <= length and bottom - top <= thickness

    lo, hi = 1, max(2, int(thickness * 2) + 2)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


def draw_text(canvas: Image.Image, text: str, polygon: Polygon, font: FontFile,
              cache: FontCache, color: tuple[int, int, int]) -> dict[str, Any]:
    """Draw ``text`` into ``polygon`` on ``canvas`` (in place; see the module docstring).

    Returns:
        What was drawn: the font size and the rectangle's angle (degrees).
    """
    from PIL import Image, ImageDraw

    rect = text_frame(min_area_rect(polygon))
    if not text.strip():
        return {"size": 0, "angle": round(rect.angle, 2)}
    size = fit_font_size(text, font, cache, rect.length * FILL_LENGTH,
                         rect.thickness * FILL_THICKNESS)
    face = cache.get(font, size)
    left, top, right, bottom = face.getbbox(text)
    tile_w, tile_h = max(1, math.ceil(rect.length)), max(1, math.ceil(rect.thickness))
    tile = Image.new("L", (tile_w, tile_h), 0)
    origin = (tile_w / 2 - (left + right) / 2, tile_h / 2 - (top + bottom) / 2)
    ImageDraw.Draw(tile).text(origin, text, font=face, fill=255)
    rotated = tile.rotate(rect.angle, resample=Image.Resampling.BICUBIC, expand=True)
    x = round(rect.center[0] - rotated.width / 2)
    y = round(rect.center[1] - rotated.height / 2)
    canvas.paste(Image.new("RGB", rotated.size, color), (x, y), rotated)
    return {"size": size, "angle": round(rect.angle, 2)}


def _color(key: str, value: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(value)
    except ValueError as exc:
        raise ModelArgError(f"--model-arg {key}={value!r}: not a colour") from exc
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


class RenderModel(ModelAdapter):
    """Draws the target texts into their polygons: the ceiling of the OCR-based metrics."""

    name: ClassVar[str] = "render"
    kinds: ClassVar[frozenset[RequestKind]] = IMAGE_OUT_KINDS
    family = "default"

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if location:
            raise ModelArgError(f"render takes no location (got render:{location}); settings "
                                "are --model-arg KEY=VALUE")
        unknown = sorted(set(self.args) - RENDER_ARGS)
        if unknown:
            raise ModelArgError(f"render: unknown --model-arg {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(RENDER_ARGS))})")
        self.font = self._font_arg("font", 0) or default_font()
        index = int(parse_number("cjk_font_index", self.args.get("cjk_font_index", "0")))
        self.cjk_font = self._font_arg("cjk_font", index) or find_cjk_font()
        self.color = _color("color", self.args.get("color", "black"))
        self.background = _color("background", self.args.get("background", "white"))
        self.overrides: dict[str, int] = {
            key: positive_int(key, parse_number(key, self.args[key]))
            for key in ("num_images", "width", "height") if key in self.args
        }
        self.cache = FontCache()

    def _font_arg(self, key: str, index: int) -> FontFile | None:
        value = self.args.get(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_file():
            raise ModelArgError(f"--model-arg {key}={value!r}: no such font file")
        return FontFile(str(path), index)

    def spec(self) -> dict[str, Any]:
        """Base spec plus the font files (with digests) and colours."""
        return {
            **super().spec(),
            "font": self.font.identity(),
            "cjk_font": self.cjk_font.identity() if self.cjk_font else None,
            "color": list(self.color),
            "background": list(self.background),
        }

    def _setting(self, request: Request, key: str) -> int | None:
        if key in self.overrides:
            return self.overrides[key]
        value = request.generation.get(key)
        return None if value is None else positive_int(key, value)

    def font_for(self, text: str) -> FontFile:
        """The font that draws ``text`` (raises :class:`RequestError` when none can)."""
        if not has_cjk(text):
            return self.font
        if self.cjk_font is None:
            raise RequestError(
                f"text {text!r} has CJK characters and no CJK font is installed (looked for "
                f"{', '.join(CJK_FAMILIES)} with fc-match); install one (Debian: apt-get "
                "install fonts-wqy-microhei) or pass --model-arg cjk_font=PATH"
            )
        return self.cjk_font

    def render(self, request: Request) -> tuple[Image.Image, list[dict[str, Any]]]:
        """The image for one request and what was drawn per text (raises RequestError)."""
        from PIL import Image

        targets = text_targets(request)
        fonts = [self.font_for(text) for text in targets.texts]
        if request.kind == "edit":
            if not request.images:
                raise RequestError("the edit request has no input image")
            ref = request.images[0]
            try:
                canvas = ref.open()
            except ImageError as exc:  # names the file
                raise RequestError(str(exc)) from exc
            polygons = targets.scaled(canvas.size)
            if request.mask is not None:
                try:
                    region = binary_mask(request.mask.open(), canvas.size)
                except Exception as exc:
                    raise RequestError(
                        f"cannot open mask {request.mask.describe()}: {exc}"
                    ) from exc
            else:
                region = polygons_mask(canvas.size, polygons)
            canvas.paste(Image.new("RGB", canvas.size, self.background), (0, 0), region)
        else:
            frame = targets.canvas or (DEFAULT_SIZE, DEFAULT_SIZE)
            width = self._setting(request, "width") or frame[0]
            height = self._setting(request, "height") or frame[1]
            canvas = Image.new("RGB", (width, height), self.background)
            polygons = targets.scaled((width, height))
        drawn = [
            draw_text(canvas, text, polygon, font, self.cache, self.color)
            for text, polygon, font in zip(targets.texts, polygons, fonts, strict=True)
        ]
        return canvas, drawn

    def answer(self, request: Request, context: GenerationContext) -> Output:
        """Render one request and write its images."""
        started = time.perf_counter()
        try:
            count = self._setting(request, "num_images") or 1
            image, drawn = self.render(request)
        except RequestError as exc:
            return Output(sample_id=request.sample_id, error=str(exc))
        paths = write_images([image] * count, context.image_dir, request.sample_id)
        return Output(sample_id=request.sample_id, images=paths,
                      latency_s=time.perf_counter() - started,
                      metadata={"drawn": drawn, "size": list(image.size)})

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order."""
        outputs: list[Output] = []
        for request in requests:
            if self.supports(request.kind):
                outputs.append(self.answer(request, context))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs
