"""Text detection and end-to-end spotting: ICDAR precision, recall and h-mean.

Both follow the ICDAR Robust Reading Competition scripts: the end-to-end script
``E2E_iou_1_1`` (``script.py``, version 1.1, 2019-12-29, with ``rrc_evaluation_funcs_1_1.py``)
as shipped in Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts/spotting_eval/`` at
794c36d6423c, and for detection the same script's localisation part, which is the ICDAR 2015
IoU detection rule (PaddlePaddle/PaddleOCR ``ppocr/metrics/eval_det_iou.py``, derived from
MhLiao/DB ``concern/icdar2015_eval/detection/iou.py``, gives the same matching).

Per image:

1. Ground-truth regions whose transcription is ``"###"`` (or marked ``ignore``) are
   **don't care**.
2. A detection is don't care when, for some don't-care region, ``area(det & region) /
   area(det) > 0.5`` (``AREA_PRECISION_CONSTRAINT``, strict; a zero-area detection never is).
3. The IoU matrix of every region with every detection (``inter / (area_det + area_gt -
   inter)``; a zero union gives 0).
4. **Matching order**: for each region in order, for each detection in order, when both are
   unmatched and neither is don't care and ``IoU > 0.5`` (``IOU_CONSTRAINT``, **strict**), they
   are matched. This is greedy, first-come, not the best IoU: a region takes the first
   detection over the threshold, and a second detection of the same word is a false
   positive.
5. Detection: every match counts. Spotting: a match counts only when the words agree (below);
   a geometric match with the wrong word still uses up both the region and the detection.
6. ``gt_care`` = regions minus don't-care ones; ``det_care`` likewise. Per image: with no
   care region, recall is 1 and precision is 1 without care detections, else 0; otherwise
   ``recall = matched / gt_care`` and ``precision = matched / det_care`` (0 when there are no
   care detections). H-mean is ``2PR / (P + R)`` (0 when both are 0).

Over the dataset the script sums ``matched``, ``gt_care`` and ``det_care`` over all images and
computes P, R and H from the sums (0 when a denominator is 0): **not** the mean of per-image
h-means. The protocols journal the three counts per image (and the per-image h-mean as the
per-sample score) and :meth:`ICDARProtocol.reduce` sums them.

Word agreement (spotting, ``WORD_SPOTTING`` false): both words are uppercased (so the
comparison ignores case, as the brief's default asks); they agree when equal, or when the
ground truth equals the detection after removing one special character from its start, its
end, or both (``SPECIAL_CHARACTERS = !?.:,*"()·[]/'``; only the ground truth's characters are
removed, ``ONLY_REMOVE_FIRST_LAST_CHARACTER``). An empty ground-truth word agrees only with an
empty detection (the reference indexes ``transGt[0]`` and would crash).

Differences from the RRC script, on purpose:

- coordinates stay floats in image pixels; the script casts every vertex to ``int`` (its
  submissions are integers) and builds polygons with the Polygon3 library;
- any number of vertices; the script's text format takes quadrilaterals only;
- ring orientation is ignored; the script rejects a submission with a counter-clockwise
  quadrilateral;
- self-intersecting polygons are repaired with ``shapely.make_valid`` and counted
  (``invalid_polygons``); PaddleOCR's port drops them instead.

Target layout: ``sample.target = {"polygons": [region, ...], "texts": [str, ...],
"ignore": [bool, ...]}``; a region is a point list ``[[x, y], ...]`` or a flat box
``[x1, y1, x2, y2]`` in image pixels; ``texts`` is required for spotting and ``ignore`` is
optional. Image size in ``sample.metadata["width"]``/``["height"]`` (except the ``pixel``
frame). Every shape in the model's output is a detection: polygons, boxes (a box with
``x2 <= x1`` or ``y2 <= y1`` has no area) and points (no area); all can only be false
positives when they have no area. An output with no shape is zero detections and is counted
as ``unparseable``.

Frames, by protocol name: no suffix = TextHarmony's 448-pixel frame (its "Locate all the text"
answers, ``[[[x, y], ...], ...]``, and "Locate and extract" answers, ``['[[x, y], ...] word',
...]``), ``-1000`` = 0-1000 (OCRBench v2's ``[x1, y1, x2, y2, text]``, Qwen-VL and TextMonkey
``<ref>word</ref><box>...</box>``), ``-pixel`` = pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from harmonybench.meaning import COUNT, FAULTS, FRACTION, MAIN, MetricTable, declare
from harmonybench.metrics.coords import Shape, get_frame
from harmonybench.metrics.coords_parse import parse_shapes
from harmonybench.metrics.coords_targets import Regions, image_size, target_regions
from harmonybench.metrics.geometry import (
    VALID,
    FloatArray,
    geometry_iou_matrix,
    intersection_over_area,
    make_polygons,
)
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

IOU_CONSTRAINT = 0.5
"""A region and a detection match when their IoU is strictly greater than this."""
AREA_PRECISION_CONSTRAINT = 0.5
"""A detection is don't care when more than this fraction of it lies in a don't-care region."""
SPECIAL_CHARACTERS = "!?.:,*\"()·[]/'"
"""Characters a ground-truth word may have at its ends that a detection may omit."""

_REFERENCE = (
    "Yuliang-Liu/MultimodalOCR OCRBench_v2/eval_scripts/spotting_eval/script.py "
    "@794c36d6423c (ICDAR RRC E2E_iou_1_1, rrc_evaluation_funcs_1_1)"
)


def transcription_match(truth: str, detected: str) -> bool:
    """Whether two words agree under the RRC end-to-end rule (uppercased first).

    Equal, or equal once one special character is removed from the ground truth's start,
    end, or both (see the module docstring). ``"###"`` regions never reach this.
    """
    gt, det = truth.upper(), detected.upper()
    if gt == det:
        return True
    if not gt:
        return False
    head, tail = gt[0] in SPECIAL_CHARACTERS, gt[-1] in SPECIAL_CHARACTERS
    return (
        (head and gt[1:] == det)
        or (tail and gt[:-1] == det)
        or (head and tail and gt[1:-1] == det)
    )


@dataclass(frozen=True)
class ImageResult:
    """The ICDAR counts of one image.

    Attributes:
        matched: matched pairs (spotting: those whose words agree).
        gt_care: ground-truth regions that are not don't care.
        det_care: detections that are not don't care.
        pairs: ``(region, detection, words agree)`` for every geometric match, in order.
    """

    matched: int
    gt_care: int
    det_care: int
    pairs: tuple[tuple[int, int, bool], ...] = ()

    @property
    def recall(self) -> float:
        """Per-image recall (1 when there is no care region)."""
        return 1.0 if self.gt_care == 0 else self.matched / self.gt_care

    @property
    def precision(self) -> float:
        """Per-image precision (see the module docstring for the empty cases)."""
        if self.gt_care == 0:
            return 0.0 if self.det_care > 0 else 1.0
        return 0.0 if self.det_care == 0 else self.matched / self.det_care

    @property
    def hmean(self) -> float:
        """Per-image h-mean."""
        return hmean(self.precision, self.recall)


def hmean(precision: float, recall: float) -> float:
    """``2PR / (P + R)``, 0 when both are 0."""
    total = precision + recall
    return 0.0 if total == 0 else 2.0 * precision * recall / total


def icdar_match(
    iou: npt.ArrayLike,
    gt_dont_care: Sequence[bool],
    det_dont_care: Sequence[bool],
    *,
    words_agree: npt.ArrayLike | None = None,
    threshold: float = IOU_CONSTRAINT,
) -> ImageResult:
    """Greedy one-to-one matching of one image, in the RRC scripts' order.

    Args:
        iou: ``(regions, detections)`` IoU matrix.
        gt_dont_care: per region, whether it is don't care.
        det_dont_care: per detection, whether it is don't care.
        words_agree: for spotting, a ``(regions, detections)`` boolean matrix; a match then
            counts only where it is true. ``None`` for detection (every match counts).
        threshold: a pair can match only when its IoU is strictly greater.

    Returns:
        The image's :class:`ImageResult`.
    """
    mat = np.asarray(iou, dtype=np.float64).reshape(len(gt_dont_care), len(det_dont_care))
    agree = None if words_agree is None else np.asarray(words_agree, dtype=bool)
    det_taken = list(det_dont_care)
    pairs: list[tuple[int, int, bool]] = []
    matched = 0
    for g in range(mat.shape[0]):
        if gt_dont_care[g]:
            continue
        for d in range(mat.shape[1]):
            if det_taken[d] or not mat[g, d] > threshold:
                continue
            det_taken[d] = True
            correct = True if agree is None else bool(agree[g, d])
            matched += int(correct)
            pairs.append((g, d, correct))
            break
    gt_care = sum(1 for dc in gt_dont_care if not dc)
    det_care = sum(1 for dc in det_dont_care if not dc)
    return ImageResult(matched=matched, gt_care=gt_care, det_care=det_care, pairs=tuple(pairs))


def dataset_scores(results: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """P, R and H from the summed counts of every image, as the RRC scripts compute them."""
    matched = int(sum(r.get("matched", 0.0) for r in results))
    gt_care = int(sum(r.get("gt_care", 0.0) for r in results))
    det_care = int(sum(r.get("det_care", 0.0) for r in results))
    recall = 0.0 if gt_care == 0 else matched / gt_care
    precision = 0.0 if det_care == 0 else matched / det_care
    return {
        "hmean": hmean(precision, recall),
        "precision": precision,
        "recall": recall,
        "matched": matched,
        "gt_care": gt_care,
        "det_care": det_care,
    }


def _polygon(shape: Shape) -> FloatArray:
    return shape.polygon()


class ICDARProtocol(Protocol):
    """ICDAR-style P/R/H over the shapes of a model's output. See the module docstring.

    The per-sample score is the image's h-mean; the dataset numbers come from
    :meth:`reduce`, which sums the journaled counts.
    """

    metric: ClassVar[str] = "hmean"
    metrics: ClassVar[MetricTable] = declare(
        hmean=MAIN, precision=FRACTION, recall=FRACTION, matched=COUNT, gt_care=COUNT,
        det_care=COUNT, unparseable=FAULTS, invalid_polygons=FAULTS)
    reference: ClassVar[str] = _REFERENCE
    frame: ClassVar[str]
    spotting: ClassVar[bool] = False

    def _size(self, sample: Sample) -> tuple[float | None, float | None]:
        if get_frame(self.frame).needs_size:
            width, height = image_size(sample)
            return float(width), float(height)
        return None, None

    def match_image(
        self, shapes: Sequence[Shape], regions: Regions
    ) -> tuple[ImageResult, int]:
        """Match one image's detections with its regions; also count invalid polygons."""
        n_gt = len(regions.shapes)
        batch = make_polygons([_polygon(s) for s in (*regions.shapes, *shapes)])
        gt_geoms, det_geoms = batch.geometries[:n_gt], batch.geometries[n_gt:]
        invalid = int(np.count_nonzero(batch.status != VALID))
        det_dont_care = [False] * len(shapes)
        dont_care_idx = [i for i, dc in enumerate(regions.dont_care) if dc]
        if dont_care_idx and shapes:
            ioa = intersection_over_area(det_geoms, gt_geoms[dont_care_idx])
            covered = np.asarray((ioa > AREA_PRECISION_CONSTRAINT).any(axis=1), dtype=bool)
            det_dont_care = [bool(v) for v in covered.tolist()]
        iou: FloatArray = np.zeros((n_gt, len(shapes)), dtype=np.float64)
        if n_gt and shapes:
            iou = geometry_iou_matrix(gt_geoms, det_geoms)
        agree = None
        if self.spotting:
            agree = np.array(
                [[transcription_match(t, s.text or "") for s in shapes] for t in regions.texts],
                dtype=bool,
            ).reshape(n_gt, len(shapes))
        result = icdar_match(iou, regions.dont_care, det_dont_care, words_agree=agree)
        return result, invalid

    def evaluate(self, prediction: str, sample: Sample) -> dict[str, float]:
        """The image's h-mean, precision, recall, the three counts, ``unparseable`` and
        ``invalid_polygons``.

        Raises:
            DataError: a sample without valid target regions (and texts, for spotting) or
                image size.
        """
        regions = target_regions(sample, need_texts=self.spotting)
        parsed = parse_shapes(prediction, self.frame, *self._size(sample))
        result, invalid = self.match_image(parsed.shapes, regions)
        return {
            self.metric: result.hmean,
            "precision": result.precision,
            "recall": result.recall,
            "matched": float(result.matched),
            "gt_care": float(result.gt_care),
            "det_care": float(result.det_care),
            "unparseable": float(not parsed.ok),
            "invalid_polygons": float(invalid),
        }

    def evaluate_many(
        self, predictions: Sequence[str], samples: Sequence[Sample]
    ) -> list[dict[str, float]]:
        """:meth:`evaluate` over aligned lists."""
        if len(predictions) != len(samples):
            raise ValueError("predictions and samples differ in length")
        return [self.evaluate(p, s) for p, s in zip(predictions, samples, strict=True)]

    def score(self, prediction: str, sample: Sample) -> float:
        """The image's h-mean (the dataset h-mean is not a mean of these: see reduce)."""
        return self.evaluate(prediction, sample)[self.metric]

    def score_many(self, predictions: Sequence[str], samples: Sequence[Sample]) -> list[float]:
        """:meth:`score` over aligned lists."""
        return [v[self.metric] for v in self.evaluate_many(predictions, samples)]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """Dataset ``hmean``, ``precision``, ``recall`` from the summed counts (the RRC rule),
        the sums themselves, and the ``unparseable`` and ``invalid_polygons`` counts."""
        scores = dataset_scores(values)
        scores["unparseable"] = int(sum(v.get("unparseable", 0.0) for v in values))
        scores["invalid_polygons"] = int(sum(v.get("invalid_polygons", 0.0) for v in values))
        return scores

    def aggregate(self, scores: Sequence[float], samples: Sequence[Sample]) -> dict[str, Any]:
        """The mean of per-image h-means, under its own name.

        The ICDAR numbers need the journaled counts (:meth:`reduce`); per-image h-means alone
        cannot give them, so this does not pretend to.
        """
        return {"mean_image_hmean": float(sum(scores) / len(scores)) if scores else 0.0}


