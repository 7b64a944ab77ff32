"""Throughput of the vectorised IoU functions against a per-pair Python loop with shapely.

Builds ``--n`` synthetic pairs of axis-aligned boxes and ``--n // 10`` pairs of quadrilaterals
(rotated rectangles, about 1% of them turned into bow-ties by swapping two vertices; about 2% of
the boxes degenerate or inverted), with a fixed seed. Then, in the same run:

- boxes: :func:`harmonybench.metrics.geometry_boxes.box_iou` (numpy) against a loop that builds two
  ``shapely.geometry.box`` per pair and takes ``intersection(...).area``;
- polygons: :func:`harmonybench.metrics.geometry.polygon_iou` (shapely 2 ufuncs over arrays,
  validation and ``make_valid`` repair included) against a loop that builds two
  ``shapely.geometry.Polygon`` per pair, repairs invalid ones with ``make_valid`` and takes
  ``intersection(...).area``.

Both loops apply the same rules as the library (zero-area boxes give 0; IoU =
``inter / (area_a + area_b - inter)``, clipped to [0, 1]). Every IoU must agree to 1e-9.
The markdown table (items/s and the ratio to the loop) is printed and written with the machine
to ``benchmarks/results_iou.md`` (or ``--output``).

Run: ``.venv/bin/python benchmarks/bench_iou.py [--n 1000000] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from machine import cpu_model
from shapely.geometry import Polygon, box

from harmonybench.metrics.geometry import polygon_iou
from harmonybench.metrics.geometry_boxes import box_iou

DEFAULT_OUTPUT = Path(__file__).with_name("results_iou.md")
TOLERANCE = 1e-9

T = TypeVar("T")
Row = tuple[str, str, int, float]


# --------------------------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------------------------


def synthetic_boxes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs of boxes: mostly overlapping, some disjoint, ~2% degenerate or inverted."""
    centre = rng.uniform(0, 1000, size=(n, 2))
    size = rng.uniform(1, 200, size=(n, 2))
    a = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    shift = rng.normal(0, 40, size=(n, 2)) * (rng.random((n, 1)) < 0.8)
    far = rng.uniform(-1000, 1000, size=(n, 2)) * (rng.random((n, 1)) < 0.2)
    scale = rng.uniform(0.6, 1.4, size=(n, 2))
    b_centre = centre + shift + far
    b_size = size * scale
    b = np.concatenate([b_centre - b_size / 2, b_centre + b_size / 2], axis=1)
    flat = rng.random(n) < 0.01
    b[flat, 2] = b[flat, 0]
    inverted = rng.random(n) < 0.01
    a[inverted] = a[inverted][:, [2, 3, 0, 1]]
    return a, b


