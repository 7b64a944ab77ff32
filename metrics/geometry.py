"""Boxes and polygons in image pixels: construction, validation and repair, vectorised IoU.

Two shapes and their IoU:

- **Axis-aligned boxes** ``(x1, y1, x2, y2)`` as float64 arrays of shape ``(N, 4)``.
  :func:`~harmonybench.metrics.geometry_boxes.box_iou` scores N aligned pairs and
  :func:`~harmonybench.metrics.geometry_boxes.box_iou_matrix` all N x M pairs, in numpy.
  A box whose second corner is not strictly right of and below the first (``x2 <= x1`` or
  ``y2 <= y1``) has area 0. The references do not reorder corners either: TextHarmony's
  ``utils/grounding_score.py`` and Qwen-VL's ``eval_mm/evaluate_grounding.py`` feed such a box
  to torchvision's ``box_area`` (a negative or zero area) and OCRBench v2's ``calculate_iou``
  multiplies the raw extents, and in all three the clamped intersection is 0, so the pair can
  never reach an IoU threshold. Here the IoU of a zero-area box with anything, itself
  included, is **0**: when both boxes of a pair are degenerate the union is 0 and the IoU is
  defined as 0 (never NaN), which is also what OCRBench v2 returns (``union_area != 0 else 0``).
  Non-finite coordinates give IoU 0.
- **Polygons** (any number of points), built as shapely 2 geometry arrays by
  :func:`make_polygons` and scored by :func:`geometry_iou` (N aligned pairs) and
  :func:`geometry_iou_matrix` (N x M) with shapely's vectorised ``intersection`` and ``area``.

IoU is ``inter / (area_a + area_b - inter)``, the formula of every reference (the ICDAR/RRC
scripts' ``get_intersection_over_union``, torchvision's ``box_iou``, OCRBench v2's
``calculate_iou``). It saves the second overlay that ``shapely.union`` would cost; for valid
polygons the two agree to rounding. The result is clipped to [0, 1] (an intersection computed
on re-noded coordinates can exceed an area by one ulp), and a zero union gives 0.

Polygon validation and repair, counted by reason (:class:`GeometryReport`):

- fewer than 3 vertices (a closing vertex equal to the first is dropped first) or a
  non-finite coordinate: **rejected**, the polygon is empty (area 0, IoU 0);
- invalid for GEOS (a bow-tie "Self-intersection", a "Ring Self-intersection", "Too few
  points in geometry component" for repeated vertices): with ``policy="repair"`` (the
  default) it is rebuilt by ``shapely.make_valid(..., method="structure",
  keep_collapsed=False)`` and counted under the GEOS reason; one that repairs to nothing
  (collinear or repeated vertices) is rejected and counted as "zero area". A result that is
  still invalid (a floating-point sliver) gets one ``buffer(0)`` pass on the repaired
  geometry, and if that fails too it is rejected as "unrepairable". With ``policy="reject"``
  every invalid polygon becomes empty, counted under its GEOS reason.

``make_valid`` was chosen over ``buffer(0)``: on a bow-tie ``[(0,0),(2,2),(2,0),(0,2)]``
``buffer(0)`` keeps one lobe (area 1) and silently drops the other, while ``make_valid`` keeps
both triangles (a MultiPolygon of area 2), i.e. the region the outline encloses. Collapsed
polygons score 0 like any degenerate shape. The orientation of a ring never matters (shapely
areas are unsigned); the RRC scripts instead reject a whole submission with a counter-clockwise
quadrilateral.

**Modules**: the box functions are in :mod:`~harmonybench.metrics.geometry_boxes`; this one
holds the polygons, their validation and repair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
import shapely.errors

from harmonybench.metrics.geometry_boxes import iou_from

FloatArray = npt.NDArray[np.float64]
GeometryArray = npt.NDArray[np.object_]
RepairPolicy = Literal["repair", "reject"]

REPAIR_POLICIES: tuple[RepairPolicy, ...] = ("repair", "reject")

VALID: int = 0
"""Per-polygon status: valid as given."""
REPAIRED: int = 1
"""Per-polygon status: invalid, rebuilt by ``make_valid``."""
REJECTED: int = 2
"""Per-polygon status: rejected, replaced by an empty polygon."""

REASON_FEW_POINTS = "fewer than 3 points"
REASON_NON_FINITE = "non-finite coordinates"
REASON_ZERO_AREA = "zero area"
REASON_UNREPAIRABLE = "unrepairable"

_EMPTY = shapely.Polygon()


# ------------------------------------------------------------------------------------------
# Polygons
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeometryReport:
    """How many polygons were valid, repaired or rejected, and why.

    Attributes:
        total: polygons built.
        repaired: invalid polygons rebuilt by ``make_valid``.
        rejected: polygons replaced by an empty one.
        reasons: ``{reason: count}`` over the repaired and rejected polygons; a GEOS reason
            is its text before the location, lowercased ("self-intersection").
    """

    total: int = 0
    repaired: int = 0
    rejected: int = 0
    reasons: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def merged(self, other: GeometryReport) -> GeometryReport:
        """The sum of two reports."""
        reasons = Counter(dict(self.reasons))
        reasons.update(dict(other.reasons))
        return GeometryReport(
            total=self.total + other.total,
            repaired=self.repaired + other.repaired,
            rejected=self.rejected + other.rejected,
            reasons=MappingProxyType(dict(reasons)),
        )


@dataclass(frozen=True)
class PolygonBatch:
    """Polygons as a shapely geometry array, with each one's status and reason.

    Attributes:
        geometries: object array of shapely geometries (Polygon, MultiPolygon or empty).
        status: int8 array, :data:`VALID`, :data:`REPAIRED` or :data:`REJECTED` per polygon.
        reasons: the reason per polygon (``None`` when valid).
    """

    geometries: GeometryArray
    status: npt.NDArray[np.int8]
    reasons: tuple[str | None, ...]

    def __len__(self) -> int:
        return int(self.geometries.shape[0])

    def report(self) -> GeometryReport:
        """Counts of repaired and rejected polygons, by reason."""
        reasons = Counter(r for r in self.reasons if r is not None)
        return GeometryReport(
            total=len(self),
            repaired=int(np.count_nonzero(self.status == REPAIRED)),
            rejected=int(np.count_nonzero(self.status == REJECTED)),
            reasons=MappingProxyType(dict(reasons)),
        )

    def areas(self) -> FloatArray:
        """The area of each polygon (0 for empty ones)."""
        return np.asarray(shapely.area(self.geometries), dtype=np.float64)


def _repair(geoms: GeometryArray) -> GeometryArray:
    """``make_valid`` (structure method, collapsed parts dropped); a result that is still
    invalid (floating-point slivers, rare) gets one ``buffer(0)`` pass."""
    fixed = np.asarray(
        shapely.make_valid(geoms, method="structure", keep_collapsed=False), dtype=object
    )
    still = ~np.asarray(shapely.is_valid(fixed), dtype=bool)
    if still.any():
        fixed[still] = shapely.buffer(fixed[still], 0.0)
    return fixed


def _geos_reason(text: str) -> str:
    """``"Self-intersection[1 1]"`` -> ``"self-intersection"``."""
    return text.split("[", 1)[0].strip().lower() or "invalid"


def _prepare(points: npt.ArrayLike) -> tuple[FloatArray | None, str | None]:
    """One point list as a ``(K, 2)`` array without its closing vertex, or a reject reason."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.size == 0:
        return None, REASON_FEW_POINTS
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"a polygon must be a list of (x, y) points, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        return None, REASON_NON_FINITE
    if pts.shape[0] > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    if pts.shape[0] < 3:
        return None, REASON_FEW_POINTS
    return pts, None


