"""The TextVQA accuracy protocols ``vqa`` (MMF/EvalAI) and ``vqa-official`` (GT-Vision-Lab).

Golden values were worked out by hand from reading the references: ``pixas/LLaVA``
``llava/eval/m4c_evaluator.py`` @ fbd51158da0d (MMF's ``EvalAIAnswerProcessor`` and
``TextVQAAccuracyEvaluator``) and ``GT-Vision-Lab/VQA``
``PythonEvaluationTools/vqaEvaluation/vqaEval.py`` @ c4e6a0e4e84b (``VQAEval``). The floating
point values of ``k = 2`` and ``k = 3`` placements were checked by running the references.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from benchscripts import load_benchmark
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.vqa import (
    VQAAccuracy,
    VQAAccuracyOfficial,
    leave_one_out_accuracy,
    leave_one_out_accuracy_matrix,
)
from harmonybench.metrics.vqa_normalize import (
    ARTICLES,
    CONTRACTIONS,
    NUMBER_WORDS,
    PERIOD_STRIP_COUNT,
    PUNCTUATION,
    mmf_process_punctuation,
    mmf_word_tokenize,
    normalize_mmf,
    normalize_official_answers,
    normalize_official_prediction,
    official_process_punctuation,
    process_digit_article,
)
from harmonybench.protocol import Protocol
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample

MMF = VQAAccuracy()
OFFICIAL = VQAAccuracyOfficial()


def sample(answers: Sequence[str], sid: str = "q1") -> Sample:
    return Sample(id=sid, task="textvqa", question="what is written?", answers=tuple(answers))


def ten(answer: str) -> Sample:
    return sample([answer] * 10)


# ------------------------------------------------------------------------------------------
# Registration and class attributes
# ------------------------------------------------------------------------------------------


def test_registered_names_and_attributes() -> None:
    assert isinstance(get_protocol("vqa"), VQAAccuracy)
    assert isinstance(get_protocol("vqa-official"), VQAAccuracyOfficial)
    for proto, name in ((MMF, "vqa"), (OFFICIAL, "vqa-official")):
        assert isinstance(proto, Protocol)
        assert proto.name == name
        assert proto.metric == "vqa_accuracy"
        assert proto.tasks == ("textvqa",)
    assert "fbd51158da0d" in MMF.reference and "m4c_evaluator.py" in MMF.reference
    assert "c4e6a0e4e84b" in OFFICIAL.reference and "vqaEval.py" in OFFICIAL.reference
    assert "c4e6a0e4e84b" in (VQAAccuracyOfficial.__doc__ or "")
    assert "fbd51158da0d" in (VQAAccuracy.__doc__ or "")


def test_tables_match_the_references() -> None:
    assert "".join(PUNCTUATION) == ';/[]"{}()=+\\_-><@`,?!'
    assert len(CONTRACTIONS) == 120
    assert CONTRACTIONS["dont"] == "don't"
    assert CONTRACTIONS["somebody'd"] == "somebodyd"  # reversed in both references
    assert CONTRACTIONS["twas"] == "'twas"
    assert CONTRACTIONS["Im"] == "I'm"
    assert dict(NUMBER_WORDS) == {
        "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
        "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    }
    assert sorted(ARTICLES) == ["a", "an", "the"]
    assert PERIOD_STRIP_COUNT == 32


# ------------------------------------------------------------------------------------------
# Normalisers: golden values
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mmf", "official"),
    [
        ("5.", "5", "5"),  # the malformed look-behind: a period after a digit goes too
        ("Black.", "black", "black"),
        ("U.S.A.", "usa", "usa"),
        ("it's", "it 's", "it's"),  # MMF's tokenizer splits "'s"
        ("It'S", "it 's", "it's"),
        ("1,000", "1000", "1000"),  # MMF deletes commas; official: digit-comma-digit rule
        ("two", "2", "2"),
        ("Ten Dogs", "10 dogs", "10 dogs"),
        ("none", "0", "0"),
        ("The Beatles", "beatles", "beatles"),
        ("a cat", "cat", "cat"),
        ("an apple", "apple", "apple"),
        ("dont", "don't", "don't"),
        ("Dont", "don't", "don't"),
        ("hes", "he's", "he's"),
        ("let's", "let 's", "let's"),  # the table's own "let's" key is unreachable in MMF
        ("Im", "im", "im"),  # capitalised keys are unreachable: the text is lowercased first
        ("somebody'd", "somebodyd", "somebodyd"),
        ("yes...", "yes", "yes"),
        ("3.5", "3.5", "3.5"),
        ("3.5.", "3.5", "3.5"),
        ("100%", "100%", "100%"),  # "%" is not in the punctuation list
        ("100 %", "100 %", "100 %"),
        ("", "", ""),
        ("?", "", ""),
        ("  new\nyork\t", "new york", "new york"),
        ("coca-cola", "coca cola", "coca cola"),  # a mark away from spaces becomes a space
        ("coca - cola", "coca cola", "coca cola"),  # a mark next to a space is deleted
        ("well-known -x", "wellknown x", "wellknown x"),  # decided once for the whole text
        ("(212) 555-0100", "212 555 0100", "212 555 0100"),
        ("1,,000-x", "1000 x", "1 000 x"),  # MMF drops commas first; official rule needs one
        ("ＳＴＯＰ", "ｓｔｏｐ", "ｓｔｏｐ"),  # fullwidth letters are lowercased, never folded
        ("５.", "５", "５"),
        ("1.５", "1.５", "1.５"),  # \d is Unicode-aware: a period before "５" stays
        ("１，０００", "１，０００", "１，０００"),  # the fullwidth comma is no mark
        ("Mr. Smith's", "mr smith 's", "mr smith's"),
        ("a\u00a0b", "b", "b"),  # str.split() splits on no-break space, then "a" is dropped
    ],
)
def test_normalisers_golden(text: str, mmf: str, official: str) -> None:
    assert normalize_mmf(text) == mmf
    assert normalize_official_prediction(text) == official


def test_period_strip_count_is_re_unicode() -> None:
    # ``PERIOD_STRIP.sub("", s, re.UNICODE)``: re.UNICODE (32) is the count, so 8 of 40 stay.
    text = "x" + "." * 40
    assert mmf_process_punctuation(text) == "x" + "." * 8
    assert official_process_punctuation(text) == "x" + "." * 8
    assert normalize_mmf(text) == "x" + "." * 8
    assert normalize_official_prediction("." * 32) == ""
    assert normalize_official_prediction("." * 33) == "."


@pytest.mark.parametrize(
    ("text", "mmf", "official"),
    [
        ("1,2;x", "12x", "12x"),  # a digit-comma-digit run deletes every mark
        ("1,,2;x", "12x", "1  2 x"),  # MMF's run allows several commas, the official one not
        ("a;b", "a b", "a b"),
        ("a; b", "a b", "a b"),
        ("Black.", "Black", "Black"),  # the punctuation step never lowercases
        ("x.y", "xy", "xy"),
        ("x.5", "x.5", "x.5"),
        ("a!?", "a  ", "a  "),
    ],
)
def test_punctuation_step_golden(text: str, mmf: str, official: str) -> None:
    assert mmf_process_punctuation(text) == mmf
    assert official_process_punctuation(text) == official


def test_mmf_word_tokenize_and_digit_article() -> None:
    assert mmf_word_tokenize("  What's 1,000? ") == "what 's 1000"
    assert process_digit_article("The  ONE\tdont a") == "1 don't"
    assert process_digit_article("") == ""


def test_official_answers_processed_only_when_they_differ() -> None:
    assert normalize_official_answers(["yes.", "yes."]) == ("yes.", "yes.")
    assert normalize_official_answers(["yes.", "yes"]) == ("yes", "yes")
    # Never lowercased, never digit/article processed, never stripped.
    assert normalize_official_answers(["Two ", "the dog"]) == ("Two ", "the dog")
    assert normalize_official_answers([]) == ()


# ------------------------------------------------------------------------------------------
# Scores: golden values
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "expected"),
    [(0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (5, 1.0), (9, 1.0), (10, 1.0)],
)
@pytest.mark.parametrize("proto", [MMF, OFFICIAL], ids=["vqa", "vqa-official"])
def test_k_matching_answers_table(proto: Protocol, k: int, expected: float) -> None:
    s = sample(["yes"] * k + ["no"] * (10 - k))
    assert proto.score("yes", s) == pytest.approx(expected, abs=1e-12)


def test_scores_add_left_to_right_like_the_references() -> None:
    # Running the references on every placement of 2 (or 3) matches among 10 answers gives
    # exactly these values: their sum() adds per-position values in file order.
    values: dict[int, set[float]] = {2: set(), 3: set()}
    for k, found in values.items():
        for positions in itertools.combinations(range(10), k):
            answers = ["yes" if i in positions else "no" for i in range(10)]
            found.add(MMF.score("yes", sample(answers)))
            assert OFFICIAL.score("yes", sample(answers)) == MMF.score("yes", sample(answers))
    assert values[2] == {0.6, 0.6000000000000001, 0.5999999999999999}
    assert values[3] == {0.9, 0.8999999999999998}
    # One placement per value, as MMF's TextVQAAccuracyEvaluator returns it.
    for positions, value in [
        ((0, 1), 0.6),
        ((3, 4), 0.6000000000000001),
        ((7, 8), 0.5999999999999999),
        ((0, 1, 2), 0.9),
        ((0, 1, 9), 0.8999999999999998),
    ]:
        answers = ["yes" if i in positions else "no" for i in range(10)]
        assert MMF.score("yes", sample(answers)) == value
        assert MMF.score_many(["yes"], [sample(answers)]) == [value]
        assert OFFICIAL.score_many(["yes"], [sample(answers)]) == [value]


def test_leave_one_out_excludes_by_position() -> None:
    # Excluding every equal answer instead would give 0 here.
    assert MMF.score("yes", ten("yes")) == 1.0
    assert OFFICIAL.score("yes", ten("yes")) == 1.0
    assert leave_one_out_accuracy([True] * 4) == 1.0
    assert leave_one_out_accuracy([True, False]) == pytest.approx(1 / 6)
    with pytest.raises(ValueError):
        leave_one_out_accuracy([])


@pytest.mark.parametrize(
    ("prediction", "answers", "mmf", "official"),
    [
        ("5.", ["5"] * 10, 1.0, 1.0),
        ("2011.", ["2011"] * 10, 1.0, 1.0),
        ("Black.", ["black"] * 10, 1.0, 1.0),
        ("black", ["Black"] * 10, 1.0, 0.0),  # official answers are never lowercased
        ("black", ["Black."] * 9 + ["black"], 1.0, 0.3),  # ... only punctuated: "Black" x9
        ("U.S.A.", ["usa"] * 10, 1.0, 1.0),
        ("usa", ["U.S.A."] * 10, 1.0, 0.0),
        ("it's", ["it's"] * 10, 1.0, 1.0),
        ("its", ["it's"] * 10, 0.0, 0.0),
        ("1,000", ["1000"] * 10, 1.0, 1.0),
        ("1000", ["1,000"] * 10, 1.0, 0.0),  # identical answers: no punctuation processing
        ("1000", ["1,000"] * 9 + ["1000"], 1.0, 1.0),  # they differ: all become "1000"
        ("two", ["2"] * 10, 1.0, 1.0),
        ("2", ["two"] * 10, 1.0, 0.0),  # answers get no digit/article step officially
        ("the beatles", ["beatles"] * 10, 1.0, 1.0),
        ("beatles", ["the beatles"] * 10, 1.0, 0.0),
        ("dont", ["don't"] * 10, 1.0, 1.0),
        ("don't", ["dont"] * 10, 1.0, 0.0),
        ("yes.", ["yes"] * 10, 1.0, 1.0),
        ("yes", ["yes."] * 10, 1.0, 0.0),  # official: identical answers keep their period
        ("yes", ["yes."] * 9 + ["yes"], 1.0, 1.0),  # they differ: periods stripped
        ("100 %", ["100%"] * 10, 0.0, 0.0),
        ("100%", ["100%"] * 10, 1.0, 1.0),
        ("", ["yes"] * 10, 0.0, 0.0),
        ("", [""] * 3 + ["yes"] * 7, 0.9, 0.9),
        ("?", ["."] * 10, 1.0, 0.0),  # MMF: both normalise to ""; official keeps "."
        ("new\nyork", ["new york"] * 10, 1.0, 1.0),
        ("\tyes \n", ["yes"] * 10, 1.0, 1.0),
        ("ＹＥＳ", ["yes"] * 10, 0.0, 0.0),  # no width folding anywhere
        ("ＹＥＳ", ["ｙｅｓ"] * 10, 1.0, 1.0),
        ("Coca Cola", ["coca-cola"] * 4 + ["coke"] * 6, 1.0, 1.0),
        ("coca cola", ["Coca-Cola"] * 4 + ["coke"] * 6, 1.0, 0.0),  # -> "Coca Cola" x4
    ],
)
def test_scores_golden(
    prediction: str, answers: list[str], mmf: float, official: float
) -> None:
    s = sample(answers)
    assert MMF.score(prediction, s) == pytest.approx(mmf, abs=1e-12)
    assert OFFICIAL.score(prediction, s) == pytest.approx(official, abs=1e-12)
    assert MMF.score_many([prediction], [s]) == [MMF.score(prediction, s)]
    assert OFFICIAL.score_many([prediction], [s]) == [OFFICIAL.score(prediction, s)]


def test_answer_counts_other_than_ten() -> None:
    nine = sample(["yes"] * 9)
    with pytest.raises(DataError, match="exactly 10") as info:
        MMF.score("yes", nine)
    assert info.value.field == "answers" and info.value.record == "sample q1"
    with pytest.raises(DataError, match="exactly 10"):
        MMF.score_many(["yes", "yes"], [ten("yes"), nine])
    # The official code uses whatever it has.
    assert OFFICIAL.score("yes", nine) == 1.0
    assert OFFICIAL.score("yes", sample(["yes"] + ["no"] * 8)) == pytest.approx(8 / 27)
    assert OFFICIAL.score("yes", sample(["yes"])) == 0.0  # nobody else agrees
    assert OFFICIAL.score("yes", sample(["yes", "yes"])) == pytest.approx(1 / 3)
    with pytest.raises(DataError, match="no answers"):
        OFFICIAL.score("yes", sample([]))
    with pytest.raises(DataError, match="no answers"):
        OFFICIAL.score_many(["yes", "yes"], [nine, sample([], "q2")])


def test_bad_types_raise_data_errors() -> None:
    with pytest.raises(DataError) as info:
        MMF.score(None, ten("yes"))  # type: ignore[arg-type]
    assert info.value.field == "prediction"
    bad = Sample(id="7", task="textvqa", question="q", answers=("yes",) * 9 + (3,))  # type: ignore[arg-type]
    for proto in (MMF, OFFICIAL):
        with pytest.raises(DataError, match="answer 9 must be a string") as info:
            proto.score("yes", bad)
        assert info.value.record == "sample 7"
        with pytest.raises(DataError, match="answer 9"):
            proto.score_many(["yes", "yes"], [ten("yes"), bad])
        with pytest.raises(DataError, match="prediction"):
            proto.score_many(["yes", b"yes"], [ten("yes"), ten("yes")])  # type: ignore[list-item]
        unhashable = Sample(id="8", task="textvqa", question="q", answers=(["x"],) * 10)  # type: ignore[arg-type]
        with pytest.raises(DataError, match="answer 0"):
            proto.score_many(["yes"], [unhashable])
        as_string = Sample(id="9", task="textvqa", question="q", answers="yesyesyesy")  # type: ignore[arg-type]
        with pytest.raises(DataError, match="list of strings"):
            proto.score_many(["yes"], [as_string])
        with pytest.raises(ValueError, match="differ in length"):
            proto.score_many(["yes"], [])
        assert proto.score_many([], []) == []


def test_aggregate_is_the_unrounded_mean() -> None:
    samples = [ten("yes"), sample(["yes"] + ["no"] * 9), ten("no")]
    scores = OFFICIAL.score_many(["yes", "yes", "yes"], samples)
    assert OFFICIAL.aggregate(scores, samples) == {"vqa_accuracy": pytest.approx(1.3 / 3)}


def test_matrix_rejects_empty_rows() -> None:
    import numpy as np

    with pytest.raises(ValueError):
        leave_one_out_accuracy_matrix(np.zeros((3, 0), dtype=bool))


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

TRICKY_CHARS = tuple(';/[]"{}()=+\\_-><@`,?!.%\'’ \n\t\u00a0\u3000')
TRICKY = st.sampled_from(
    [
        *TRICKY_CHARS, "'s", "'S", "5", "0", "1,000", "1,,0", "the ", "a ", "an", "two", "Ten",
        "none", "dont", "hes", "let's", "Im", "yes", "Yes", "YES", "coca", "-cola", "５", "ｙｅｓ",
        "٣", "Σ", "İ", "ß", "é", "e\u0301", "...",
    ]
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.lists(TRICKY, max_size=8).map("".join),
)


@given(TEXT)
@settings(max_examples=400, deadline=None)
def test_normalisers_never_raise_and_mmf_output_shape(text: str) -> None:
    out = normalize_mmf(text)
    assert out == out.lower()
    assert out == " ".join(out.split())
    assert not set(out) & set(PUNCTUATION)
    assert not set(out.split()) & (ARTICLES | set(NUMBER_WORDS))
    official = normalize_official_prediction(text)
    assert official == " ".join(official.split())
    assert not set(official) & set(PUNCTUATION)
    assert not set(official.split()) & (ARTICLES | set(NUMBER_WORDS))
    for step in (mmf_process_punctuation, official_process_punctuation):
        assert not set(step(text)) & set(PUNCTUATION)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_digit_article_step_is_idempotent(text: str) -> None:
    once = process_digit_article(text)
    assert process_digit_article(once) == once


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_punctuation_step_idempotent_below_the_period_count(text: str) -> None:
    assume(text.count(".") <= PERIOD_STRIP_COUNT)
    for step in (mmf_process_punctuation, official_process_punctuation):
        once = step(text)
        assert step(once) == once


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_mmf_idempotent_without_apostrophes(text: str) -> None:
    # "'s" tokenisation makes it non-idempotent ("hes" -> "he's" -> "he 's"); without any
    # apostrophe in the result (and with few periods) a second pass changes nothing.
    assume(text.count(".") <= PERIOD_STRIP_COUNT)
    once = normalize_mmf(text)
    assume("'" not in once)
    assert normalize_mmf(once) == once


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_official_prediction_normaliser_idempotent_below_the_period_count(text: str) -> None:
    assume(text.count(".") <= PERIOD_STRIP_COUNT)
    once = normalize_official_prediction(text)
    assert normalize_official_prediction(once) == once


def test_normalisers_are_not_idempotent_in_general() -> None:
    assert normalize_mmf("hes") == "he's"
    assert normalize_mmf("he's") == "he 's"
    many = "x" + "." * 40
    assert normalize_mmf(normalize_mmf(many)) != normalize_mmf(many)
    assert normalize_official_prediction(normalize_official_prediction(many)) == "x"


ANSWER = st.one_of(st.sampled_from(["yes", "Yes.", "yes", "no", "2", "two", "", "1,000",
                                    "it's", "the end", "ＹＥＳ"]), TEXT)


@given(
    st.lists(
        st.tuples(ANSWER, st.lists(ANSWER, min_size=10, max_size=10)), min_size=1, max_size=12
    )
)
@settings(max_examples=200, deadline=None)
def test_score_many_equals_score_mmf(pairs: list[tuple[str, list[str]]]) -> None:
    predictions = [p for p, _ in pairs]
    samples = [sample(a, str(i)) for i, (_, a) in enumerate(pairs)]
    expected = [MMF.score(p, s) for p, s in zip(predictions, samples, strict=True)]
    assert MMF.score_many(predictions, samples) == expected
    assert all(0.0 <= v <= 1.0 for v in expected)


@given(
    st.lists(
        st.tuples(ANSWER, st.lists(ANSWER, min_size=1, max_size=12)), min_size=1, max_size=12
    )
)
@settings(max_examples=200, deadline=None)
def test_score_many_equals_score_official(pairs: list[tuple[str, list[str]]]) -> None:
    predictions = [p for p, _ in pairs]
    samples = [sample(a, str(i)) for i, (_, a) in enumerate(pairs)]
    expected = [OFFICIAL.score(p, s) for p, s in zip(predictions, samples, strict=True)]
    assert OFFICIAL.score_many(predictions, samples) == expected
    assert all(0.0 <= v <= 1.0 for v in expected)


@given(st.lists(st.booleans(), min_size=1, max_size=16), st.randoms(use_true_random=False))
def test_leave_one_out_closed_form_and_order(matches: list[bool], rnd: object) -> None:
    n, k = len(matches), sum(matches)
    closed = (k * min(1, (k - 1) / 3) + (n - k) * min(1, k / 3)) / n
    value = leave_one_out_accuracy(matches)
    assert value == pytest.approx(closed, abs=1e-12)
    shuffled = list(matches)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert leave_one_out_accuracy(shuffled) == pytest.approx(value, abs=1e-12)


# ------------------------------------------------------------------------------------------
# The benchmark runs and agrees
# ------------------------------------------------------------------------------------------




def test_benchmark_runs_small_and_scores_agree(tmp_path: Path) -> None:
    bench = load_benchmark("bench_textvqa")
    out = tmp_path / "results.md"
    rows = bench.main(["--n", "2000", "--output", str(out)])
    assert [(r[0], r[2]) for r in rows] == [("vqa", 2000)] * 2 + [("vqa-official", 2000)] * 2
    text = out.read_text(encoding="utf-8")
    assert "| protocol | implementation | items | seconds | CPU seconds | items/s | ratio |" in text
    assert "Python" in text and "numpy" in text and "cores" in text
    predictions, samples = bench.synthetic_textvqa(300, seed=3)
    assert all(len(s.answers) == 10 for s in samples)
    assert MMF.score_many(predictions, samples) == [
        bench.plain_mmf_score(p, s.answers) for p, s in zip(predictions, samples, strict=True)
    ]
    assert OFFICIAL.score_many(predictions, samples) == [
        bench.plain_official_score(p, s.answers)
        for p, s in zip(predictions, samples, strict=True)
    ]
    again, _ = bench.synthetic_textvqa(300, seed=3)
    assert again == predictions