def synthetic_quads(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs of rotated rectangles ``(n, 4, 2)``, ~1% of the second ones bow-ties."""

    def rects(centre: np.ndarray, half: np.ndarray, angle: np.ndarray) -> np.ndarray:
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
        local = corners[None, :, :] * half[:, None, :]
        cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
        x = local[..., 0] * cos - local[..., 1] * sin
        y = local[..., 0] * sin + local[..., 1] * cos
        out: np.ndarray = np.stack([x, y], axis=-1) + centre[:, None, :]
        return out

    centre = rng.uniform(0, 1000, size=(n, 2))
    half = rng.uniform(5, 100, size=(n, 2))
    angle = rng.uniform(-np.pi / 4, np.pi / 4, size=n)
    a = rects(centre, half, angle)
    shift = rng.normal(0, 20, size=(n, 2))
    b = rects(centre + shift, half * rng.uniform(0.7, 1.3, size=(n, 2)),
              angle + rng.normal(0, 0.2, size=n))
    bow = rng.random(n) < 0.01
    b[bow] = b[bow][:, [0, 2, 1, 3]]
    return a, b


# --------------------------------------------------------------------------------------------
# The per-pair loops
# --------------------------------------------------------------------------------------------


def _iou(inter: float, area_a: float, area_b: float) -> float:
    union = area_a + area_b - inter
    return min(max(inter / union, 0.0), 1.0) if union > 0 else 0.0


def loop_box_iou(a: np.ndarray, b: np.ndarray) -> list[float]:
    """One pair at a time with shapely boxes."""
    out = []
    for (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) in zip(a.tolist(), b.tolist(), strict=True):
        if not (ax2 > ax1 and ay2 > ay1 and bx2 > bx1 and by2 > by1):
            out.append(0.0)
            continue
        pa, pb = box(ax1, ay1, ax2, ay2), box(bx1, by1, bx2, by2)
        out.append(_iou(pa.intersection(pb).area, pa.area, pb.area))
    return out


def _valid(points: list[list[float]]) -> Polygon:
    poly = Polygon(points)
    if not poly.is_valid:
        fixed = shapely.make_valid(poly, method="structure", keep_collapsed=False)
        return fixed if fixed.area > 0 else Polygon()
    return poly


def loop_polygon_iou(a: np.ndarray, b: np.ndarray) -> list[float]:
    """One pair at a time with shapely polygons, repaired like the library."""
    out = []
    for pa_pts, pb_pts in zip(a.tolist(), b.tolist(), strict=True):
        pa, pb = _valid(pa_pts), _valid(pb_pts)
        out.append(_iou(pa.intersection(pb).area, pa.area, pb.area))
    return out


# --------------------------------------------------------------------------------------------
# Timing and the report
# --------------------------------------------------------------------------------------------


def machine_line() -> str:
    """CPU model, cores, Python, numpy, shapely and GEOS versions, in one line."""
    geos = ".".join(map(str, shapely.geos_version))
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, shapely {shapely.__version__} (GEOS {geos}), "
        f"{platform.system()} {platform.release()}"
    )


def _time(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _compare(label: str, fast: Sequence[float], slow: Sequence[float]) -> float:
    """The largest difference; raise when it exceeds :data:`TOLERANCE`."""
    diff = np.abs(np.asarray(fast, dtype=np.float64) - np.asarray(slow, dtype=np.float64))
    worst = float(diff.max()) if diff.size else 0.0
    if worst > TOLERANCE:
        bad = int(diff.argmax())
        raise AssertionError(
            f"{label}: pair {bad} has IoU {fast[bad]!r} vectorised, {slow[bad]!r} in the loop"
        )
    return worst


def bench_boxes(a: np.ndarray, b: np.ndarray) -> tuple[list[Row], float]:
    """Time both box implementations; returns the rows and the largest difference."""
    slow, slow_s = _time(lambda: loop_box_iou(a, b))
    fast, fast_s = _time(lambda: box_iou(a, b))
    worst = _compare("boxes", fast.tolist(), slow)
    n = len(a)
    return [
        ("box IoU", "per-pair loop, shapely.geometry.box", n, slow_s),
        ("box IoU", "`box_iou` (numpy, vectorised)", n, fast_s),
    ], worst


def bench_polygons(a: np.ndarray, b: np.ndarray) -> tuple[list[Row], float]:
    """Time both polygon implementations; returns the rows and the largest difference."""
    slow, slow_s = _time(lambda: loop_polygon_iou(a, b))
    fast, fast_s = _time(lambda: polygon_iou(a, b))
    worst = _compare("polygons", fast.tolist(), slow)
    n = len(a)
    return [
        ("polygon IoU", "per-pair loop, shapely.geometry.Polygon", n, slow_s),
        ("polygon IoU", "`polygon_iou` (shapely 2 ufuncs on arrays)", n, fast_s),
    ], worst


def markdown_table(rows: Sequence[Row]) -> str:
    """The results as a markdown table; ratio = loop seconds / this row's seconds."""
    lines = [
        "| measure | implementation | pairs | seconds | pairs/s | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    loop_s: dict[str, float] = {}
    for name, impl, n, seconds in rows:
        loop_s.setdefault(name, seconds)
        ratio = loop_s[name] / seconds if seconds > 0 else float("inf")
        rate = n / seconds if seconds > 0 else float("inf")
        lines.append(f"| {name} | {impl} | {n:,} | {seconds:.3f} | {rate:,.0f} | {ratio:.1f}x |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the report; returns 0 (raises when results differ)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1_000_000,
                        help="box pairs (default 1e6); polygon pairs are n // 10")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="markdown file to write (default benchmarks/results_iou.md)")
    args = parser.parse_args(argv)
    if args.n < 10:
        parser.error("--n must be at least 10")

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    rng = np.random.default_rng(args.seed)
    boxes_a, boxes_b = synthetic_boxes(args.n, rng)
    quads_a, quads_b = synthetic_quads(args.n // 10, rng)
    rows, box_diff = bench_boxes(boxes_a, boxes_b)
    poly_rows, poly_diff = bench_polygons(quads_a, quads_b)
    rows += poly_rows
    table = markdown_table(rows)
    print(table)

    report = "\n".join(
        [
            "# IoU: vectorised against a per-pair loop",
            "",
            f"`benchmarks/bench_iou.py --n {args.n} --seed {args.seed}`, run "
            f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.",
            "",
            f"Machine: {machine_line()}. Load average when the run started: {load}.",
            "",
            f"Data: {args.n:,} box pairs (mostly overlapping, ~20% far apart, ~1% flat, ~1% "
            f"inverted) and {args.n // 10:,} quadrilateral pairs (rotated rectangles, ~1% "
            "bow-ties repaired by `make_valid`), seed "
            f"{args.seed}. Both implementations ran in this process on the same data; the "
            f"largest IoU difference was {box_diff:.1e} (boxes) and {poly_diff:.1e} "
            f"(polygons), within the {TOLERANCE:.0e} checked. Polygon timings include "
            "building, validating and repairing the geometries. Ratio = loop seconds / row "
            "seconds.",
            "",
            table,
            "",
            "Polygon IoU is bound by GEOS's overlay (`intersection`), the same C code in both "
            "rows: the vectorised version saves the per-pair Python work (object creation, "
            "method dispatch) and skips the overlay for pairs whose bounding boxes do not "
            "overlap, which matters most for the detection IoU matrices (most region/detection "
            "pairs are far apart) and little for these aligned, mostly overlapping pairs. Box "
            "IoU needs no geometry library at all.",
            "",
        ]
    )
    args.output.write_text(report, encoding="utf-8")
    print(f"\nwritten to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
