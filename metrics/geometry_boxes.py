"""Axis-aligned boxes ``(x1, y1, x2, y2)``: areas, IoU (pairwise and as a matrix), the boxes
of polygons and a box's corners; vectorised with numpy. Polygons are in
:mod:`harmonybench.metrics.geometry`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]



def as_boxes(boxes: npt.ArrayLike) -> FloatArray:
    """``boxes`` as a float64 array of shape ``(N, 4)`` (one box ``(4,)`` becomes ``(1, 4)``).

    Raises:
        ValueError: the input does not have 4 values per box.
    """
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == 4:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 4:
        if arr.size == 0:
            return np.zeros((0, 4), dtype=np.float64)
        raise ValueError(f"boxes must have shape (N, 4), got {arr.shape}")
    return arr


def box_area(boxes: npt.ArrayLike) -> FloatArray:
    """Areas of ``(N, 4)`` boxes; an inverted or flat box has area 0 (NaN gives 0 too)."""
    b = as_boxes(boxes)
    return _area(b[:, 0], b[:, 1], b[:, 2], b[:, 3])


def _area(x1: FloatArray, y1: FloatArray, x2: FloatArray, y2: FloatArray) -> FloatArray:
    """``max(x2 - x1, 0) * max(y2 - y1, 0)``; ``fmax`` turns NaN into 0 (and ``inf * 0``
    into 0 as well)."""
    w = np.fmax(x2 - x1, 0.0)
    h = np.fmax(y2 - y1, 0.0)
    out: FloatArray = np.fmax(np.multiply(w, h, out=w), 0.0, out=w)
    return out


def iou_from(inter: FloatArray, area_a: FloatArray, area_b: FloatArray) -> FloatArray:
    """``inter / (area_a + area_b - inter)``, 0 where the union is not positive or the
    quotient is NaN, clipped to [0, 1]."""
    union = area_a + area_b - inter
    out = np.zeros(np.broadcast(inter, union).shape, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(inter, union, out=out, where=union > 0)
    np.fmax(out, 0.0, out=out)  # NaN (inf / inf) -> 0
    np.fmin(out, 1.0, out=out)
    return out


def box_iou(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """IoU of N aligned pairs of boxes ``(x1, y1, x2, y2)``; returns shape ``(N,)``.

    Degenerate boxes (zero area, inverted corners, non-finite values) give 0, also when both
    boxes of a pair are degenerate and identical (see the module docstring).

    Raises:
        ValueError: the two arrays differ in length or are not ``(N, 4)``.
    """
    ba, bb = as_boxes(a), as_boxes(b)
    if ba.shape != bb.shape:
        raise ValueError(f"box arrays differ in shape: {ba.shape} vs {bb.shape}")
    inter = _area(
        np.maximum(ba[:, 0], bb[:, 0]), np.maximum(ba[:, 1], bb[:, 1]),
        np.minimum(ba[:, 2], bb[:, 2]), np.minimum(ba[:, 3], bb[:, 3]),
    )
    return iou_from(inter, box_area(ba), box_area(bb))


def box_iou_matrix(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """IoU of every box in ``a`` (N) with every box in ``b`` (M); returns ``(N, M)``."""
    ba, bb = as_boxes(a), as_boxes(b)
    inter = _area(
        np.maximum(ba[:, None, 0], bb[None, :, 0]), np.maximum(ba[:, None, 1], bb[None, :, 1]),
        np.minimum(ba[:, None, 2], bb[None, :, 2]), np.minimum(ba[:, None, 3], bb[None, :, 3]),
    )
    return iou_from(inter, box_area(ba)[:, None], box_area(bb)[None, :])


def bounding_boxes(polygons: Sequence[npt.ArrayLike]) -> FloatArray:
    """The axis-aligned bounding box ``(min x, min y, max x, max y)`` of each point list.

    An empty point list (or one with a non-finite coordinate) gives ``(0, 0, 0, 0)``, a
    degenerate box.
    """
    out = np.zeros((len(polygons), 4), dtype=np.float64)
    for i, points in enumerate(polygons):
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if pts.shape[0] == 0 or not np.isfinite(pts).all():
            continue
        out[i, :2] = pts.min(axis=0)
        out[i, 2:] = pts.max(axis=0)
    return out


def box_corners(box: Sequence[float]) -> FloatArray:
    """The 4 corners of ``(x1, y1, x2, y2)``, clockwise in image coordinates (y down).

    A degenerate box (``x2 <= x1`` or ``y2 <= y1``) gives an empty ``(0, 2)`` array, so that
    it is a zero-area polygon as it is a zero-area box.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (x2 > x1 and y2 > y1):
        return np.zeros((0, 2), dtype=np.float64)
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=np.float64)