class Detection448(ICDARProtocol):
    """ICDAR detection P/R/H, TextHarmony's 448 frame. See the module docstring."""

    name: ClassVar[str] = "detection-icdar"
    summary: ClassVar[str] = "ICDAR detection h-mean (IoU > 0.5, summed); TextHarmony 448 frame"
    frame: ClassVar[str] = "th448"


class Detection1000(ICDARProtocol):
    """ICDAR detection P/R/H, 0-1000 frame. See the module docstring."""

    name: ClassVar[str] = "detection-icdar-1000"
    summary: ClassVar[str] = "ICDAR detection h-mean (IoU > 0.5, summed); 0-1000 frame"
    frame: ClassVar[str] = "norm1000"


class DetectionPixel(ICDARProtocol):
    """ICDAR detection P/R/H, image pixels. See the module docstring."""

    name: ClassVar[str] = "detection-icdar-pixel"
    summary: ClassVar[str] = "ICDAR detection h-mean (IoU > 0.5, summed); image pixels"
    frame: ClassVar[str] = "pixel"


class Spotting448(ICDARProtocol):
    """ICDAR end-to-end spotting P/R/H, TextHarmony's 448 frame. See the module docstring."""

    name: ClassVar[str] = "spotting-icdar"
    summary: ClassVar[str] = (
        "ICDAR end-to-end spotting h-mean (IoU > 0.5 and same word); TextHarmony 448 frame"
    )
    frame: ClassVar[str] = "th448"
    spotting: ClassVar[bool] = True


class Spotting1000(ICDARProtocol):
    """ICDAR end-to-end spotting P/R/H, 0-1000 frame. See the module docstring."""

    name: ClassVar[str] = "spotting-icdar-1000"
    summary: ClassVar[str] = "ICDAR end-to-end spotting h-mean (IoU > 0.5 and same word); 0-1000"
    frame: ClassVar[str] = "norm1000"
    spotting: ClassVar[bool] = True


class SpottingPixel(ICDARProtocol):
    """ICDAR end-to-end spotting P/R/H, image pixels. See the module docstring."""

    name: ClassVar[str] = "spotting-icdar-pixel"
    summary: ClassVar[str] = (
        "ICDAR end-to-end spotting h-mean (IoU > 0.5 and same word); image pixels"
    )
    frame: ClassVar[str] = "pixel"
    spotting: ClassVar[bool] = True


ICDAR_PROTOCOLS: tuple[type[ICDARProtocol], ...] = (
    Detection448, Detection1000, DetectionPixel, Spotting448, Spotting1000, SpottingPixel,
)
"""Every detection and spotting protocol, for registration."""