def _uniform(polygons: Any) -> FloatArray | None:
    """A ``(N, K, 2)`` array when every polygon has the same K >= 3 finite, open points."""
    if isinstance(polygons, np.ndarray):
        arr = np.asarray(polygons, dtype=np.float64)
    else:
        try:
            arr = np.asarray(polygons, dtype=np.float64)
        except ValueError:  # ragged
            return None
    if arr.ndim != 3 or arr.shape[2] != 2 or arr.shape[1] < 3 or arr.shape[0] == 0:
        return None
    if not np.isfinite(arr).all() or (arr[:, 0] == arr[:, -1]).all(axis=1).any():
        return None
    return arr


def make_polygons(
    polygons: Sequence[npt.ArrayLike] | npt.NDArray[np.float64],
    *,
    policy: RepairPolicy = "repair",
) -> PolygonBatch:
    """Build, validate and repair (or reject) polygons, vectorised with shapely 2.

    Args:
        polygons: N point lists ``[[x, y], ...]`` (ragged allowed), or an ``(N, K, 2)`` array.
        policy: ``"repair"`` rebuilds invalid polygons with ``make_valid``; ``"reject"``
            replaces them with empty polygons. Polygons with fewer than 3 points or a
            non-finite coordinate are rejected under both.

    Returns:
        A :class:`PolygonBatch`; ``.report()`` counts the reasons.

    Raises:
        ValueError: an unknown policy, or a point list that is not ``(K, 2)``.
    """
    if policy not in REPAIR_POLICIES:
        raise ValueError(f"unknown repair policy {policy!r}; choose from {REPAIR_POLICIES}")
    n = len(polygons)
    geoms: GeometryArray = np.full(n, _EMPTY, dtype=object)
    status = np.zeros(n, dtype=np.int8)
    reasons: list[str | None] = [None] * n
    uniform = _uniform(polygons)
    if uniform is not None:
        geoms = np.asarray(shapely.polygons(uniform), dtype=object)
    elif n:
        kept: list[FloatArray] = []
        where: list[int] = []
        for i, points in enumerate(polygons):
            pts, reason = _prepare(points)
            if pts is None:
                status[i] = REJECTED
                reasons[i] = reason
            else:
                kept.append(pts)
                where.append(i)
        if kept:
            counts = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
            rings = shapely.linearrings(
                np.concatenate(kept), indices=np.repeat(np.arange(len(kept)), counts)
            )
            geoms[np.asarray(where, dtype=np.int64)] = shapely.polygons(rings)
    candidates = np.flatnonzero(status == VALID)
    if candidates.size:
        invalid = candidates[~shapely.is_valid(geoms[candidates])]
        if invalid.size:
            texts = shapely.is_valid_reason(geoms[invalid])
            for i, text in zip(invalid.tolist(), texts.tolist(), strict=True):
                reasons[i] = _geos_reason(str(text))
            if policy == "repair":
                fixed = _repair(geoms[invalid])
                geoms[invalid] = fixed
                collapsed = np.asarray(shapely.area(fixed), dtype=np.float64) <= 0.0
                broken = ~np.asarray(shapely.is_valid(fixed), dtype=bool)
                status[invalid] = np.where(collapsed | broken, REJECTED, REPAIRED)
                for i in invalid[collapsed].tolist():
                    reasons[i] = REASON_ZERO_AREA
                for i in invalid[broken & ~collapsed].tolist():
                    reasons[i] = REASON_UNREPAIRABLE
                geoms[invalid[collapsed | broken]] = _EMPTY
            else:
                geoms[invalid] = _EMPTY
                status[invalid] = REJECTED
    return PolygonBatch(geometries=geoms, status=status, reasons=tuple(reasons))


