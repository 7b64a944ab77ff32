"""How metric values are shown: percentages, counts, and metrics with their own units.

Scores are stored as fractions in [0, 1] except counts (OCRBench's score out of 1000) and
metrics with units (FID, PSNR in dB, CLIPScore). Which one a metric is, is its declared unit
(:class:`harmonybench.meaning.MetricInfo`); :func:`scale_for` picks the display scale from it,
and every table labels its values from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from harmonybench.meaning import UNITS, MetricInfo, Unit


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
_UNIT_SCALES: Mapping[Unit, Scale] = MappingProxyType({
    "fraction": PERCENT,
    "count": COUNT,
    "sum": Scale("sum", 1.0, 2),
    "fid": Scale("FID", 1.0, 2),
    "clipscore": Scale("CLIPScore", 1.0, 4),
    "db": Scale("dB", 1.0, 2),
    "ssim": Scale("SSIM", 1.0, 4),
    "number": Scale("value", 1.0, None),
})
"""The display scale of each declared unit (higher-is-better form)."""


def scale_for(info: MetricInfo) -> Scale:
    """The display scale of a declared metric: its unit's, labelled when lower is better."""
    if info.unit == "fraction" and not info.higher_is_better:
        return PERCENT_LOWER
    scale = _UNIT_SCALES[info.unit]
    if info.higher_is_better:
        return scale
    return replace(scale, label=f"{scale.label} (lower is better)")


SCALES_BY_LABEL: Mapping[str, Scale] = MappingProxyType({
    s.label: s for s in (scale_for(MetricInfo(unit, higher))
                         for unit in UNITS for higher in (True, False))})
"""Every scale by its label (what tables store beside display values)."""


def show_value(value: float, scale_label: str, *, sign: bool = False) -> str:
    """``value`` (display units) as its scale shows it; ``sign`` adds + to positive ones."""
    text = SCALES_BY_LABEL.get(scale_label, PERCENT).show(value)
    return f"+{text}" if sign and not math.isnan(value) and value > 0 else text
