"""How metric values are shown: percentages, counts, and metrics with their own units.

Scores are stored as fractions in [0, 1] except counts (OCRBench's score out of 1000) and
metrics with units (FID, PSNR in dB, CLIPScore); every table labels its scale from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LOWER_IS_BETTER: frozenset[str] = frozenset({
    "fid", "kid", "lpips", "cer", "wer", "edit_distance", "normalized_edit_distance",
})
"""Metric names (lowercase) that are better when lower."""


@dataclass(frozen=True)
class Scale:
    """How a metric's values are shown.

    Args:
        label: the unit shown in headers (``%``, ``count``, ``FID (lower is better)``).
        factor: display value = stored value x ``factor`` (100 for fractions).
        digits: decimals shown (``None``: four significant digits).
    """

    label: str
    factor: float = 1.0
    digits: int | None = 2

    def show(self, value: float) -> str:
        """The display text of a display-scale value (a dash for a missing one)."""
        if math.isnan(value):
            return "–"
        if self.digits is None:
            return f"{value:.4g}"
        return f"{value:.{self.digits}f}"


PERCENT = Scale("%", 100.0, 2)
PERCENT_LOWER = Scale("% (lower is better)", 100.0, 2)
COUNT = Scale("count", 1.0, 0)
RAW_SCALES: Mapping[str, Scale] = MappingProxyType({
    "fid": Scale("FID (lower is better)", 1.0, 2),
    "kid": Scale("KID (lower is better)", 1.0, 4),
    "lpips": Scale("LPIPS (lower is better)", 1.0, 4),
    "clipscore": Scale("CLIPScore", 1.0, 4),
    "clip_score": Scale("CLIPScore", 1.0, 4),
    "psnr": Scale("PSNR (dB)", 1.0, 2),
    "ssim": Scale("SSIM", 1.0, 4),
})
"""Metrics that are not fractions: shown as they are, with their own label."""
COUNT_METRICS: frozenset[tuple[str, str]] = frozenset({
    ("ocrbench", "score"), ("ocrbench-lmms-eval", "score"),
})
"""``(protocol, metric)`` pairs that are counts even when a file stores them as floats."""
COUNT_NAMES: frozenset[str] = frozenset({"lines", "images", "n", "correct", "total"})
SCALES_BY_LABEL: Mapping[str, Scale] = MappingProxyType(
    {s.label: s for s in (PERCENT, PERCENT_LOWER, COUNT, *RAW_SCALES.values())})


def show_value(value: float, scale_label: str, *, sign: bool = False) -> str:
    """``value`` (display units) as its scale shows it; ``sign`` adds + to positive ones."""
    text = SCALES_BY_LABEL.get(scale_label, PERCENT).show(value)
    return f"+{text}" if sign and not math.isnan(value) and value > 0 else text


def lower_is_better(metric: str) -> bool:
    """Whether ``metric`` is better when lower (see :data:`LOWER_IS_BETTER`)."""
    return metric.lower() in LOWER_IS_BETTER


def scale_of(protocol: str, metric: str, value: object = None) -> Scale:
    """The display scale of ``protocol``/``metric``; an ``int`` ``value`` means a count."""
    name = metric.lower()
    if name in RAW_SCALES:
        return RAW_SCALES[name]
    if (protocol, name) in COUNT_METRICS or name in COUNT_NAMES:
        return COUNT
    if isinstance(value, int) and not isinstance(value, bool):
        return COUNT
    return PERCENT_LOWER if name in LOWER_IS_BETTER else PERCENT