PolygonsLike = PolygonBatch | Sequence[npt.ArrayLike] | FloatArray
"""Polygons as a :class:`PolygonBatch`, N point lists, or an ``(N, K, 2)`` array."""


def _geometries(value: PolygonsLike, policy: RepairPolicy) -> GeometryArray:
    if isinstance(value, PolygonBatch):
        return value.geometries
    return make_polygons(value, policy=policy).geometries


def _overlapping(bounds_a: FloatArray, bounds_b: FloatArray) -> npt.NDArray[np.bool_]:
    """Where two bounding boxes overlap with positive area (broadcasting; NaN bounds of
    empty geometries never overlap). Only those pairs need a GEOS overlay."""
    with np.errstate(invalid="ignore"):
        w = np.minimum(bounds_a[..., 2], bounds_b[..., 2]) - np.maximum(bounds_a[..., 0],
                                                                        bounds_b[..., 0])
        h = np.minimum(bounds_a[..., 3], bounds_b[..., 3]) - np.maximum(bounds_a[..., 1],
                                                                        bounds_b[..., 1])
        result: npt.NDArray[np.bool_] = (w > 0) & (h > 0)
    return result


def _intersection_areas(a: GeometryArray, b: GeometryArray) -> FloatArray:
    """``area(a & b)`` for broadcast pairs, skipping pairs whose bounding boxes do not
    overlap (their intersection is empty or has no area)."""
    a_b, b_b = np.broadcast_arrays(a, b)
    bounds_a = np.asarray(shapely.bounds(a_b), dtype=np.float64)
    bounds_b = np.asarray(shapely.bounds(b_b), dtype=np.float64)
    hit = _overlapping(bounds_a, bounds_b)
    inter = np.zeros(a_b.shape, dtype=np.float64)
    if hit.any():
        try:
            inter[hit] = shapely.area(shapely.intersection(a_b[hit], b_b[hit]))
        except shapely.errors.GEOSException:
            inter[hit] = [_safe_intersection_area(x, y)
                          for x, y in zip(a_b[hit], b_b[hit], strict=True)]
    return inter


