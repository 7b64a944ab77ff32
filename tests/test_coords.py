"""Parsers of model outputs into shapes (harmonybench.metrics.coords), one case per format."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.coords import FRAMES, Shape, get_frame
from harmonybench.metrics.coords_parse import ocrbench_v2_last_box, parse_shapes
from harmonybench.metrics.coords_targets import grounding_target, image_size, target_regions
from harmonybench.schema import Sample


def shapes(text: str, frame: str = "pixel", w: float | None = None, h: float | None = None
           ) -> list[tuple[str, tuple[tuple[float, float], ...], str | None]]:
    result = parse_shapes(text, frame, w, h)
    assert result.ok, result.reason
    return [(s.kind, s.points, s.text) for s in result.shapes]


class TestFrames:
    def test_known_frames(self) -> None:
        assert set(FRAMES) == {"th448", "norm999", "norm1000", "norm1", "pixel"}
        assert get_frame("pixel") is FRAMES["pixel"]
        assert get_frame(FRAMES["th448"]) is FRAMES["th448"]
        with pytest.raises(ValueError, match="unknown frame"):
            get_frame("norm100")

    @pytest.mark.parametrize(
        ("frame", "text", "expected"),
        [
            # TextHarmony: x * W / 448 on a 896 x 448 image
            ("th448", "[[224, 224]]", (448.0, 224.0)),
            # MM-Interleaved / Qwen-VL's scorer: x / 999 * W
            ("norm999", "<point>(999, 999)</point>", (896.0, 448.0)),
            ("norm999", "<point>(500, 500)</point>", (500 / 999 * 896, 500 / 999 * 448)),
            # Qwen-VL docs, TextMonkey, OCRBench v2: x / 1000 * W
            ("norm1000", "<point>(500, 500)</point>", (448.0, 224.0)),
            ("norm1", "<point>(0.25, 0.5)</point>", (224.0, 224.0)),
            ("pixel", "<point>(12.5, 7)</point>", (12.5, 7.0)),
        ],
    )
    def test_conversion(self, frame: str, text: str, expected: tuple[float, float]) -> None:
        (kind, points, _), = shapes(text, frame, 896, 448)
        assert kind == "point"
        assert points[0] == pytest.approx(expected, abs=1e-12)

    def test_reference_order_of_operations(self) -> None:
        # grounding_score.py divides by 999 first, then multiplies by the width
        (_, points, _), = shapes("<point>(333, 1)</point>", "norm999", 1234, 10)
        assert points[0][0] == 333 / 999 * 1234

    @pytest.mark.parametrize("frame", ["th448", "norm999", "norm1000", "norm1"])
    @pytest.mark.parametrize(("w", "h"), [(None, 10), (10, None), (0, 10), (10, float("nan"))])
    def test_normalised_frames_need_a_size(
        self, frame: str, w: float | None, h: float | None
    ) -> None:
        with pytest.raises(ValueError, match="needs a positive image"):
            parse_shapes("[1, 2, 3, 4]", frame, w, h)

    def test_pixel_frame_needs_no_size(self) -> None:
        assert parse_shapes("[1, 2, 3, 4]", "pixel").ok


class TestTextHarmony:
    def test_polygon_as_python_prints_it(self) -> None:
        text = str([[12, 34], [56, 34], [56, 78], [12, 78]])
        assert text == "[[12, 34], [56, 34], [56, 78], [12, 78]]"
        assert shapes(text, "th448", 448, 448) == [
            ("polygon", ((12, 34), (56, 34), (56, 78), (12, 78)), None)
        ]

    def test_any_number_of_points(self) -> None:
        six = str([[0, 0], [10, 0], [20, 5], [20, 10], [10, 10], [0, 5]])
        (kind, points, _), = shapes(six)
        assert kind == "polygon" and len(points) == 6
        assert shapes("[[1, 2], [3, 4]]") == [("box", ((1, 2), (3, 4)), None)]
        assert shapes("[(1, 2), (3, 4), (5, 0)]")[0][0] == "polygon"

    def test_scaled_to_the_image(self) -> None:
        (_, points, _), = shapes("[[448, 0], [448, 448], [0, 448]]", "th448", 896, 224)
        assert points == ((896, 0), (896, 224), (0, 224))

    def test_locate_all_text(self) -> None:
        polys = [[[12, 34], [56, 34], [56, 78], [12, 78]], [[1, 2], [3, 2], [3, 4], [1, 4]]]
        found = shapes(str(polys))
        assert [p for _, p, _ in found] == [tuple(map(tuple, p)) for p in polys]
        assert all(t is None for _, _, t in found)

    def test_locate_and_extract_poly_word_pairs(self) -> None:
        answer = [str([[0, 0], [9, 0], [9, 9], [0, 9]]) + " " + w
                  for w in ("WINNER", "it's", 'say "hi"', "back\\slash")]
        text = str(answer)  # Python picks the quotes and escapes: the model imitates this
        assert [t for _, _, t in shapes(text)] == ["WINNER", "it's", 'say "hi"', "back\\slash"]

    def test_unquoted_poly_word_lines(self) -> None:
        text = "[[1, 2], [3, 2], [3, 4]] HELLO\n[[5, 6], [7, 6], [7, 8]] world, "
        assert [t for _, _, t in shapes(text)] == ["HELLO", "world"]

    def test_empty_answer_template(self) -> None:
        result = parse_shapes("No text detected in this image.", "th448", 448, 448)
        assert not result.ok and result.reason == "no shape found"


class TestCornerPairs:
    def test_mm_interleaved_three_digits(self) -> None:
        # MM-Interleaved's box2str: f"({x1:03d},{y1:03d})({x2:03d},{y2:03d})" after "<box>"
        assert shapes("<box>(012,034)(056,078)</box>", "norm999", 999, 999) == [
            ("box", ((12, 34), (56, 78)), None)
        ]

    def test_qwen_vl_with_comma_and_refs(self) -> None:
        text = ("<ref>the sign</ref><box>(100,200),(300,400)</box> and "
                "<ref>a cup</ref><box>(500,600),(700,800)</box>")
        assert shapes(text, "norm1000", 1000, 1000) == [
            ("box", ((100, 200), (300, 400)), "the sign"),
            ("box", ((500, 600), (700, 800)), "a cup"),
        ]

    def test_corners_are_kept_as_written(self) -> None:
        (kind, points, _), = shapes("(300, 400), (100, 200)")
        assert kind == "box" and points == ((300, 400), (100, 200))
        shape = Shape("box", points)
        assert shape.box() == (300, 400, 100, 200)  # inverted: zero area downstream
        assert shape.polygon().shape == (0, 2)

    def test_decimals_and_signs(self) -> None:
        assert shapes("(0.5,-1)(+2.,.75)") == [("box", ((0.5, -1), (2.0, 0.75)), None)]


class TestTextMonkey:
    def test_box_tag(self) -> None:
        text = "The total is 42 <box>(120,340),(560,780)</box>"
        assert shapes(text, "norm1000", 2000, 1000) == [
            ("box", ((240, 340), (1120, 780)), None)
        ]

    def test_point_tag(self) -> None:
        assert shapes("<ref>STOP</ref><point>(500,250)</point>", "norm1000", 1000, 1000) == [
            ("point", ((500, 250),), "STOP")
        ]

    def test_quad_and_flat_box_tags(self) -> None:
        assert shapes("<quad>(1,2),(3,2),(3,4),(1,4)</quad>")[0] == (
            "polygon", ((1, 2), (3, 2), (3, 4), (1, 4)), None
        )
        assert shapes("<box>1, 2, 3, 4</box>") == [("box", ((1, 2), (3, 4)), None)]


class TestFlatLists:
    @pytest.mark.parametrize(
        ("frame", "text", "expected"),
        [
            ("norm1", "[0.1, 0.2, 0.5, 0.6]", ((100, 40), (500, 120))),
            ("norm1000", "(100, 200, 500, 600)", ((100, 40), (500, 120))),
            ("pixel", "[100, 40, 500, 120]", ((100, 40), (500, 120))),
        ],
    )
    def test_boxes(self, frame: str, text: str,
                   expected: tuple[tuple[float, float], ...]) -> None:
        (kind, points, _), = shapes(text, frame, 1000, 200)
        assert kind == "box"
        np.testing.assert_allclose(points, expected)

    def test_flat_quadrilateral(self) -> None:
        assert shapes("[1, 2, 3, 2, 3, 4, 1, 4]")[0][:2] == (
            "polygon", ((1, 2), (3, 2), (3, 4), (1, 4))
        )

    def test_ocrbench_v2_spotting_items(self) -> None:
        text = '[[10, 20, 30, 40, "hi, there"], [1,2,3,4, 5], (5,6,7,8, foo bar), [9,9,9,9,\'x\']]'
        assert shapes(text) == [
            ("box", ((10, 20), (30, 40)), "hi, there"),
            ("box", ((1, 2), (3, 4)), "5"),
            ("box", ((5, 6), (7, 8)), "foo bar"),
            ("box", ((9, 9), (9, 9)), "x"),
        ]

    def test_two_or_three_numbers_are_not_shapes(self) -> None:
        for text in ("(1, 2)", "[1, 2, 3]", "see [12]"):
            assert parse_shapes(text, "pixel").reason == "no shape found"


class TestOrderAndGarbage:
    def test_shapes_in_output_order_and_first(self) -> None:
        text = "first (1,1)(2,2) then [[0,0],[5,0],[5,5]] then [7, 7, 9, 9]"
        result = parse_shapes(text, "pixel")
        assert [s.kind for s in result.shapes] == ["box", "polygon", "box"]
        assert result.first == Shape("box", ((1, 1), (2, 2)))

    def test_point_list_is_not_reread_inside(self) -> None:
        # corner pairs and flat lists also match inside a point list: the list wins
        assert len(shapes("[(1, 2), (3, 4), (5, 6), (7, 8)]")) == 1

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("", "empty output"),
            ("   \n", "empty output"),
            ("I cannot find that word.", "no shape found"),
            ("[[a, b], [c, d]]", "no shape found"),
            ("(1,2)(3)", "no shape found"),
            ("[1" + "0" * 400 + ", 2, 3, 4]", "non-finite coordinates"),
        ],
    )
    def test_unparseable_is_a_status(self, text: str, reason: str) -> None:
        result = parse_shapes(text, "th448", 448, 448)
        assert result.status == "unparseable" and result.reason == reason
        assert result.shapes == () and result.first is None

    def test_non_string_is_unparseable(self) -> None:
        assert parse_shapes(None, "pixel").reason == "empty output"  # type: ignore[arg-type]

    @given(st.text(max_size=80))
    def test_never_raises(self, text: str) -> None:
        result = parse_shapes(text, "norm1000", 640, 480)
        assert result.ok == bool(result.shapes)


class TestOCRBenchV2:
    def test_last_box_wins(self) -> None:
        assert ocrbench_v2_last_box("[1,2,3,4] then (5, 6, 7, 8)") == (5, 6, 7, 8)

    def test_out_of_range_boxes_are_skipped(self) -> None:
        assert ocrbench_v2_last_box("[1,2,3,4] [1,2,3,1001]") == (1, 2, 3, 4)

    def test_brackets_may_mix(self) -> None:
        assert ocrbench_v2_last_box("(5, 6, 7, 8]") == (5, 6, 7, 8)

    def test_repeated_box_stays_last(self) -> None:
        assert ocrbench_v2_last_box("[1,2,3,4] [5,6,7,8] [1,2,3,4]") == (1, 2, 3, 4)

    @pytest.mark.parametrize("text", ["[0.1, 0.2, 0.3, 0.4]", "[-1, 2, 3, 4]", "(1,2),(3,4)",
                                      "[1, 2, 3]", ""])
    def test_no_box(self, text: str) -> None:
        assert ocrbench_v2_last_box(text) is None


def sample(target: Any = None, **metadata: Any) -> Sample:
    return Sample(id="7", task="grounding", question="?", target=target, metadata=metadata)


class TestGroundTruth:
    def test_image_size(self) -> None:
        assert image_size(sample(width=640, height=480.0)) == (640.0, 480.0)
        for meta in ({"height": 480}, {"width": True, "height": 4}, {"width": -1, "height": 4},
                     {"width": "640", "height": 480}):
            with pytest.raises(DataError, match="sample 7") as info:
                image_size(sample(**meta))
            assert info.value.field in {"metadata.width", "metadata.height"}

    def test_grounding_target(self) -> None:
        poly = grounding_target(sample({"polygon": [[0, 0], [4, 0], [4, 2], [0, 2]]}))
        assert poly.kind == "polygon" and poly.box() == (0, 0, 4, 2)
        box = grounding_target(sample({"box": [1, 2, 3, 4]}))
        assert box == Shape("box", ((1, 2), (3, 4)))

    @pytest.mark.parametrize(
        ("target", "field"),
        [
            (None, "target"),
            ({}, "target"),
            ({"box": [3, 2, 1, 4]}, "target.box"),
            ({"box": [1, 2, 3]}, "target.box"),
            ({"polygon": [[0, 0], [1]]}, "target.polygon"),
            ({"polygon": [[0, 0], ["a", 1]]}, "target.polygon"),
            ({"polygon": [[0, 0], [float("inf"), 1]]}, "target.polygon"),
            ({"polygon": []}, "target.polygon"),
        ],
    )
    def test_bad_grounding_target(self, target: Any, field: str) -> None:
        with pytest.raises(DataError) as info:
            grounding_target(sample(target))
        assert info.value.field == field and info.value.record == "sample 7"

    def test_regions(self) -> None:
        regions = target_regions(sample({
            "polygons": [[[0, 0], [4, 0], [4, 2]], [5, 5, 9, 9], [1, 1, 2, 1, 2, 2]],
            "texts": ["a", "###", "b"],
            "ignore": [False, False, True],
        }))
        assert [s.kind for s in regions.shapes] == ["polygon", "box", "polygon"]
        assert regions.dont_care == (False, True, True)
        assert target_regions(sample({"polygons": []})).shapes == ()

    @pytest.mark.parametrize(
        ("target", "field", "need_texts"),
        [
            ({"polygons": None}, "target.polygons", False),
            ({"polygons": [[0, 0, 1, 1]], "texts": ["a", "b"]}, "target.texts", False),
            ({"polygons": [[0, 0, 1, 1]], "texts": [3]}, "target.texts", False),
            ({"polygons": [[0, 0, 1, 1]]}, "target.texts", True),
            ({"polygons": [[0, 0, 1, 1]], "ignore": ["no"]}, "target.ignore", False),
            ({"polygons": [[0, 0, 1, 1]], "ignore": []}, "target.ignore", False),
            ({"polygons": [[0, 0, 1]]}, "target.polygons[0]", False),
        ],
    )
    def test_bad_regions(self, target: Any, field: str, need_texts: bool) -> None:
        with pytest.raises(DataError) as info:
            target_regions(sample(target), need_texts=need_texts)
        assert info.value.field == field
