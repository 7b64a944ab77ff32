"""ICDAR detection and end-to-end spotting, and word recognition protocols: golden cases and an
oracle of the RRC matching rule (the references are cited by the protocols' docstrings in
metrics/detection.py and metrics/recognition.py).
"""


from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.detection import (
    Detection448,
    Detection1000,
    DetectionPixel,
    Spotting448,
    Spotting1000,
    SpottingPixel,
    icdar_match,
    transcription_match,
)
from harmonybench.metrics.recognition import (
    NED,
    WordAccuracy,
    WordAccuracyAlnum,
    WordAccuracyCased,
)
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample


def square(x1: float, y1: float, x2: float, y2: float) -> list[list[float]]:
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]


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