def _safe_intersection_area(a: Any, b: Any) -> float:
    """One pair's intersection area when the vectorised overlay raised (a GEOS topology
    error on nearly degenerate input): retried after ``buffer(0)``, else 0."""
    try:
        return float(shapely.area(shapely.intersection(a, b)))
    except shapely.errors.GEOSException:
        pass
    try:
        return float(shapely.area(shapely.intersection(shapely.buffer(a, 0.0),
                                                       shapely.buffer(b, 0.0))))
    except shapely.errors.GEOSException:
        return 0.0


def geometry_iou(a: GeometryArray, b: GeometryArray) -> FloatArray:
    """IoU of N aligned pairs of valid shapely geometries (from :func:`make_polygons`).

    Only pairs whose bounding boxes overlap go through ``shapely.intersection``.
    """
    if a.shape != b.shape:
        raise ValueError(f"geometry arrays differ in shape: {a.shape} vs {b.shape}")
    inter = _intersection_areas(a, b)
    area_a = np.asarray(shapely.area(a), dtype=np.float64)
    area_b = np.asarray(shapely.area(b), dtype=np.float64)
    return iou_from(inter, area_a, area_b)


def geometry_iou_matrix(a: GeometryArray, b: GeometryArray) -> FloatArray:
    """IoU of every geometry in ``a`` (N) with every one in ``b`` (M); returns ``(N, M)``."""
    inter = _intersection_areas(a[:, None], b[None, :]).reshape(len(a), len(b))
    area_a = np.asarray(shapely.area(a), dtype=np.float64)
    area_b = np.asarray(shapely.area(b), dtype=np.float64)
    return iou_from(inter, area_a[:, None], area_b[None, :])


def intersection_over_area(a: GeometryArray, b: GeometryArray) -> FloatArray:
    """``area(a_i & b_j) / area(a_i)`` for every pair, 0 where ``a_i`` has no area.

    The ICDAR scripts' "area precision" of a detection ``a_i`` against a don't-care region
    ``b_j``.
    """
    inter = _intersection_areas(a[:, None], b[None, :]).reshape(len(a), len(b))
    area_a = np.asarray(shapely.area(a), dtype=np.float64)[:, None]
    out = np.zeros_like(inter)
    np.divide(inter, area_a, out=out, where=area_a > 0)
    return out


def polygon_iou(
    a: PolygonsLike,
    b: PolygonsLike,
    *,
    policy: RepairPolicy = "repair",
) -> FloatArray:
    """IoU of N aligned pairs of polygons (point lists or :class:`PolygonBatch`).

    Point lists are built with :func:`make_polygons` under ``policy`` (use it directly to get
    the repair counts). Empty, rejected or collapsed polygons give 0.
    """
    return geometry_iou(_geometries(a, policy), _geometries(b, policy))


def polygon_iou_matrix(
    a: PolygonsLike,
    b: PolygonsLike,
    *,
    policy: RepairPolicy = "repair",
) -> FloatArray:
    """IoU of every polygon in ``a`` with every polygon in ``b``; returns ``(N, M)``."""
    return geometry_iou_matrix(_geometries(a, policy), _geometries(b, policy))


def polygon_area(points: Iterable[Sequence[float]]) -> float:
    """The area of one point list after validation and repair (0 when degenerate)."""
    batch = make_polygons([np.asarray(list(points), dtype=np.float64).reshape(-1, 2)])
    return float(batch.areas()[0])
