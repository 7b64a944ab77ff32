"""Where the ``render`` adapter writes a text in its polygon: the minimum-area rectangle and
the reading direction AnyText's crop sees upright; the adapter is
:mod:`harmonybench.models.render`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harmonybench.models.imageio import (
    RequestError,
)

if TYPE_CHECKING:
    pass

Point = tuple[float, float]


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
