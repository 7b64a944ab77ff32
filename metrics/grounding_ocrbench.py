"""OCRBench v2 text grounding (``ocrbench-v2-iou``): the continuous IoU of the last box.

Registered from :mod:`harmonybench.metrics.grounding`, whose module docstring places it among
the grounding protocols.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from harmonybench.errors import DataError
from harmonybench.meaning import FAULTS, MAIN, MetricTable, declare
from harmonybench.metrics.coords_parse import ocrbench_v2_last_box
from harmonybench.metrics.coords_targets import target_mapping
from harmonybench.metrics.geometry_boxes import box_iou
from harmonybench.protocol import BatchedProtocol
from harmonybench.schema import Sample

_EMPTY_BOX = (0.0, 0.0, 0.0, 0.0)


def _ocrbench_v2_target(sample: Sample) -> tuple[int, int, int, int]:
    """``target["box"]``: four numbers truncated with ``int()`` as the reference does."""
    value = target_mapping(sample).get("box")
    ok = (
        isinstance(value, (list, tuple)) and len(value) == 4
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and all(np.isfinite(float(v)) for v in value)
    )
    if not ok:
        raise DataError(
            sample.task, f"expected a box [x1, y1, x2, y2] in 0-1000, got {value!r}",
            record=f"sample {sample.id}", field="target.box",
        )
    assert isinstance(value, (list, tuple))
    a, b, c, d = (int(v) for v in value)
    return a, b, c, d


class OCRBenchV2IoU(BatchedProtocol):
    """OCRBench v2 text grounding: the continuous IoU of the last box, in a 0-1000 frame.

    Reference: Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts/eval.py`` @794c36d6423c
    (the ``"text grounding en"`` branch) with ``IoUscore_metric.py``'s
    ``extract_coordinates`` and ``calculate_iou``.

    Rule and boundary cases:

    - The box is the **last** ``(a,b,c,d)`` / ``[a,b,c,d]`` of unsigned integers all in
      0..1000 (see :func:`~harmonybench.metrics.coords_parse.ocrbench_v2_last_box`); decimals and
      negative numbers never match. None found: ``unparseable``, score 0.
    - The score is the IoU itself, not a threshold, computed on the integer 0-1000 numbers:
      the ground truth ``target["box"]`` (OCRBench v2's ``answers`` for this type, in its
      0-1000 frame, not pixels) is truncated with ``int()`` as the reference does.
    - A union of 0 (both boxes empty) scores 0. A box with ``x2 <= x1`` or ``y2 <= y1``
      scores 0: the reference's unclamped areas give 0 (or -0.0) there as well.
    - The reference scores a malformed ground truth 0 (a bare ``except``); here it is a
      :class:`~harmonybench.errors.DataError`.
    """

    name: ClassVar[str] = "ocrbench-v2-iou"
    metric: ClassVar[str] = "iou"
    metrics: ClassVar[MetricTable] = declare(iou=MAIN, unparseable=FAULTS)
    reference: ClassVar[str] = (
        "Yuliang-Liu/MultimodalOCR OCRBench_v2/eval_scripts/IoUscore_metric.py "
        "@794c36d6423c extract_coordinates + calculate_iou"
    )
    summary: ClassVar[str] = "OCRBench v2 grounding: continuous IoU of the last 0-1000 box"

    def evaluate_many(
        self, predictions: Sequence[str], samples: Sequence[Sample]
    ) -> list[dict[str, float]]:
        """Per-sample ``iou`` and ``unparseable``, IoUs computed in one call.

        Raises:
            ValueError: the lists differ in length.
            DataError: a sample without a valid ``target["box"]``.
        """
        if len(predictions) != len(samples):
            raise ValueError("predictions and samples differ in length")
        truth = [_ocrbench_v2_target(sample) for sample in samples]
        found = [ocrbench_v2_last_box(p) if isinstance(p, str) else None for p in predictions]
        boxes = [box if box is not None else _EMPTY_BOX for box in found]
        ious = box_iou(
            np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
            np.asarray(truth, dtype=np.float64).reshape(-1, 4),
        )
        return [
            {self.metric: float(iou), "unparseable": float(box is None)}
            for iou, box in zip(ious.tolist(), found, strict=True)
        ]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """The mean ``iou`` and the ``unparseable`` count."""
        return {
            self.metric: float(sum(v[self.metric] for v in values) / len(values))
            if values else 0.0,
            "unparseable": int(sum(v.get("unparseable", 0.0) for v in values)),
        }
