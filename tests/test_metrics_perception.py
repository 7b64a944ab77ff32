"""Grounding protocols and the protocol set, with golden cases read from the reference scorers
(TextHarmony/Qwen-VL grounding, OCRBench v2's IoU). Detection, spotting and recognition:
tests/test_metrics_detection.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.detection import (
    ICDAR_PROTOCOLS,
)
from harmonybench.metrics.grounding import (
    GROUNDING_PROTOCOLS,
    GroundingBox448,
    GroundingBox999,
    GroundingBox1000,
    GroundingBoxNorm,
    GroundingBoxPixel,
    GroundingPoly448,
    GroundingPoly999,
    GroundingPolyPixel,
    OCRBenchV2IoU,
)
from harmonybench.metrics.recognition import (
    RECOGNITION_PROTOCOLS,
)
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample


def grounding_sample(target: dict[str, Any], width: float = 448, height: float = 448,
                     sid: str = "0") -> Sample:
    return Sample(id=sid, task="mario-grounding", question='Where is "WINNER"?',
                  target=target, metadata={"width": width, "height": height})


def square(x1: float, y1: float, x2: float, y2: float) -> list[list[float]]:
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]


class TestProtocolSet:
    def test_names_are_unique_and_complete(self) -> None:
        classes: list[type[Protocol]] = [*GROUNDING_PROTOCOLS, OCRBenchV2IoU, *ICDAR_PROTOCOLS,
                                         *RECOGNITION_PROTOCOLS]
        names = [c.name for c in classes]
        assert len(names) == len(set(names)) == 21
        for cls in classes:
            assert cls.reference and cls.summary and cls.metric
            assert cls.__doc__

    def test_frame_comes_from_the_name(self) -> None:
        frames = {c.name: (c.frame, c.mode) for c in GROUNDING_PROTOCOLS}
        assert frames["grounding-acc@0.5-box"] == ("th448", "box")
        assert frames["grounding-acc@0.5-poly"] == ("th448", "poly")
        assert frames["grounding-acc@0.5-box-999"] == ("norm999", "box")
        assert frames["grounding-acc@0.5-poly-1000"] == ("norm1000", "poly")
        assert frames["grounding-acc@0.5-box-norm"] == ("norm1", "box")
        assert frames["grounding-acc@0.5-poly-pixel"] == ("pixel", "poly")


class TestGrounding:
    def test_textharmony_448_frame_on_an_896_image(self) -> None:
        # TextHarmony answers in 448 units although the image is 896 x 896
        s = grounding_sample({"polygon": square(100, 200, 300, 260)}, 896, 896)
        answer = str(square(50, 100, 150, 130))
        assert GroundingBox448().score(answer, s) == 1.0
        assert GroundingPoly448().evaluate(answer, s)["iou"] == pytest.approx(1.0)
        # read in the wrong frame the same answer misses
        assert GroundingBoxPixel().score(answer, s) == 0.0

    def test_box_and_polygon_readings_differ_on_rotated_text(self) -> None:
        # a word at 45 degrees: area 6 inside its 4 x 4 bounding box
        s = grounding_sample({"polygon": [[0, 1], [1, 0], [4, 3], [3, 4]]})
        answer = "[0, 0, 4, 4]"
        box = GroundingBoxPixel().evaluate(answer, s)
        poly = GroundingPolyPixel().evaluate(answer, s)
        assert (box["acc@0.5"], box["iou"]) == (1.0, 1.0)
        assert poly["acc@0.5"] == 0.0 and poly["iou"] == pytest.approx(6 / 16)

    def test_iou_of_exactly_half_counts(self) -> None:
        s = grounding_sample({"box": [0, 0, 20, 10]})
        result = GroundingBoxPixel().evaluate("[0, 0, 10, 10]", s)
        assert result["iou"] == 0.5 and result["acc@0.5"] == 1.0

    def test_mm_interleaved_999_frame_golden(self) -> None:
        # grounding_score.py: parse (x1,y1)(x2,y2), / 999, * (w, h), IoU >= 0.5
        s = grounding_sample({"box": [200, 100, 600, 300]}, width=1998, height=999)
        assert GroundingBox999().evaluate("<box>(100,100)(300,300)</box>", s)["iou"] == (
            pytest.approx(1.0))
        # (100,100)(200,300) -> pixels (200,100)-(400,300): half of the target
        half = GroundingBox999().evaluate("(100,100)(200,300)", s)
        assert half["iou"] == pytest.approx(0.5) and half["acc@0.5"] == 1.0
        assert GroundingPoly999().score("(100,100)(200,300)", s) == 1.0

    def test_qwen_vl_and_textmonkey_1000_frame(self) -> None:
        s = grounding_sample({"box": [64, 48, 320, 240]}, width=640, height=480)
        answer = "<ref>EXIT</ref><box>(100,100),(500,500)</box>"
        assert GroundingBox1000().evaluate(answer, s)["iou"] == pytest.approx(1.0)
        # the same numbers read as 0-999 are off by 0.1%: still found
        assert GroundingBox999().score(answer, s) == 1.0

    def test_normalised_frame(self) -> None:
        s = grounding_sample({"box": [64, 48, 320, 240]}, width=640, height=480)
        assert GroundingBoxNorm().evaluate("[0.1, 0.1, 0.5, 0.5]", s)["iou"] == (
            pytest.approx(1.0))

    def test_first_shape_is_scored(self) -> None:
        s = grounding_sample({"box": [0, 0, 10, 10]})
        assert GroundingBoxPixel().score("[0, 0, 10, 10] or maybe [50, 50, 60, 60]", s) == 1.0
        assert GroundingBoxPixel().score("[50, 50, 60, 60] or maybe [0, 0, 10, 10]", s) == 0.0

    @pytest.mark.parametrize("answer", ["(10,10)(0,0)", "<point>(5,5)</point>",
                                        "[[5, 5]]", "[[6, 6], [5, 5]]"])
    def test_inverted_boxes_and_points_have_no_area(self, answer: str) -> None:
        # (points are scored by containment: tests/test_grounding_guard.py)
        s = grounding_sample({"box": [0, 0, 10, 10]})
        for protocol in (GroundingBoxPixel(), GroundingPolyPixel()):
            assert protocol.evaluate(answer, s)["iou"] == 0.0

    def test_bow_tie_answer_is_repaired_and_counted(self) -> None:
        s = grounding_sample({"polygon": square(0, 0, 2, 2)})
        result = GroundingPolyPixel().evaluate("[[0, 0], [2, 2], [2, 0], [0, 2]]", s)
        assert result["iou"] == pytest.approx(0.5)
        assert result["invalid_polygons"] == 1.0

    def test_reduce_counts_unparseable(self) -> None:
        p = GroundingBoxPixel()
        samples = [grounding_sample({"box": [0, 0, 10, 10]}, sid=str(i)) for i in range(4)]
        answers = ["[0, 0, 10, 10]", "[0, 0, 5, 10]", "I don't know", ""]
        values = p.evaluate_many(answers, samples)
        assert [v["acc@0.5"] for v in values] == [1.0, 1.0, 0.0, 0.0]
        assert [v["unparseable"] for v in values] == [0.0, 0.0, 1.0, 1.0]
        assert p.reduce(values, samples) == {
            "acc@0.5": 0.5, "mean_iou": pytest.approx(0.375), "unparseable": 2,
            "invalid_polygons": 0, "points": 0, "out_of_frame": 0,
        }
        assert p.score_many(answers, samples) == [1.0, 1.0, 0.0, 0.0]
        assert next(iter(values[0])) == "acc@0.5"  # the metric comes first

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(1, 40),
                              st.integers(1, 40)), min_size=1, max_size=6))
    def test_batched_equals_one_by_one(self, boxes: list[tuple[int, int, int, int]]) -> None:
        samples = [grounding_sample({"box": [x, y, x + 30, y + 20]}, sid=str(i))
                   for i, (x, y, _, _) in enumerate(boxes)]
        answers = [str(square(x + 3, y, x + 3 + w, y + h)) for x, y, w, h in boxes]
        for protocol in (GroundingBox448(), GroundingPoly448()):
            batched = protocol.evaluate_many(answers, samples)
            assert batched == [protocol.evaluate(a, s) for a, s in zip(answers, samples,
                                                                          strict=True)]

    def test_bad_samples(self) -> None:
        p = GroundingBox448()
        with pytest.raises(DataError, match="width"):
            p.score("[[1, 1]]", Sample(id="1", task="t", question="?",
                                       target={"box": [0, 0, 1, 1]}))
        with pytest.raises(DataError, match="target"):
            p.score("[[1, 1]]", grounding_sample({"quad": [0, 0, 1, 1]}))
        with pytest.raises(ValueError, match="length"):
            p.evaluate_many(["a"], [])
        # the pixel frame needs no size
        assert GroundingBoxPixel().score("[0,0,1,1]", Sample(
            id="1", task="t", question="?", target={"box": [0, 0, 1, 1]})) == 1.0


def ocr2_sample(box: list[float]) -> Sample:
    return Sample(id="g", task="ocrbench-v2", question="?", target={"box": box})


class TestOCRBenchV2IoU:
    def test_reference_example(self) -> None:
        # IoUscore_metric.py's own example: [50,50,150,150] vs [60,60,140,140] -> 0.64
        assert OCRBenchV2IoU().score("[50, 50, 150, 150]", ocr2_sample([60, 60, 140, 140])) == (
            pytest.approx(0.64))

    def test_last_box_and_continuous_score(self) -> None:
        s = ocr2_sample([0, 0, 100, 100])
        assert OCRBenchV2IoU().score("first (0,0,100,100) finally [0, 0, 50, 100]", s) == 0.5
        assert OCRBenchV2IoU().score("[0, 0, 100, 100] [0, 0, 2000, 100]", s) == 1.0

    def test_unparseable_and_degenerate(self) -> None:
        p = OCRBenchV2IoU()
        s = ocr2_sample([0, 0, 100, 100])
        values = p.evaluate_many(["[0.0, 0.0, 0.5, 0.5]", "[100, 100, 0, 0]", "[0,0,100,100]"],
                                 [s, s, s])
        assert [v["iou"] for v in values] == [0.0, 0.0, 1.0]
        assert p.reduce(values, [s, s, s]) == {"iou": pytest.approx(1 / 3), "unparseable": 1}
        # both empty: union 0 -> 0
        assert p.score("[5, 5, 5, 5]", ocr2_sample([5, 5, 5, 5])) == 0.0

    def test_ground_truth_is_truncated_like_int(self) -> None:
        assert OCRBenchV2IoU().score("[0, 0, 10, 10]", ocr2_sample([0.9, 0.9, 10.7, 10.2])) == 1.0

    @pytest.mark.parametrize("box", [None, [1, 2, 3], ["0", 0, 1, 1], [0, 0, float("nan"), 1]])
    def test_bad_ground_truth(self, box: Any) -> None:
        with pytest.raises(DataError, match=r"target\.box"):
            OCRBenchV2IoU().score("[0,0,1,1]", ocr2_sample(box))

