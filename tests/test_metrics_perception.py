"""Grounding, detection, spotting and recognition protocols, with golden cases read from the
reference scorers (TextHarmony/Qwen-VL grounding, OCRBench v2, the ICDAR RRC scripts, clovaai
deep-text-recognition-benchmark)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.detection import (
    ICDAR_PROTOCOLS,
    Detection448,
    Detection1000,
    DetectionPixel,
    Spotting448,
    Spotting1000,
    SpottingPixel,
    icdar_match,
    transcription_match,
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
    NED,
    RECOGNITION_PROTOCOLS,
    WordAccuracy,
    WordAccuracyAlnum,
    WordAccuracyCased,
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


def det_sample(polygons: list[Any], texts: list[str] | None = None,
               sid: str = "0", **extra: Any) -> Sample:
    target: dict[str, Any] = {"polygons": polygons, **extra}
    if texts is not None:
        target["texts"] = texts
    return Sample(id=sid, task="icdar", question="Locate all the text in this image.",
                  target=target, metadata={"width": 448, "height": 448})


class TestICDARMatching:
    def test_one_region_two_detections(self) -> None:
        s = det_sample([square(0, 0, 10, 10)])
        v = DetectionPixel().evaluate("[0, 0, 10, 10] [1, 1, 10, 10]", s)
        assert (v["matched"], v["gt_care"], v["det_care"]) == (1, 1, 2)
        assert (v["precision"], v["recall"]) == (0.5, 1.0)
        assert v["hmean"] == pytest.approx(2 / 3)

    def test_iou_of_exactly_half_does_not_match(self) -> None:
        # IOU_CONSTRAINT is strict in the RRC scripts (iouMat > 0.5)
        v = DetectionPixel().evaluate("[0, 0, 10, 10]", det_sample([square(0, 0, 20, 10)]))
        assert v["matched"] == 0 and v["hmean"] == 0.0

    def test_greedy_order_not_best_assignment(self) -> None:
        # region 0 takes detection 0 (IoU 0.54, first over 0.5) although detection 1 fits it
        # exactly; region 1 is then left with detection 1 (IoU 0.43): one match, not two.
        s = det_sample([square(0, 0, 10, 10), square(4, 0, 14, 10)])
        v = DetectionPixel().evaluate("[3, 0, 13, 10] [0, 0, 10, 10]", s)
        assert v["matched"] == 1

    def test_dont_care_regions(self) -> None:
        s = det_sample([square(0, 0, 10, 10), square(20, 0, 30, 10)], ["###", "word"])
        v = DetectionPixel().evaluate("[0, 0, 10, 10] [20, 0, 30, 10]", s)
        # the first detection lies in the "###" region: neither counts
        assert (v["matched"], v["gt_care"], v["det_care"]) == (1, 1, 1)
        assert v["hmean"] == 1.0
        # exactly half of a detection inside a don't-care region is not enough (> 0.5)
        v = DetectionPixel().evaluate("[5, 0, 15, 10]", s)
        assert (v["matched"], v["det_care"]) == (0, 1)
        # the ignore flag works like "###"
        s2 = det_sample([square(0, 0, 10, 10)], ignore=[True])
        v = DetectionPixel().evaluate("[0, 0, 10, 10]", s2)
        assert (v["gt_care"], v["det_care"], v["hmean"]) == (0, 0, 1.0)

    def test_empty_cases_per_image(self) -> None:
        p = DetectionPixel()
        assert p.evaluate("nothing", det_sample([]))["hmean"] == 1.0  # no GT, no detection
        no_gt = p.evaluate("[0, 0, 5, 5]", det_sample([]))
        assert (no_gt["recall"], no_gt["precision"], no_gt["hmean"]) == (1.0, 0.0, 0.0)
        no_det = p.evaluate("No text detected in this image.", det_sample([square(0, 0, 5, 5)]))
        assert (no_det["recall"], no_det["precision"], no_det["unparseable"]) == (0, 0, 1)

    def test_dataset_numbers_are_sums_not_means(self) -> None:
        p = DetectionPixel()
        samples = [
            det_sample([square(0, 0, 10, 10)], sid="a"),
            det_sample([square(0, 0, 10, 10), square(20, 0, 30, 10), square(40, 0, 50, 10)],
                       sid="b"),
            det_sample([], sid="c"),
        ]
        answers = ["[0, 0, 10, 10]", "", "nothing"]
        values = p.evaluate_many(answers, samples)
        assert [v["hmean"] for v in values] == [1.0, 0.0, 1.0]
        result = p.reduce(values, samples)
        assert (result["matched"], result["gt_care"], result["det_care"]) == (1, 4, 1)
        assert (result["precision"], result["recall"]) == (1.0, 0.25)
        assert result["hmean"] == pytest.approx(0.4)  # not the mean of 1, 0, 1
        assert result["unparseable"] == 2
        assert p.aggregate([v["hmean"] for v in values], samples) == {
            "mean_image_hmean": pytest.approx(2 / 3)
        }
        assert p.reduce([], [])["hmean"] == 0.0

    def test_points_and_inverted_boxes_are_false_positives(self) -> None:
        v = DetectionPixel().evaluate("<point>(5,5)</point> (10,10)(0,0)",
                                      det_sample([square(0, 0, 10, 10)]))
        assert (v["matched"], v["det_care"]) == (0, 2)

    def test_textharmony_locate_all_in_448_frame(self) -> None:
        s = Sample(id="0", task="icdar", question="Locate all the text in this image.",
                   target={"polygons": [square(0, 0, 200, 100), square(400, 400, 800, 500)]},
                   metadata={"width": 896, "height": 896})
        answer = str([square(0, 0, 100, 50), square(200, 200, 400, 250)])
        assert Detection448().evaluate(answer, s)["matched"] == 2
        assert Detection1000().evaluate(answer, s)["matched"] == 0

    def test_bow_tie_detection_is_repaired(self) -> None:
        v = DetectionPixel().evaluate("[[0, 0], [10, 10], [10, 0], [0, 10]]",
                                      det_sample([square(0, 0, 10, 10)]))
        assert v["invalid_polygons"] == 1.0
        assert v["matched"] == 0  # IoU exactly 0.5: not > 0.5

    def test_icdar_match_directly(self) -> None:
        result = icdar_match([[0.9, 0.8], [0.7, 0.6]], [False, False], [False, True])
        assert result.pairs == ((0, 0, True),) and result.matched == 1
        assert (result.gt_care, result.det_care) == (2, 1)


class TestSpotting:
    def test_word_rules(self) -> None:
        assert transcription_match("Hello", "HELLO")
        assert transcription_match("HELLO!", "hello")  # GT's special end may be omitted
        assert transcription_match('"HELLO"', "hello")  # both ends
        assert transcription_match("(HELLO", "hello")
        assert not transcription_match("hello", "hello!")  # not the detection's
        assert not transcription_match("HELLO!!", "hello")  # one character only
        assert not transcription_match("HEL-LO", "hello")
        assert transcription_match("", "")
        assert not transcription_match("", "a")

    def test_case_insensitive_match(self) -> None:
        s = det_sample([square(0, 0, 10, 10)], ["Hello"])
        v = SpottingPixel().evaluate('[[0, 0, 10, 10, "HELLO"]]', s)
        assert (v["matched"], v["hmean"]) == (1, 1.0)

    def test_wrong_word_uses_up_the_pair(self) -> None:
        s = det_sample([square(0, 0, 10, 10)], ["HELLO"])
        v = SpottingPixel().evaluate('[[0, 0, 10, 10, "WORLD"], [0, 0, 10, 10, "hello"]]', s)
        assert (v["matched"], v["gt_care"], v["det_care"]) == (0, 1, 2)

    def test_textharmony_locate_and_extract(self) -> None:
        s = det_sample([square(0, 0, 10, 10), square(20, 0, 30, 10), square(40, 0, 50, 10)],
                       ["hello", "WORLD", "###"])
        answer = str([str(square(0, 0, 10, 10)) + " HELLO",
                      str(square(20, 0, 30, 10)) + " word",
                      str(square(40, 0, 50, 10)) + " junk"])
        v = Spotting448().evaluate(answer, s)
        assert (v["matched"], v["gt_care"], v["det_care"]) == (1, 2, 2)

    def test_ocrbench_v2_and_qwen_formats(self) -> None:
        s = Sample(id="0", task="icdar", question="?", metadata={"width": 500, "height": 200},
                   target={"polygons": [[50, 20, 100, 60]], "texts": ["SALE"]})
        assert Spotting1000().score('[[100, 100, 200, 300, "sale"]]', s) == 1.0
        assert Spotting1000().score("<ref>Sale</ref><box>(100,100),(200,300)</box>", s) == 1.0
        assert Spotting1000().score("<box>(100,100),(200,300)</box>", s) == 0.0  # no word

    def test_spotting_needs_texts(self) -> None:
        with pytest.raises(DataError, match=r"target\.texts"):
            SpottingPixel().score("[0,0,1,1]", det_sample([square(0, 0, 1, 1)]))


def rec(*answers: str) -> Sample:
    return Sample(id="w", task="word", question="What is the text?", answers=answers)


class TestRecognition:
    @pytest.mark.parametrize(
        ("protocol", "prediction", "answers", "expected"),
        [
            (WordAccuracy(), "  Winner ", ("WINNER",), 1.0),
            (WordAccuracy(), "new  york", ("New York",), 1.0),
            (WordAccuracy(), "winner!", ("WINNER",), 0.0),
            (WordAccuracy(), "", ("",), 1.0),
            (WordAccuracy(), "b", ("a", "B"), 1.0),
            (WordAccuracyCased(), "Winner", ("WINNER",), 0.0),
            (WordAccuracyCased(), " WINNER\n", ("WINNER",), 1.0),
            (WordAccuracyAlnum(), "it's!", ("ITS",), 1.0),
            (WordAccuracyAlnum(), "Café", ("caf",), 1.0),
            (WordAccuracyAlnum(), "中文", ("汉字",), 1.0),  # both normalise to "": the rule
            (WordAccuracy(), "中文", ("汉字",), 0.0),
        ],
    )
    def test_word_accuracy(self, protocol: Protocol, prediction: str,
                           answers: tuple[str, ...], expected: float) -> None:
        assert protocol.score(prediction, rec(*answers)) == expected

    def test_ned(self) -> None:
        p = NED()
        assert p.score("hello", rec("hallo")) == pytest.approx(0.8)
        assert p.score("HELLO", rec("hello")) == 1.0
        assert p.score("abc", rec("abcdef")) == pytest.approx(0.5)
        assert p.score("abc", rec("xyz", "abd")) == pytest.approx(2 / 3)  # best answer
        assert p.score("", rec("abc")) == 0.0
        assert p.score("", rec("")) == 0.0  # ICDAR 2019 rule: an empty side scores 0
        assert p.aggregate([1.0, 0.5], [rec("a"), rec("b")]) == {"ned": 0.75}

    def test_no_answers(self) -> None:
        with pytest.raises(DataError, match="answers"):
            WordAccuracy().score("a", rec())
        with pytest.raises(DataError, match="answers"):
            NED().score("a", rec())


def _oracle_counts(gts: list[list[int]], dont_care: list[bool], dets: list[list[int]]
                   ) -> tuple[int, int, int]:
    """The RRC detection rule spelled out one pair at a time (the test's own oracle)."""
    from shapely.geometry import box as shapely_box

    gpol = [shapely_box(*g) for g in gts]
    dpol = [shapely_box(*d) for d in dets]
    det_dc = []
    for d in dpol:
        det_dc.append(any(
            d.area > 0 and d.intersection(g).area / d.area > 0.5
            for g, dc in zip(gpol, dont_care, strict=True) if dc
        ))
    gt_used, det_used, matched = [False] * len(gts), [False] * len(dets), 0
    for gi, g in enumerate(gpol):
        for di, d in enumerate(dpol):
            if gt_used[gi] or det_used[di] or dont_care[gi] or det_dc[di]:
                continue
            inter = g.intersection(d).area
            union = g.area + d.area - inter
            if union > 0 and inter / union > 0.5:
                gt_used[gi] = det_used[di] = True
                matched += 1
    return matched, dont_care.count(False), det_dc.count(False)


_cell = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 4), st.integers(1, 4))


class TestICDARAgainstOracle:
    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.tuples(_cell, st.booleans()), max_size=6), st.lists(_cell, max_size=6))
    def test_counts_match_the_plain_rule(
        self, gts: list[tuple[tuple[int, int, int, int], bool]],
        dets: list[tuple[int, int, int, int]],
    ) -> None:
        gt_boxes = [[x * 5, y * 5, x * 5 + w * 5, y * 5 + h * 5] for (x, y, w, h), _ in gts]
        det_boxes = [[x * 5, y * 5, x * 5 + w * 5, y * 5 + h * 5] for x, y, w, h in dets]
        dont_care = [dc for _, dc in gts]
        s = det_sample(gt_boxes, ["###" if dc else "w" for dc in dont_care])
        answer = " ".join(str(b) for b in det_boxes)
        v = DetectionPixel().evaluate(answer, s)
        assert (v["matched"], v["gt_care"], v["det_care"]) == _oracle_counts(
            gt_boxes, dont_care, det_boxes)
