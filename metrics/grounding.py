"""Text grounding: Acc@0.5 of the first located region, and OCRBench v2's continuous IoU.

**Acc@0.5** (TextHarmony Table 2, MM-Interleaved and Qwen-VL RefCOCO): the fraction of queries
whose predicted region has IoU >= 0.5 with the ground truth. Two comparisons:

- ``-box``: prediction and ground truth are compared as axis-aligned boxes (a polygon becomes
  its bounding box). This is the reading of TextHarmony's Table 2 (protocols-and-formats §1.4):
  TextHarmony answers polygons but its only released grounding scorer compares boxes.
- ``-poly``: both are compared as polygons (a box becomes its 4 corners), with shapely.

The protocol name fixes the coordinate frame of the prediction (see
:mod:`harmonybench.metrics.coords` for the frames and the syntaxes recognised):

================================ ======================= =========================================
protocol                         frame                   who writes it
================================ ======================= =========================================
``grounding-acc@0.5-box``        ``th448``               TextHarmony ``[[x, y], ...]``
``grounding-acc@0.5-box-999``    ``norm999``             MM-Interleaved ``(x1,y1)(x2,y2)``,
                                                         Qwen-VL as its scorer divides
``grounding-acc@0.5-box-1000``   ``norm1000``            Qwen-VL docs, TextMonkey ``<box>``
``grounding-acc@0.5-box-norm``   ``norm1``               ``[x1, y1, x2, y2]`` in [0, 1]
``grounding-acc@0.5-box-pixel``  ``pixel``               image pixels
================================ ======================= =========================================

and the same five with ``-poly``. The frame is chosen by the name only, never guessed from the
numbers. Every syntax is recognised in every frame.

Target layout: ``sample.target = {"polygon": [[x, y], ...]}`` or ``{"box": [x1, y1, x2, y2]}``
in image pixels; ``sample.metadata["width"]`` and ``["height"]`` (needed by every frame except
``pixel``).

Per sample the protocols journal ``acc@0.5`` (1 or 0), ``iou``, ``unparseable`` (1 when the
output holds no shape), ``invalid_polygons`` (predicted or ground-truth polygons repaired
or rejected, ``-poly`` only), ``point`` (1 when the scored shape is a point) and
``max_coordinate`` (the scored shape's largest number as written, for the frame guard);
:meth:`~GroundingAccuracy.reduce` gives ``acc@0.5``, ``mean_iou``, ``unparseable``,
``invalid_polygons``, ``points`` and ``out_of_frame`` (counts) over the dataset, and a
``warning`` string when most answers lie outside the protocol's frame
(:mod:`harmonybench.metrics.grounding_guard`, which also says how points are scored).

**OCRBench v2** ``ocrbench-v2-iou``: the continuous IoU of the **last** box in the answer, in
OCRBench v2's own 0-1000 frame (no image size involved), averaged over items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from harmonybench.meaning import COUNT, FAULTS, FRACTION, MAIN, MetricInfo, MetricTable, declare
from harmonybench.metrics.coords import get_frame
from harmonybench.metrics.coords_parse import parse_shapes
from harmonybench.metrics.coords_targets import grounding_target, image_size
from harmonybench.metrics.geometry import VALID, FloatArray, geometry_iou, make_polygons
from harmonybench.metrics.geometry_boxes import box_iou
from harmonybench.metrics.grounding_guard import frame_warning, largest_coordinate, point_hit
from harmonybench.metrics.grounding_ocrbench import OCRBenchV2IoU
from harmonybench.protocol import BatchedProtocol
from harmonybench.schema import Sample

__all__ = ["GROUNDING_PROTOCOLS", "THRESHOLD", "GroundingAccuracy", "OCRBenchV2IoU"]

THRESHOLD = 0.5
"""A query counts as found when its IoU is >= this (``iou >= 0.5`` in both references)."""

_EMPTY_BOX = (0.0, 0.0, 0.0, 0.0)

_REFERENCE = (
    "bytedance/TextHarmony TextHarmony/utils/grounding_score.py @f98ac34b206f (from "
    "MM-Interleaved); QwenLM/Qwen-VL eval_mm/evaluate_grounding.py @aa00ed04091e"
)


def _check_lengths(predictions: Sequence[Any], samples: Sequence[Sample]) -> None:
    if len(predictions) != len(samples):
        raise ValueError("predictions and samples differ in length")


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


class GroundingAccuracy(BatchedProtocol):
    """Acc@0.5 of the first shape in the output against the ground-truth region.

    Reference: bytedance/TextHarmony ``TextHarmony/utils/grounding_score.py`` at f98ac34b206f
    (``grounding_eval``, inherited from MM-Interleaved) and QwenLM/Qwen-VL
    ``eval_mm/evaluate_grounding.py`` at aa00ed04091e: parse the first box, de-normalise it with the
    image width and height, IoU with the ground truth, count ``iou >= 0.5``, divide by the
    number of queries. No MARIO-Eval grounding scorer was released; reading TextHarmony's
    polygon answers through this rule is harmonybench's (protocols-and-formats §1.4).

    Rule and boundary cases:

    - The **first** shape in the output is scored, whatever its syntax (the references take
      the first regex match); later shapes are ignored.
    - An output with no shape is ``unparseable``: IoU 0, a miss, and counted. The
      references turn it into the box (0, 0, 0, 0), which also scores 0.
    - A box is used with its corners as written: ``x2 <= x1`` or ``y2 <= y1`` is a zero-area
      box and scores 0, as in the references (no reordering). A point (``<point>(x,y)</point>``
      or ``[[x, y]]``) has no area: it is a hit when it lies in the target region, IoU 0
      (:mod:`~harmonybench.metrics.grounding_guard`).
    - IoU exactly 0.5 counts as found (``>=``), unlike the ICDAR detection rule (``>``).
    - ``-poly``: self-intersecting polygons are repaired with ``shapely.make_valid`` and
      counted (see :mod:`harmonybench.metrics.geometry`).
    - The references normalise the ground truth as well (``gt / 999 * w``); here it is given
      in pixels. Box IoU is unchanged by scaling each axis, so only rounding differs.
    """

    metric: ClassVar[str] = "acc@0.5"
    metrics: ClassVar[MetricTable] = declare(**{
        "acc@0.5": MAIN, "iou": FRACTION, "mean_iou": FRACTION, "unparseable": FAULTS,
        "invalid_polygons": FAULTS, "point": COUNT, "points": COUNT, "out_of_frame": FAULTS,
        "max_coordinate": MetricInfo(unit="number", statistic=True)})
    reference: ClassVar[str] = _REFERENCE
    frame: ClassVar[str]
    mode: ClassVar[Literal["box", "poly"]]

    def _size(self, sample: Sample) -> tuple[float | None, float | None]:
        if get_frame(self.frame).needs_size:
            width, height = image_size(sample)
            return float(width), float(height)
        return None, None

    def evaluate_many(
        self, predictions: Sequence[str], samples: Sequence[Sample]
    ) -> list[dict[str, float]]:
        """Per-sample ``acc@0.5``, ``iou``, ``unparseable`` and ``invalid_polygons``.

        Parses every output, then computes all IoUs in one vectorised call.

        Raises:
            ValueError: the lists differ in length.
            DataError: a sample without a valid target region or image size.
        """
        _check_lengths(predictions, samples)
        targets = [grounding_target(sample) for sample in samples]
        parsed = [
            parse_shapes(text, self.frame, *self._size(sample))
            for text, sample in zip(predictions, samples, strict=True)
        ]
        firsts = [result.first for result in parsed]
        points = [s is not None and s.kind == "point" for s in firsts]
        # areas are compared for regions only: a point is scored by containment below
        regions = [None if point else s for s, point in zip(firsts, points, strict=True)]
        invalid = np.zeros(len(samples), dtype=np.float64)
        if self.mode == "box":
            pred_boxes = [s.box() if s is not None else _EMPTY_BOX for s in regions]
            ious: FloatArray = box_iou(
                np.asarray(pred_boxes, dtype=np.float64).reshape(-1, 4),
                np.asarray([t.box() for t in targets], dtype=np.float64).reshape(-1, 4),
            )
        else:
            empty = np.zeros((0, 2), dtype=np.float64)
            pred = make_polygons([s.polygon() if s is not None else empty for s in regions])
            truth = make_polygons([t.polygon() for t in targets])
            ious = geometry_iou(pred.geometries, truth.geometries)
            # A missing prediction or a point is not an invalid polygon; only parsed regions
            # count.
            parsed_mask = np.array([s is not None for s in regions], dtype=bool)
            invalid = ((pred.status != VALID) & parsed_mask).astype(np.float64)
            invalid += (truth.status != VALID).astype(np.float64)
        hits = [
            point_hit(shape, target, self.mode) if point and shape is not None
            else iou >= THRESHOLD
            for shape, point, target, iou in zip(firsts, points, targets, ious.tolist(),
                                                 strict=True)
        ]
        written = [parse_shapes(text, "pixel").first for text in predictions]
        return [
            {
                self.metric: float(hit),
                "iou": float(iou),
                "unparseable": float(not result.ok),
                "invalid_polygons": float(bad),
                "point": float(point),
                "max_coordinate": largest_coordinate(shape),
            }
            for hit, iou, result, bad, point, shape in zip(
                hits, ious.tolist(), parsed, invalid.tolist(), points, written, strict=True)
        ]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """``acc@0.5`` and ``mean_iou`` (means), ``unparseable``, ``invalid_polygons``,
        ``points`` and ``out_of_frame`` (counts), and ``warning`` (a string) when most
        answers lie outside the protocol's frame
        (:func:`~harmonybench.metrics.grounding_guard.frame_warning`)."""
        out: dict[str, Any] = {
            self.metric: _mean([v[self.metric] for v in values]),
            "mean_iou": _mean([v.get("iou", 0.0) for v in values]),
            "unparseable": int(sum(v.get("unparseable", 0.0) for v in values)),
            "invalid_polygons": int(sum(v.get("invalid_polygons", 0.0) for v in values)),
            "points": int(sum(v.get("point", 0.0) for v in values)),
        }
        # journals written before the guard have no max_coordinate: nothing to check there
        checked = [(v, s) for v, s in zip(values, samples, strict=True)
                   if "max_coordinate" in v]
        outside, warning = frame_warning(
            self.frame, self.mode, [v["max_coordinate"] for v, _ in checked],
            [not v.get("unparseable", 0.0) for v, _ in checked], [s for _, s in checked])
        out["out_of_frame"] = outside
        if warning is not None:
            out["warning"] = warning
        return out


class GroundingBox448(GroundingAccuracy):
    """Acc@0.5 as boxes, TextHarmony's 448 frame (the Table 2 reading). See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-box"
    summary: ClassVar[str] = "Acc@0.5, compared as boxes; TextHarmony 448-px frame"
    frame: ClassVar[str] = "th448"
    mode: ClassVar[Literal["box", "poly"]] = "box"


