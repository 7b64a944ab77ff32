"""OCR-based text-rendering protocols (``anytext``, ``textharmony``, ``mario``): golden cases.

Golden values were worked out by hand from the reference code:

- tyxsspa/AnyText ``eval/eval_dgocr.py``, ``eval/anytext_singleGPU.py`` (``max_chars = 20``,
  ``max_lines = 20``, ``get_item`` truncating the ground truth only), ``cldm/recognizer.py``
  (``get_char_dict``: ``['sos'] + dictionary + [' ']``, unknown characters to the last id),
  ``ocr_weights/en_dict.txt`` (printable ASCII), all at 3d4a260c67d9;
- bytedance/TextHarmony ``image_eval/eval_dgocr.py`` at f98ac34b206f (lowercase, keep
  ``curses.ascii`` letters and digits, NED only);
- microsoft/unilm ``textdiffuser/eval/ocr_eval.py`` at 768a3c873f59 (``get_key_words``,
  ``get_p_r_acc``, the averaging at the bottom of the script).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.textrender import (
    PRINTABLE_ASCII,
    AnyTextOCR,
    MarioOCR,
    TextHarmonyOCR,
    collapse_unknown,
    load_dictionary,
    ned,
    textharmony_normalize,
)
from harmonybench.protocol import BaseProtocol
from harmonybench.schema import Sample
from harmonybench.targets import MAX_CHARS, MAX_LINES, mario_keywords, target_lines

BOX = [[0, 10], [0, 0], [40, 0], [40, 10]]
EPS = 1e-5


def line(text: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, "polygon": BOX, **extra}


def anytext_sample(*texts: str, sid: str = "0", lines: list | None = None) -> Sample:
    return Sample(id=sid, task="anytext", question="a sign",
                  target={"lines": lines if lines is not None else [line(t) for t in texts]})


def reading(*images: Sequence[str]) -> dict[str, Any]:
    return {"reader": "fake 1.0", "images": [{"lines": list(lines)} for lines in images]}


def lev(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Unit-cost edit distance by the textbook dynamic programme (the test's own oracle)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_protocols_are_named_and_cited() -> None:
    for cls, metric in ((AnyTextOCR, "sen_acc"), (TextHarmonyOCR, "ned"), (MarioOCR, "accuracy")):
        protocol = cls()
        assert isinstance(protocol, BaseProtocol)
        assert protocol.metric == metric
        assert "@" in protocol.reference and protocol.summary
    assert (AnyTextOCR.name, TextHarmonyOCR.name, MarioOCR.name) == (
        "anytext", "textharmony", "mario")


# ----------------------------------------------------------------------------- target lines


def test_target_lines_skip_invalid_and_empty_polygons_and_keep_order() -> None:
    sample = anytext_sample(lines=[
        line("one"), {"text": "skip", "polygon": []}, line("bad", valid=False),
        line("two", valid=True), line("three"),
    ])
    lines = target_lines(sample)
    assert [t.text for t in lines] == ["one", "two", "three"]
    assert lines[0].polygon == ((0.0, 10.0), (0.0, 0.0), (40.0, 0.0), (40.0, 10.0))


def test_target_lines_keep_the_first_20_and_cut_texts_to_20_characters() -> None:
    texts = [f"line {i} " + "x" * i for i in range(25)]
    lines = target_lines(anytext_sample(*texts))
    assert len(lines) == MAX_LINES == 20
    assert [t.text for t in lines] == [t[:MAX_CHARS] for t in texts[:20]]
    assert lines[19].text == "line 19 xxxxxxxxxxxx"
    assert target_lines(anytext_sample(*texts), truncate=False)[19].text == texts[19]


@pytest.mark.parametrize(
    ("target", "field"),
    [
        (None, "target.lines"),
        ({"lines": "abc"}, "target.lines"),
        ({"lines": ["abc"]}, "target.lines[0]"),
        ({"lines": [{"text": 3, "polygon": BOX}]}, "target.lines[0].text"),
        ({"lines": [{"text": "a"}]}, "target.lines[0].polygon"),
        ({"lines": [{"text": "a", "polygon": [[1, 2], "x"]}]}, "target.lines[0].polygon"),
    ],
)
def test_bad_targets_raise_data_errors(target: Any, field: str) -> None:
    sample = Sample(id="7", task="anytext", question="q", target=target)
    with pytest.raises(DataError) as info:
        AnyTextOCR().evaluate(reading([]), sample)
    assert info.value.field == field and info.value.record == "sample 7"


# ------------------------------------------------------------------------------ anytext


def test_ned_formula() -> None:
    assert ned("", "") == 1.0
    assert ned("abc", "abc") == 1.0
    assert ned("abd", "abc") == pytest.approx(1 - 1 / (3 + EPS), abs=1e-15)
    assert ned("", "ab") == 1 - 2 / (2 + EPS)
    assert ned("kitten", "sitting") == 1 - 3 / (7 + EPS)


def test_anytext_exact_match_is_case_sensitive_and_unnormalised() -> None:
    protocol = AnyTextOCR()
    sample = anytext_sample("WINNER")
    assert protocol.evaluate(reading(["WINNER"]), sample)["sen_acc"] == 1.0
    values = protocol.evaluate(reading(["winner"]), sample)
    assert values["sen_acc"] == 0.0
    assert values["ned"] == 1 - 6 / (6 + EPS)  # every letter differs in case
    values = protocol.evaluate(reading(["WINNER "]), sample)  # no strip
    assert values["sen_acc"] == 0.0 and values["ned"] == 1 - 1 / (7 + EPS)
    assert protocol.evaluate(reading(["WINNER!"]), sample)["sen_acc"] == 0.0


def test_anytext_truncates_the_ground_truth_but_not_the_reading() -> None:
    protocol = AnyTextOCR()
    alphabet = string.ascii_lowercase  # 26 letters, cut to 20
    sample = anytext_sample(alphabet)
    values = protocol.evaluate(reading([alphabet[:20]]), sample)
    assert values["sen_acc"] == 1.0 and values["ned"] == 1.0
    values = protocol.evaluate(reading([alphabet]), sample)
    assert values["sen_acc"] == 0.0
    assert values["ned"] == 1 - 6 / (26 + EPS)


def test_anytext_unknown_characters_count_as_spaces() -> None:
    protocol = AnyTextOCR()
    sample = anytext_sample("café")
    # é and è are both outside en_dict: both map to the space's id, so NED sees no edit
    values = protocol.evaluate(reading(["cafè"]), sample)
    assert values["sen_acc"] == 0.0 and values["ned"] == 1.0
    assert protocol.evaluate(reading(["caf "]), sample)["ned"] == 1.0
    assert protocol.evaluate(reading(["cafe"]), sample)["ned"] == 1 - 1 / (4 + EPS)
    # a reading with more unknown characters is longer: lengths count symbols
    assert protocol.evaluate(reading(["caf汉字"]), sample)["ned"] == 1 - 1 / (5 + EPS)


def test_printable_ascii_is_anytexts_english_dictionary(tmp_path: Path) -> None:
    # en_dict.txt: one character per line, 95 lines, the last one a space
    chars = "0123456789:;<=>?@" + string.ascii_uppercase + "[\\]^_`" + string.ascii_lowercase
    chars += "{|}~" + "!\"#$%&'()*+,-./" + " "
    assert len(chars) == 95
    path = tmp_path / "en_dict.txt"
    path.write_text("\n".join(chars) + "\n", encoding="utf-8")
    assert load_dictionary(path) == PRINTABLE_ASCII


def test_a_loaded_dictionary_changes_what_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_bytes("汉\r\n字\r\na".encode())
    dictionary = load_dictionary(path)
    assert dictionary == frozenset({"汉", "字", "a", " "})
    assert collapse_unknown("汉b字c", dictionary) == "汉 字 "
    protocol = AnyTextOCR(dictionary=dictionary)
    sample = anytext_sample("汉字x")
    assert protocol.evaluate(reading(["汉字y"]), sample)["ned"] == 1.0  # x, y both unknown
    assert protocol.evaluate(reading(["汉ay"]), sample)["ned"] == 1 - 1 / (3 + EPS)
    with pytest.raises(DataError):
        load_dictionary(tmp_path / "missing.txt")


def test_empty_readings() -> None:
    protocol = AnyTextOCR()
    values = protocol.evaluate(reading(["", ""]), anytext_sample("AB", ""))
    # "" vs "AB": NED 1 - 2/(2+1e-5); "" vs "": an exact match
    assert values["sen_acc"] == 0.5
    assert values["ned"] == pytest.approx((1 - 2 / (2 + EPS) + 1.0) / 2, abs=1e-15)
    # the scoring stage passes "" for a missing prediction: one image, nothing read
    values = protocol.evaluate("", anytext_sample("AB", "CD"))
    assert values["lines"] == 2 and values["images"] == 1 and values["sen_acc"] == 0.0


def test_micro_average_over_lines_of_all_images_of_all_prompts() -> None:
    protocol = AnyTextOCR()
    first = anytext_sample("ONE", "TWO", sid="a")
    second = anytext_sample("THREE", sid="b")
    answers = [
        reading(["ONE", "TWO"], ["ONE", "TW0"], ["0NE", "TW0"], ["ONE", "TWO"]),  # 5 of 8
        reading(["THREE"], ["THREE"], ["THREE"], ["THREF"]),  # 3 of 4
    ]
    values = protocol.evaluate_many(answers, [first, second])
    assert list(values[0])[:6] == ["sen_acc", "ned", "sen_acc_sum", "ned_sum", "lines", "images"]
    assert values[0]["sen_acc"] == 5 / 8 and values[1]["sen_acc"] == 3 / 4
    reduced = protocol.reduce(values, [first, second])
    # every line is Latin: the English split repeats the totals, no Chinese keys
    assert list(reduced) == ["sen_acc", "ned", "lines", "images", "sen_acc_en", "ned_en",
                             "lines_en"]
    assert reduced["sen_acc_en"] == reduced["sen_acc"] and reduced["lines_en"] == 12
    assert reduced["sen_acc"] == 8 / 12  # not the mean of 5/8 and 3/4
    assert reduced["lines"] == 12 and reduced["images"] == 8
    assert isinstance(reduced["lines"], int) and isinstance(reduced["images"], int)
    one_edit_3 = 1 - 1 / (3 + EPS)
    expected_ned = (5 + 3 * one_edit_3) + (3 + (1 - 1 / (5 + EPS)))
    assert reduced["ned"] == pytest.approx(expected_ned / 12, abs=1e-12)
    assert protocol.score(answers[0], first) == 5 / 8


def test_a_prompt_without_lines_adds_nothing() -> None:
    protocol = AnyTextOCR()
    empty = anytext_sample(lines=[line("x", valid=False)], sid="e")
    full = anytext_sample("OK", sid="f")
    values = protocol.evaluate_many([reading([], []), reading(["OK"], ["NO"])], [empty, full])
    assert {k: values[0][k] for k in ("sen_acc", "ned", "sen_acc_sum", "ned_sum", "lines",
                                      "images")} == {"sen_acc": 0.0, "ned": 0.0,
                                                     "sen_acc_sum": 0.0, "ned_sum": 0.0,
                                                     "lines": 0.0, "images": 2.0}
    reduced = protocol.reduce(values, [empty, full])
    assert reduced["sen_acc"] == 0.5 and reduced["lines"] == 2 and reduced["images"] == 4
    assert protocol.reduce([values[0]], [empty])["sen_acc"] == 0.0
    assert protocol.reduce([], [])["lines"] == 0


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (["x"], "answer"),
        ({"images": []}, "answer.images"),
        ({"images": "abc"}, "answer.images"),
        ({"reader": 3, "images": [{"lines": ["a"]}]}, "answer.reader"),
        ({"images": [["a"]]}, "answer.images[0]"),
        ({"images": [{"lines": "a"}]}, "answer.images[0].lines"),
        ({"images": [{"lines": [1]}]}, "answer.images[0].lines"),
        ({"images": [{"lines": ["a"]}, {"lines": ["a", "b"]}]}, "answer.images[1].lines"),
    ],
)
def test_malformed_answers_raise_data_errors(answer: Any, field: str) -> None:
    with pytest.raises(DataError) as info:
        AnyTextOCR().evaluate(answer, anytext_sample("a"))
    assert info.value.field == field


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aAé汉 1", max_size=8), st.text(alphabet="aAé汉 1x", max_size=8))
def test_ned_over_characters_equals_ned_over_dictionary_ids(gt: str, pred: str) -> None:
    # the reference: ids from ['sos'] + en_dict + [' '], unknown characters to the last id
    chars = ["sos", *sorted(PRINTABLE_ASCII), " "]
    char2id = {c: i for i, c in enumerate(chars)}
    gt_ids = [char2id.get(c, len(chars) - 1) for c in gt]
    pred_ids = [char2id.get(c, len(chars) - 1) for c in pred]
    expected = 1 - lev(pred_ids, gt_ids) / (max(len(pred_ids), len(gt_ids)) + EPS)
    # one dictionary for every line, as the reference does for a laion_word file
    got = AnyTextOCR(dictionary=PRINTABLE_ASCII).evaluate(reading([pred]),
                                                           anytext_sample(gt))["ned"]
    assert got == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------------------- textharmony


def test_textharmony_normalisation() -> None:
    assert textharmony_normalize("Hello, World! 2024") == "helloworld2024"
    assert textharmony_normalize("Öl-Straße") == "lstrae"  # non-ASCII letters are dropped
    assert textharmony_normalize("\u212aelvin") == "kelvin"  # the Kelvin sign lowercases to k
    assert textharmony_normalize("½ ² ٣") == ""  # not ASCII digits


def test_textharmony_ned_only_after_normalising_both_sides() -> None:
    protocol = TextHarmonyOCR()
    sample = anytext_sample("WINNER!")
    values = protocol.evaluate(reading(["winner"]), sample)
    assert list(values) == ["ned", "ned_sum", "lines", "images", "lines_skipped"]
    assert values["ned"] == 1.0
    assert protocol.evaluate(reading(["W1NNER"]), sample)["ned"] == 1 - 1 / (6 + EPS)
    reduced = protocol.reduce([values], [sample])
    assert reduced == {"ned": 1.0, "lines": 1, "images": 1, "lines_skipped": 0}


def test_textharmony_truncates_before_normalising() -> None:
    sample = anytext_sample("A-B-C-D-E-F-G-H-I-J-K-L")  # cut to "A-B-C-D-E-F-G-H-I-J-"
    values = TextHarmonyOCR().evaluate(reading(["abcdefghijkl"]), sample)
    assert values["ned"] == 1 - 2 / (12 + EPS)


def test_textharmony_text_that_normalises_to_nothing() -> None:
    protocol = TextHarmonyOCR()
    assert protocol.evaluate(reading(["..."]), anytext_sample("!!"))["ned"] == 1.0
    assert protocol.evaluate(reading(["ab"]), anytext_sample("!!"))["ned"] == 1 - 2 / (2 + EPS)


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
        protocol.evaluate(reading(["a"]), mario_sample("a"))  # line readings, no words
    assert info.value.field == "answer.words"
