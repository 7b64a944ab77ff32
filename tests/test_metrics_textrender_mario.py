"""The ``mario`` protocol (TextDiffuser's OCR evaluation): keywords, per-image scores, averaging.

Golden values worked out from microsoft/unilm ``textdiffuser/eval/ocr_eval.py`` at 768a3c873f59
(``get_key_words``, ``get_p_r_acc``, the averaging at the bottom of the script).
"""


from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.textrender import (
    MarioOCR,
)
from harmonybench.schema import Sample
from harmonybench.targets import mario_keywords

# ---------------------------------------------------------------------------------- mario


def mario_sample(*words: str, sid: str = "0") -> Sample:
    return Sample(id=sid, task="mario", question="prompt", target={"words": list(words)})


def words(*images: Sequence[str]) -> dict[str, Any]:
    return {"reader": "spotter", "words": [list(image) for image in images]}


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("A sign that says 'Hello World' and 'OPEN'", ["hello", "world", "open"]),
        ("  'Tea'  ", ["tea"]),
        ("no quotes at all", []),
        ("a poster saying 'don't go'", ["don"]),  # the apostrophe closes the span
        ("'a'b'c'", ["a", "c"]),
        ("an empty '' span and '  spaced   out '", ["spaced", "out"]),
        ("an unclosed 'quote", []),
        ('double "quotes" do not count', []),
    ],
)
def test_mario_keywords(prompt: str, expected: list[str]) -> None:
    assert mario_keywords(prompt) == expected


def test_mario_image_scores() -> None:
    scores = MarioOCR.image_scores
    assert scores(["hello", "world"], ["hello", "world"]) == (2 / (2 + 1e-8), 2 / (2 + 1e-8), 1.0)
    assert scores([" Hello ", "WORLD"], ["hello", "world"])[2] == 1.0  # stripped, lowercased
    assert scores([], []) == (0.0, 0.0, 1.0)  # nothing to find, nothing found: correct
    assert scores([], ["a"]) == (0.0, 0.0, 0.0)
    # repeated words match once per copy
    assert scores(["hi", "hi"], ["hi"]) == (1 / (2 + 1e-8), 1 / (1 + 1e-8), 0.0)
    assert scores(["hi", "hi"], ["hi", "hi", "yo"]) == (2 / (2 + 1e-8), 2 / (3 + 1e-8), 0.0)
    # accuracy joins the sorted words without a separator
    assert scores(["ab", "c"], ["a", "bc"]) == (0.0, 0.0, 1.0)
    # an empty word counts as a predicted word
    assert scores(["hi", ""], ["hi"]) == (1 / (2 + 1e-8), 1 / (1 + 1e-8), 1.0)


def reference_p_r_acc(pred: list[str], gt: list[str]) -> tuple[float, float, int]:
    """The reference's list-removal procedure, written out for this test."""
    pred = [p.strip().lower() for p in pred]
    gt = [g.strip().lower() for g in gt]
    pred_left, gt_left = list(pred), list(gt)
    for p in pred:
        if p in gt_left:
            pred_left.remove(p)
            gt_left.remove(p)
    precision = (len(pred) - len(pred_left)) / (len(pred) + 1e-8)
    recall = (len(gt) - len(gt_left)) / (len(gt) + 1e-8)
    return precision, recall, int("".join(sorted(pred)) == "".join(sorted(gt)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "ab", "A", " a", "c", ""]), max_size=6),
       st.lists(st.sampled_from(["a", "b", "ab", "c"]), max_size=6))
def test_mario_matches_the_reference_procedure(pred: list[str], gt: list[str]) -> None:
    assert MarioOCR.image_scores(pred, gt) == reference_p_r_acc(pred, gt)


def test_mario_averages_over_images_and_takes_f_of_the_averages() -> None:
    protocol = MarioOCR()
    first, second = mario_sample("a", "b", sid="1"), mario_sample("a", sid="2")
    answers = [words(["a"]), words(["a", "c"], ["a"], [])]  # 1 image, then 3 images
    values = protocol.evaluate_many(answers, [first, second])
    assert list(values[0]) == ["accuracy", "precision_sum", "recall_sum", "accuracy_sum",
                               "images"]
    assert values[1]["accuracy"] == 1 / 3
    reduced = protocol.reduce(values, [first, second])
    p = (1 / (1 + 1e-8) + 1 / (2 + 1e-8) + 1 / (1 + 1e-8) + 0.0) / 4
    r = (1 / (2 + 1e-8) + 1 / (1 + 1e-8) + 1 / (1 + 1e-8) + 0.0) / 4
    assert reduced["precision"] == pytest.approx(p, abs=1e-15)
    assert reduced["recall"] == pytest.approx(r, abs=1e-15)
    assert reduced["accuracy"] == 1 / 4
    assert reduced["f"] == pytest.approx(2 * p * r / (p + r + 1e-8), abs=1e-15)
    assert reduced["images"] == 4 and isinstance(reduced["images"], int)
    # F of averaged P and R differs from the mean of per-image F
    per_image_f = [MarioOCR.f_measure(*MarioOCR.image_scores(w, g)[:2]) for w, g in
                   ((["a"], ["a", "b"]), (["a", "c"], ["a"]), (["a"], ["a"]), ([], ["a"]))]
    assert abs(reduced["f"] - sum(per_image_f) / 4) > 0.01
    assert protocol.reduce([], []) == {"accuracy": 0.0, "precision": 0.0, "recall": 0.0,
                                       "f": 0.0, "images": 0}


def test_mario_missing_prediction_and_bad_input() -> None:
    protocol = MarioOCR()
    assert protocol.evaluate("", mario_sample("a"))["images"] == 1.0
    assert protocol.score("", mario_sample()) == 1.0  # no keywords, nothing read
    with pytest.raises(DataError) as info:
        protocol.evaluate(words(["a"]), Sample(id="3", task="mario", question="q"))
    assert info.value.field == "target.words"
    with pytest.raises(DataError) as info:
        protocol.evaluate({"words": [["a"], "b"]}, mario_sample("a"))
    assert info.value.field == "answer.words[1]"
    with pytest.raises(DataError) as info:
        protocol.evaluate({"reader": "r", "images": [{"lines": ["a"]}]},
                          mario_sample("a"))  # line readings, no words
    assert info.value.field == "answer.words"
