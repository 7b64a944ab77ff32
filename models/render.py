"""``render``: a deterministic glyph renderer, the ceiling of the OCR-based image-out metrics.

``harmonybench run --model render`` answers ``t2i`` and ``edit`` requests without any learned
model: it draws each target text of the request's layout (``Request.layout.texts`` +
``polygons``; see :func:`harmonybench.models.imageio.request_layout`) into its polygon,
dark on light. An OCR reader should read most of what it draws, so its scores bound from above
what a generator can get under the same protocol, reader and crops.

**Canvas.** ``t2i``: a plain ``background`` image of ``width`` x ``height`` (the request's
generation settings, else the layout's canvas). ``edit``: the input image
``request.images[0]``, in which the masked region (``request.mask``, white = region, resized to
the image with nearest-neighbour sampling; without a mask, the polygons themselves) is first
filled with ``background``. Polygons are scaled from the layout's ``width`` x ``height`` canvas
to the image.

**Placing one text** (:func:`draw_text`): the polygon's minimum-area rectangle
(:func:`~harmonybench.models.render_geometry.min_area_rect`, rotating calipers over its convex hull)
gives a centre and a frame (:func:`~harmonybench.models.render_geometry.text_frame`): the reading
direction is the one AnyText's crop of that rectangle sees upright (``bench/crop.py``: from the
top-left corner to the top-right one, or down the left side when that side is more than 1.2 times
longer, since the crop then turns 90 degrees counter-clockwise), so that the renderer is the ceiling
of exactly that protocol. The text is drawn on a tile the size of the rectangle, at the largest
whole font size whose ink box fits within :data:`FILL_LENGTH` of the extent along the reading
direction and :data:`FILL_THICKNESS` of the extent across it, centred on its ink box; the tile is
rotated to the reading direction (bicubic resampling of an antialiased alpha mask) and composited at
the rectangle's centre.

**Fonts.** Latin (and any non-CJK) text: DejaVu Sans as matplotlib ships it
(``matplotlib.font_manager.findfont("DejaVu Sans")``), or ``--model-arg font=PATH``. A text with
a CJK character (CJK ideographs and their extensions, kana, hangul, CJK punctuation and
full-width forms: :func:`~harmonybench.models.render_fonts.has_cjk`) uses a CJK font: ``--model-arg
cjk_font=PATH`` (with ``cjk_font_index=N`` for a collection), else the first of
:data:`~harmonybench.models.render_fonts.CJK_FAMILIES` that ``fc-match`` resolves to itself
(``fc-match`` always answers with some font; only an answer whose family list names the family asked
for counts). When none is installed, every sample with a CJK text gets ``Output(error=...)`` naming
the fonts looked for (Debian: ``apt-get install fonts-wqy-microhei``); nothing is drawn with a font
that lacks the glyphs. Other scripts that DejaVu Sans does not cover (Thai, Devanagari ...) are not
detected and would draw as boxes.

**Output.** ``num_images`` copies of the one image (generation setting or model arg; default
1), as ``{sample_id}_{k}.png`` (:mod:`harmonybench.models.imageio`). The same request always
gives the same pixels (no randomness; PIL/FreeType versions and the font files, whose sha256
``spec()`` records, are the only inputs besides the request).

**Model args**: ``font``, ``cjk_font``, ``cjk_font_index``, ``color`` and ``background`` (any
PIL colour: ``black``, ``#202020`` ...; defaults black on white), ``num_images``, ``width``,
``height``.

**Modules**: this one holds the adapter and the drawing; :mod:`~harmonybench.models.render_fonts`
the fonts, :mod:`~harmonybench.models.render_geometry` the rectangle and reading direction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.layout import Polygon
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.imageio import (
    RequestError,
    binary_mask,
    polygons_mask,
    positive_int,
    request_layout,
    write_images,
)
from harmonybench.models.render_fonts import (
    CJK_FAMILIES,
    FontCache,
    FontFile,
    default_font,
    find_cjk_font,
    has_cjk,
)
from harmonybench.models.render_geometry import (
    min_area_rect,
    text_frame,
)
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind

if TYPE_CHECKING:
    from PIL import Image

FILL_LENGTH = 0.92
"""Share of the rectangle's long side the text's ink may take."""

FILL_THICKNESS = 0.8
"""Share of the rectangle's short side the text's ink may take."""

RENDER_ARGS: frozenset[str] = frozenset(
    {"font", "cjk_font", "cjk_font_index", "color", "background", "num_images", "width",
     "height"}
)


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

        targets = request_layout(request)
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
            frame = targets.canvas
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