class GroundingPoly448(GroundingAccuracy):
    """Acc@0.5 as polygons, TextHarmony's 448 frame. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-poly"
    summary: ClassVar[str] = "Acc@0.5, compared as polygons; TextHarmony 448-px frame"
    frame: ClassVar[str] = "th448"
    mode: ClassVar[Literal["box", "poly"]] = "poly"


class GroundingBox999(GroundingAccuracy):
    """Acc@0.5 as boxes, 0-999 (MM-Interleaved; Qwen-VL's scorer). See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-box-999"
    summary: ClassVar[str] = "Acc@0.5, compared as boxes; 0-999 frame (MM-Interleaved, Qwen-VL)"
    frame: ClassVar[str] = "norm999"
    mode: ClassVar[Literal["box", "poly"]] = "box"


class GroundingPoly999(GroundingAccuracy):
    """Acc@0.5 as polygons, 0-999 frame. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-poly-999"
    summary: ClassVar[str] = "Acc@0.5, compared as polygons; 0-999 frame"
    frame: ClassVar[str] = "norm999"
    mode: ClassVar[Literal["box", "poly"]] = "poly"


class GroundingBox1000(GroundingAccuracy):
    """Acc@0.5 as boxes, 0-1000 (Qwen-VL docs, TextMonkey). See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-box-1000"
    summary: ClassVar[str] = "Acc@0.5, compared as boxes; 0-1000 frame (Qwen-VL docs, TextMonkey)"
    frame: ClassVar[str] = "norm1000"
    mode: ClassVar[Literal["box", "poly"]] = "box"


class GroundingPoly1000(GroundingAccuracy):
    """Acc@0.5 as polygons, 0-1000 frame. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-poly-1000"
    summary: ClassVar[str] = "Acc@0.5, compared as polygons; 0-1000 frame"
    frame: ClassVar[str] = "norm1000"
    mode: ClassVar[Literal["box", "poly"]] = "poly"


class GroundingBoxNorm(GroundingAccuracy):
    """Acc@0.5 as boxes, coordinates normalised to [0, 1]. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-box-norm"
    summary: ClassVar[str] = "Acc@0.5, compared as boxes; coordinates in [0, 1]"
    frame: ClassVar[str] = "norm1"
    mode: ClassVar[Literal["box", "poly"]] = "box"


class GroundingPolyNorm(GroundingAccuracy):
    """Acc@0.5 as polygons, coordinates normalised to [0, 1]. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-poly-norm"
    summary: ClassVar[str] = "Acc@0.5, compared as polygons; coordinates in [0, 1]"
    frame: ClassVar[str] = "norm1"
    mode: ClassVar[Literal["box", "poly"]] = "poly"


class GroundingBoxPixel(GroundingAccuracy):
    """Acc@0.5 as boxes, coordinates in image pixels. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-box-pixel"
    summary: ClassVar[str] = "Acc@0.5, compared as boxes; image pixels"
    frame: ClassVar[str] = "pixel"
    mode: ClassVar[Literal["box", "poly"]] = "box"


class GroundingPolyPixel(GroundingAccuracy):
    """Acc@0.5 as polygons, coordinates in image pixels. See the base class."""

    name: ClassVar[str] = "grounding-acc@0.5-poly-pixel"
    summary: ClassVar[str] = "Acc@0.5, compared as polygons; image pixels"
    frame: ClassVar[str] = "pixel"
    mode: ClassVar[Literal["box", "poly"]] = "poly"


GROUNDING_PROTOCOLS: tuple[type[GroundingAccuracy], ...] = (
    GroundingBox448, GroundingPoly448, GroundingBox999, GroundingPoly999, GroundingBox1000,
    GroundingPoly1000, GroundingBoxNorm, GroundingPolyNorm, GroundingBoxPixel,
    GroundingPolyPixel,
)
"""Every Acc@0.5 protocol, for registration."""
