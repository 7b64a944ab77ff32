"""Checks on grounding answers: the coordinate-frame guard and point answers.

**Frame guard.** A grounding protocol reads the numbers of an answer in the frame its name
fixes (:mod:`harmonybench.metrics.grounding`); it never guesses the frame. Answers written in
another frame score near 0 without any error: Qwen-VL's 0-999 boxes read in TextHarmony's
448 frame (the ``grounding`` task's default) is the common case. The numbers say when that
happened: a frame's coordinates lie in ``[0, extent]`` (448, 999, 1000, 1; the image size
for ``pixel``), so when **more than half** of the answers that hold a shape have a
coordinate above the protocol's extent (:func:`frame_warning`), the protocol's reduced
numbers carry a ``warning`` string naming the protocol of the smallest frame that holds
most answers, ``scores.json`` keeps it, and ``harmonybench score`` and run summaries print
it. Coordinates *inside* a frame cannot tell frames apart (448-frame answers also fit 0-999),
and 0-999 cannot be told from 0-1000; the guard only reports answers that cannot be in the
protocol's frame. It never changes a score.

**Points.** ``<point>(x,y)</point>`` (TextMonkey's point tag) and a one-pair point list are
points: they have no area, so no IoU (journaled as 0) and no polygon to validate (never an
``invalid_polygons`` count). No released grounding scorer reads points (OCRBench v2 and
TextHarmony/MM-Interleaved parse boxes only; TextMonkey's point spotting is scored by its
own matching, not Acc@0.5), so harmonybench's rule is the pointing-game one: a point is a
**hit** (``acc@0.5`` 1) when it lies inside the ground-truth region or on its border: the
target's bounding box for ``-box`` protocols, its polygon for ``-poly`` ones. Points are
counted (``points``) so a table can tell point hits from box hits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import shapely

from harmonybench.errors import DataError
from harmonybench.metrics.coords import FRAMES, Shape
from harmonybench.metrics.coords_targets import image_size
from harmonybench.schema import Sample

FRAME_SUFFIX: Mapping[str, str] = {"th448": "", "norm999": "-999", "norm1000": "-1000",
                                   "norm1": "-norm", "pixel": "-pixel"}
"""The protocol-name suffix of each frame (``grounding-acc@0.5-box`` + suffix)."""

FRAME_ORDER: tuple[str, ...] = ("norm1", "th448", "norm999", "norm1000", "pixel")
"""Frames from the smallest extent to the largest (pixels: the image size)."""

_TOLERANCE = 1e-9


def protocol_for(frame: str, mode: str) -> str:
    """The Acc@0.5 protocol that reads ``frame`` coordinates, compared as ``mode``."""
    return f"grounding-acc@0.5-{mode}{FRAME_SUFFIX[frame]}"


def largest_coordinate(shape: Shape | None) -> float:
    """The largest absolute number of ``shape`` as written (0.0 without a shape)."""
    if shape is None:
        return 0.0
    return max(abs(v) for point in shape.points for v in point)


def _extent(frame: str, sample: Sample) -> float | None:
    spec = FRAMES[frame]
    if spec.extent is not None:
        return spec.extent
    try:
        width, height = image_size(sample)
    except DataError:
        return None
    return max(float(width), float(height))


def _fits(frame: str, largest: float, sample: Sample) -> bool:
    extent = _extent(frame, sample)
    return extent is not None and largest <= extent * (1 + _TOLERANCE)


def frame_warning(
    frame: str,
    mode: str,
    largest: Sequence[float],
    parsed: Sequence[bool],
    samples: Sequence[Sample],
) -> tuple[int, str | None]:
    """``(answers outside the frame, warning or None)`` for one protocol's answers.

    Args:
        frame: the protocol's frame.
        mode: ``"box"`` or ``"poly"`` (the suggested protocol keeps it).
        largest: per answer, :func:`largest_coordinate` of the scored shape, as written.
        parsed: per answer, whether it held a shape (the others are not counted).
        samples: the samples, for the image size of the ``pixel`` frame.
    """
    kept = [(value, sample) for value, ok, sample in zip(largest, parsed, samples, strict=True)
            if ok]
    outside = sum(not _fits(frame, value, sample) for value, sample in kept)
    if not kept or 2 * outside <= len(kept):
        return outside, None
    own = FRAMES[frame]
    bound = f"{own.extent:g}" if own.extent is not None else "the image size"
    message = (f"{outside} of {len(kept)} answers have coordinates above {bound}, outside "
               f"this protocol's {frame} frame")
    for candidate in FRAME_ORDER:
        if candidate == frame:
            continue
        fitting = sum(_fits(candidate, value, sample) for value, sample in kept)
        if 2 * fitting > len(kept):
            hint = " (0-999 and 0-1000 answers look alike)" if candidate == "norm999" else ""
            return outside, (f"{message}; they fit the {candidate} frame: score them with "
                             f"--protocol {protocol_for(candidate, mode)}{hint}")
    return outside, f"{message}; no frame holds most of them"


def point_hit(point: Shape, region: Shape, mode: str) -> bool:
    """Whether a point answer lies inside (or on) the target region: its bounding box for
    ``mode == "box"``, its polygon for ``"poly"``."""
    (x, y), = point.points
    if mode == "box":
        x1, y1, x2, y2 = region.box()
        return x1 <= x <= x2 and y1 <= y <= y2
    vertices = region.polygon()
    if len(vertices) < 3:
        return False
    polygon = shapely.make_valid(shapely.Polygon(vertices))
    return bool(shapely.covers(polygon, shapely.Point(x, y)))
