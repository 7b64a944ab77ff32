"""Golden and property tests of boxes, polygons and their IoU (harmonybench.metrics.geometry)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import shapely
from benchscripts import load_benchmark
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.metrics.geometry import (
    REJECTED,
    REPAIRED,
    VALID,
    GeometryReport,
    geometry_iou_matrix,
    intersection_over_area,
    make_polygons,
    polygon_area,
    polygon_iou,
    polygon_iou_matrix,
)
from harmonybench.metrics.geometry_boxes import (
    as_boxes,
    bounding_boxes,
    box_area,
    box_corners,
    box_iou,
    box_iou_matrix,
)

SQUARE = [[0, 0], [2, 0], [2, 2], [0, 2]]
DIAMOND = [[1, 0], [2, 1], [1, 2], [0, 1]]  # area 2, bounding box = SQUARE
BOW_TIE = [[0, 0], [2, 2], [2, 0], [0, 2]]  # two triangles of area 1 crossing at (1, 1)


def iou1(a: list[float], b: list[float]) -> float:
    return float(box_iou([a], [b])[0])


def piou1(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]], **kw: str) -> float:
    return float(polygon_iou([a], [b], **kw)[0])  # type: ignore[arg-type]


class TestBoxIoU:
    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            ([0, 0, 2, 2], [0, 0, 2, 2], 1.0),  # identical
            ([0, 0, 2, 2], [5, 5, 7, 7], 0.0),  # disjoint
            ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),  # touching along an edge
            ([0, 0, 2, 2], [1, 0, 3, 2], 1 / 3),  # half of each overlaps
            ([0, 0, 4, 4], [1, 1, 3, 3], 0.25),  # containment
            ([0, 0, 2, 1], [0, 0, 1, 1], 0.5),  # exactly one half
            ([0.5, 0.5, 1.5, 2.5], [1.0, 0.0, 2.0, 2.0], 0.75 / 3.25),
        ],
    )
    def test_golden(self, a: list[float], b: list[float], expected: float) -> None:
        assert iou1(a, b) == pytest.approx(expected, abs=1e-12)
        assert iou1(b, a) == pytest.approx(expected, abs=1e-12)

    def test_exact_half_is_exact(self) -> None:
        assert iou1([0, 0, 2, 1], [0, 0, 1, 1]) == 0.5

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ([0, 0, 0, 5], [0, 0, 2, 5]),  # zero width against a real box
            ([1, 1, 1, 1], [0, 0, 2, 2]),  # a point inside a box
            ([0, 0, 0, 0], [0, 0, 0, 0]),  # both degenerate and identical: 0, never NaN
            ([3, 3, 3, 9], [3, 3, 3, 9]),  # both flat and identical
            ([2, 2, 0, 0], [0, 0, 2, 2]),  # inverted corners: area 0 (the references agree)
            ([2, 0, 0, 2], [0, 0, 2, 2]),  # inverted in x only
            ([2, 2, 0, 0], [2, 2, 0, 0]),  # both inverted
            ([math.nan, 0, 2, 2], [0, 0, 2, 2]),
            ([0, 0, math.inf, 2], [0, 0, 2, 2]),
        ],
    )
    def test_degenerate_boxes_score_zero(self, a: list[float], b: list[float]) -> None:
        assert iou1(a, b) == 0.0
        assert iou1(b, a) == 0.0

    def test_area(self) -> None:
        np.testing.assert_array_equal(
            box_area(np.array([[0, 0, 2, 3], [2, 2, 0, 0], [0, 0, math.nan, 1]])), [6.0, 0.0, 0.0]
        )

    def test_shapes(self) -> None:
        assert as_boxes([1, 2, 3, 4]).shape == (1, 4)
        assert as_boxes([]).shape == (0, 4)
        assert box_iou(np.zeros((0, 4)), np.zeros((0, 4))).shape == (0,)
        with pytest.raises(ValueError, match="shape"):
            as_boxes([[1, 2, 3]])
        with pytest.raises(ValueError, match="differ"):
            box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 1, 1]])

    def test_matrix_matches_pairs(self) -> None:
        rng = np.random.default_rng(1)
        xy = rng.uniform(0, 10, size=(7, 2))
        a = np.concatenate([xy, xy + rng.uniform(0, 5, size=(7, 2))], axis=1)
        b = a[::-1] + rng.normal(0, 1, size=a.shape)
        mat = box_iou_matrix(a, b)
        assert mat.shape == (7, 7)
        for i in range(7):
            np.testing.assert_allclose(mat[i], box_iou(np.repeat(a[i:i + 1], 7, 0), b))

    def test_bounding_boxes_and_corners(self) -> None:
        np.testing.assert_array_equal(
            bounding_boxes([DIAMOND, [], [[5, 6]]]),
            [[0, 0, 2, 2], [0, 0, 0, 0], [5, 6, 5, 6]],
        )
        np.testing.assert_array_equal(box_corners([0, 0, 2, 1]),
                                      [[0, 0], [2, 0], [2, 1], [0, 1]])
        assert box_corners([2, 0, 0, 1]).shape == (0, 2)


class TestPolygonIoU:
    def test_golden(self) -> None:
        assert piou1(SQUARE, SQUARE) == 1.0
        assert piou1(SQUARE, [[5, 5], [6, 5], [6, 6], [5, 6]]) == 0.0
        assert piou1(SQUARE, [[1, 0], [3, 0], [3, 2], [1, 2]]) == pytest.approx(1 / 3)
        # the lower-left triangle of the square: inter 2, union 4
        assert piou1(SQUARE, [[0, 0], [2, 0], [0, 2]]) == pytest.approx(0.5)

    def test_rotated_quad_box_and_polygon_iou_differ(self) -> None:
        # The diamond's bounding box is the square: as boxes they are identical, as polygons
        # the diamond covers half the square.
        box_d = bounding_boxes([DIAMOND])
        assert float(box_iou(box_d, [[0, 0, 2, 2]])[0]) == 1.0
        assert piou1(DIAMOND, SQUARE) == pytest.approx(0.5)
        # A thin strip at 45 degrees (area 6) inside its 4x4 bounding box.
        strip = [[0, 1], [1, 0], [4, 3], [3, 4]]
        assert polygon_area(strip) == pytest.approx(6.0)
        assert float(box_iou(bounding_boxes([strip]), [[0, 0, 4, 4]])[0]) == 1.0
        assert piou1(strip, [[0, 0], [4, 0], [4, 4], [0, 4]]) == pytest.approx(6 / 16)

    def test_orientation_and_closing_vertex_do_not_matter(self) -> None:
        clockwise = SQUARE[::-1]
        closed = [*SQUARE, SQUARE[0]]
        other = [[1, 0], [3, 0], [3, 2], [1, 2]]
        for variant in (clockwise, closed):
            assert piou1(variant, other) == pytest.approx(1 / 3)

    def test_bow_tie_is_repaired_with_both_lobes(self) -> None:
        batch = make_polygons([BOW_TIE])
        assert batch.status.tolist() == [REPAIRED]
        assert batch.reasons == ("self-intersection",)
        assert batch.areas()[0] == pytest.approx(2.0)  # buffer(0) would keep 1.0
        # against the square: intersection 2, union 4
        assert piou1(BOW_TIE, SQUARE) == pytest.approx(0.5)

    def test_bow_tie_rejected_under_reject_policy(self) -> None:
        batch = make_polygons([BOW_TIE], policy="reject")
        assert batch.status.tolist() == [REJECTED]
        assert piou1(BOW_TIE, SQUARE, policy="reject") == 0.0

    def test_ring_self_intersection_is_repaired(self) -> None:
        spike = [[0, 0], [2, 0], [2, 2], [3, 3], [2, 2], [0, 2]]
        batch = make_polygons([spike])
        assert batch.status.tolist() == [REPAIRED]
        assert batch.reasons == ("ring self-intersection",)
        assert batch.areas()[0] == pytest.approx(4.0)

    @pytest.mark.parametrize(
        ("points", "reason"),
        [
            ([[0, 0], [1, 1], [2, 2]], "zero area"),  # collinear: repairs to nothing
            ([[0, 0], [1, 0], [1, 0], [0, 0]], "zero area"),  # closed: 3 points, 2 distinct
            ([[0, 0], [1, 0], [0, 0]], "fewer than 3 points"),  # closed: 2 points
            ([[0, 0], [1, 1]], "fewer than 3 points"),
            ([[3, 3]], "fewer than 3 points"),
            ([], "fewer than 3 points"),
            ([[0, 0], [1, math.nan], [1, 1]], "non-finite coordinates"),
            ([[1, 1], [1, 1], [1, 1]], "fewer than 3 points"),  # the last closes the ring
        ],
    )
    def test_degenerate_polygons_are_rejected_with_a_reason(
        self, points: list[list[float]], reason: str
    ) -> None:
        batch = make_polygons([points, SQUARE])
        assert batch.status.tolist() == [REJECTED, VALID]
        assert batch.reasons[0] == reason
        assert batch.areas()[0] == 0.0
        assert piou1(points, SQUARE) == 0.0
        assert piou1(points, points) == 0.0  # both degenerate: 0, never NaN

    def test_report_counts_reasons(self) -> None:
        batch = make_polygons([BOW_TIE, SQUARE, [[0, 0], [1, 1]], BOW_TIE, [[0, 0], [1, 1],
                                                                             [2, 2]]])
        report = batch.report()
        assert report == GeometryReport(
            total=5, repaired=2, rejected=2,
            reasons={"self-intersection": 2, "fewer than 3 points": 1, "zero area": 1},
        )
        merged = report.merged(make_polygons([BOW_TIE]).report())
        assert merged.total == 6 and merged.repaired == 3
        assert merged.reasons["self-intersection"] == 3

    def test_uniform_and_ragged_inputs_agree(self) -> None:
        quads = np.array([SQUARE, DIAMOND, BOW_TIE], dtype=np.float64)
        uniform = make_polygons(quads)
        ragged = make_polygons([*quads.tolist(), [[0, 0], [1, 0], [0, 1]]])
        np.testing.assert_allclose(uniform.areas(), ragged.areas()[:3])
        assert uniform.status.tolist() == ragged.status.tolist()[:3]

    def test_bad_input(self) -> None:
        with pytest.raises(ValueError, match="policy"):
            make_polygons([SQUARE], policy="fix")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"\(x, y\)"):
            make_polygons([[[0, 0, 0], [1, 0, 0], [1, 1, 0]], [[0, 0], [1, 1]]])

    def test_matrix_and_area_precision(self) -> None:
        gts = make_polygons([SQUARE, [[10, 10], [12, 10], [12, 12], [10, 12]]])
        dets = make_polygons([[[1, 0], [3, 0], [3, 2], [1, 2]], [[0, 0], [1, 0], [1, 1], [0, 1]],
                              []])
        mat = geometry_iou_matrix(gts.geometries, dets.geometries)
        np.testing.assert_allclose(mat, [[1 / 3, 0.25, 0.0], [0.0, 0.0, 0.0]])
        np.testing.assert_allclose(polygon_iou_matrix(gts, dets), mat)
        ioa = intersection_over_area(dets.geometries, gts.geometries)
        np.testing.assert_allclose(ioa, [[0.5, 0.0], [1.0, 0.0], [0.0, 0.0]])


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

coord = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
size = st.floats(min_value=1e-2, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def boxes(draw: st.DrawFn) -> list[float]:
    x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
    return [x, y, x + w, y + h]


@st.composite
def any_boxes(draw: st.DrawFn) -> list[float]:
    return [draw(coord) for _ in range(4)]


@st.composite
def rotated_rects(draw: st.DrawFn) -> list[list[float]]:
    cx, cy = draw(st.floats(-1e3, 1e3)), draw(st.floats(-1e3, 1e3))
    hw, hh = draw(st.floats(0.5, 300)), draw(st.floats(0.5, 300))
    angle = draw(st.floats(-math.pi, math.pi))
    c, s = math.cos(angle), math.sin(angle)
    return [[cx + dx * c - dy * s, cy + dx * s + dy * c]
            for dx, dy in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))]


class TestProperties:
    @given(any_boxes(), any_boxes())
    def test_box_iou_symmetric_and_bounded(self, a: list[float], b: list[float]) -> None:
        ab, ba = iou1(a, b), iou1(b, a)
        assert ab == ba
        assert 0.0 <= ab <= 1.0

    @given(boxes())
    def test_box_iou_identity(self, a: list[float]) -> None:
        assert iou1(a, a) == pytest.approx(1.0, abs=1e-12)

    @settings(max_examples=60, deadline=None)
    @given(rotated_rects(), rotated_rects())
    def test_polygon_iou_symmetric_and_bounded(
        self, a: list[list[float]], b: list[list[float]]
    ) -> None:
        ab, ba = piou1(a, b), piou1(b, a)
        assert ab == pytest.approx(ba, abs=1e-9)
        assert 0.0 <= ab <= 1.0

    @settings(max_examples=60, deadline=None)
    @given(rotated_rects())
    def test_polygon_iou_identity(self, a: list[list[float]]) -> None:
        assert piou1(a, a) == pytest.approx(1.0, abs=1e-9)

    @settings(max_examples=60, deadline=None)
    @given(boxes(), boxes())
    def test_polygon_iou_of_rectangles_is_box_iou(self, a: list[float], b: list[float]) -> None:
        pa, pb = box_corners(a).tolist(), box_corners(b).tolist()
        assert piou1(pa, pb) == pytest.approx(iou1(a, b), abs=1e-9)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.tuples(coord, coord), min_size=0, max_size=7),
           st.lists(st.tuples(coord, coord), min_size=0, max_size=7))
    def test_arbitrary_point_lists_never_fail(
        self, a: list[tuple[float, float]], b: list[tuple[float, float]]
    ) -> None:
        value = piou1([list(p) for p in a], [list(p) for p in b])
        assert 0.0 <= value <= 1.0
        assert shapely.is_valid(make_polygons([[list(p) for p in a]]).geometries[0])


# ------------------------------------------------------------------------------------------
# The benchmark, run small
# ------------------------------------------------------------------------------------------




class TestBenchmark:
    def test_small_run_agrees_and_writes_table(self, tmp_path: Path) -> None:
        bench = load_benchmark("bench_iou")
        out = tmp_path / "results.md"
        assert bench.main(["--n", "2000", "--seed", "5", "--output", str(out)]) == 0
        report = out.read_text(encoding="utf-8")
        assert "| measure | implementation | pairs | seconds | pairs/s | ratio |" in report
        assert "`box_iou` (numpy, vectorised) | 2,000 |" in report
        assert "`polygon_iou` (shapely 2 ufuncs on arrays) | 200 |" in report
        assert "Machine:" in report

    def test_loops_follow_the_same_rules(self) -> None:
        bench = load_benchmark("bench_iou")
        a = np.array([[0, 0, 2, 2], [2, 2, 0, 0], [0, 0, 2, 1]], dtype=np.float64)
        b = np.array([[1, 0, 3, 2], [0, 0, 2, 2], [0, 0, 1, 1]], dtype=np.float64)
        np.testing.assert_allclose(bench.loop_box_iou(a, b), box_iou(a, b), atol=1e-12)
        quads = np.array([SQUARE, BOW_TIE], dtype=np.float64)
        others = np.array([DIAMOND, SQUARE], dtype=np.float64)
        np.testing.assert_allclose(bench.loop_polygon_iou(quads, others),
                                   polygon_iou(quads, others), atol=1e-12)

    def test_disagreement_is_reported(self) -> None:
        bench = load_benchmark("bench_iou")
        with pytest.raises(AssertionError, match="pair 1"):
            bench._compare("boxes", [0.5, 0.25], [0.5, 0.3])
