"""ANLS (`anls`, `anls-monkey`): golden cases from the reference scripts, properties, fast path.

The golden values were worked out from the reference code (the RRC script as copied in
Yuliang-Liu/Monkey project/mini_monkey/eval/vqa/infographicsvqa_eval.py, and Monkey's
eval/evaluate_vqa.py evaluateANLS, both at 498e1d92baff) and checked against those functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchscripts import load_benchmark
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.anls import ANLS, THRESHOLD, ANLSMonkey
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample


def sample(*answers: str) -> Sample:
    return Sample(id="q1", task="docvqa", question="?", answers=tuple(answers))


def levenshtein(a: str, b: str) -> int:
    """Unit-cost edit distance by the textbook dynamic programme (the test's own oracle)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def oracle_rrc(prediction: str, answers: tuple[str, ...]) -> float:
    """The RRC rule written out literally: normalise, raw upper() lengths, threshold."""
    values = []
    for answer in answers:
        gt = " ".join(answer.strip().lower().split())
        det = " ".join(prediction.strip().lower().split())
        length = max(len(answer.upper()), len(prediction.upper()))
        values.append(0.0 if length == 0 else levenshtein(gt, det) / length)
    result = 1 - min(values)
    return 0.0 if result < 0.5 else result


def oracle_monkey(prediction: str, answers: tuple[str, ...]) -> float:
    """Monkey's evaluateANLS written out literally: prediction stripped, lower+strip, raw len."""
    pred = prediction.strip()
    values = []
    for answer in answers:
        length = max(len(answer), len(pred))
        dist = levenshtein(answer.lower().strip(), pred.lower().strip())
        values.append(0.0 if length == 0 else dist / length)
    result = 1 - min(values)
    return 0.0 if result < 0.5 else result


# Strings rich in the characters the rules treat specially.
_ALPHABET = [*"aAbBcC .,\t\n\r", "ß", "ẞ", "İ", "ﬁ", "Σ", "\u00a0", "\u3000", "  "]
texts = st.lists(st.sampled_from(_ALPHABET), max_size=14).map("".join) | st.text(max_size=12)
answer_tuples = st.lists(texts, min_size=1, max_size=3).map(tuple)


class TestRegistry:
    def test_names_classes_and_metadata(self) -> None:
        for name, cls in (("anls", ANLS), ("anls-monkey", ANLSMonkey)):
            protocol = get_protocol(name)
            assert type(protocol) is cls
            assert protocol.name == name
            assert protocol.metric == "anls"
            assert protocol.tasks == ("docvqa", "infovqa", "stvqa")
            assert "498e1d92baff" in protocol.reference
            assert protocol.summary


class TestGoldenRRC:
    """``anls``: the official RRC/DocVQA script."""

    @pytest.mark.parametrize(
        ("answers", "prediction", "expected"),
        [
            (("Paris",), "paris", 1.0),  # case-insensitive
            (("abcd",), "abxy", 0.5),  # NL exactly 0.5: kept
            (("a" * 100,), "a" * 50 + "b" * 50, 0.5),
            (("a" * 100,), "a" * 49 + "b" * 51, 0.0),  # 0.49: below the threshold
            (("abcde",), "abxyz", 0.0),  # 0.4
            (("new  york",), "New York", 1.0),  # internal whitespace collapsed
            (("new\tyork\n",), " new york", 1.0),  # any whitespace, both sides
            (("abc",), "   abd   ", 1 - 1 / 9),  # raw prediction length 9 divides
            (("  abc  ",), "abd", 1 - 1 / 7),  # raw answer length 7 divides
            (("",), "", 1.0),  # both empty: length 0 -> distance 0
            (("  ",), "", 1.0),  # both normalise to ""
            (("abc",), "", 0.0),
            (("ßß",), "x", 0.5),  # len("ßß".upper()) == 4, so NL = 2/4
            (("Straße",), "strasse", 1 - 2 / 7),
            (("İ",), "", 0.0),  # lowercases to 2 code points: similarity -1 -> 0
            (("foo", "abcd"), "abcd", 1.0),  # best over the answers
            (("abcx", "abxx"), "abcd", 0.75),
        ],
    )
    def test_golden(self, answers: tuple[str, ...], prediction: str, expected: float) -> None:
        assert ANLS().score(prediction, sample(*answers)) == expected

    def test_upper_length_differs_from_len(self) -> None:
        # With len() instead of len(upper()) this would be NL = 2/2 -> 0.
        assert ANLS().score("x", sample("ßß")) == 0.5
        assert ANLSMonkey().score("x", sample("ßß")) == 0.0


class TestGoldenMonkey:
    """``anls-monkey``: Monkey's and TextHarmony's evaluateANLS."""

    @pytest.mark.parametrize(
        ("answers", "prediction", "expected"),
        [
            (("Paris",), "PARIS", 1.0),
            (("abcd",), "abxy", 0.5),
            (("abcde",), "abxyz", 0.0),
            (("new  york",), "New York", 1 - 1 / 9),  # no whitespace collapse
            (("abc",), "   abd   ", 1 - 1 / 3),  # the prediction is stripped before len()
            (("  abc  ",), "abd", 1 - 1 / 7),  # the answer is not
            (("",), "", 1.0),
            (("  ",), "", 1.0),
            (("abc",), "", 0.0),
            (("Straße",), "strasse", 1 - 2 / 7),
            (("foo", "abcd"), "abcd", 1.0),
        ],
    )
    def test_golden(self, answers: tuple[str, ...], prediction: str, expected: float) -> None:
        assert ANLSMonkey().score(prediction, sample(*answers)) == expected


class TestErrors:
    @pytest.mark.parametrize("cls", [ANLS, ANLSMonkey])
    def test_no_answers(self, cls: type[ANLS]) -> None:
        with pytest.raises(DataError, match=r"sample q1.*answers"):
            cls().score("x", sample())
        with pytest.raises(DataError, match=r"sample q1.*answers"):
            cls().score_many(["x", "y"], [sample("y"), sample()])

    @pytest.mark.parametrize("cls", [ANLS, ANLSMonkey])
    def test_non_string_answer(self, cls: type[ANLS]) -> None:
        bad = Sample(id="q9", task="docvqa", question="?", answers=(3,))  # type: ignore[arg-type]
        with pytest.raises(DataError, match="q9"):
            cls().score("3", bad)
        with pytest.raises(DataError, match="q9"):
            cls().score_many(["3", "3"], [sample("3"), bad])

    def test_length_mismatch_and_empty(self) -> None:
        with pytest.raises(ValueError, match="differ in length"):
            ANLS().score_many(["a"], [])
        assert ANLS().score_many([], []) == []


class TestProperties:
    @settings(max_examples=400, deadline=None)
    @given(texts, answer_tuples)
    def test_matches_literal_reading_of_references(
        self, prediction: str, answers: tuple[str, ...]
    ) -> None:
        assert ANLS().score(prediction, sample(*answers)) == oracle_rrc(prediction, answers)
        assert ANLSMonkey().score(prediction, sample(*answers)) == oracle_monkey(
            prediction, answers
        )

    @settings(max_examples=300, deadline=None)
    @given(texts, answer_tuples)
    def test_in_unit_interval_and_thresholded(
        self, prediction: str, answers: tuple[str, ...]
    ) -> None:
        for protocol in (ANLS(), ANLSMonkey()):
            value = protocol.score(prediction, sample(*answers))
            assert 0.0 <= value <= 1.0
            assert value == 0.0 or value >= THRESHOLD

    @settings(max_examples=300, deadline=None)
    @given(texts, texts)
    def test_rrc_is_symmetric(self, a: str, b: str) -> None:
        assert ANLS().score(a, sample(b)) == ANLS().score(b, sample(a))

    @settings(max_examples=300, deadline=None)
    @given(texts, texts)
    def test_monkey_is_symmetric_on_stripped_strings(self, a: str, b: str) -> None:
        a, b = a.strip(), b.strip()
        assert ANLSMonkey().score(a, sample(b)) == ANLSMonkey().score(b, sample(a))

    @settings(max_examples=300, deadline=None)
    @given(texts)
    def test_identity_scores_one(self, text: str) -> None:
        assert ANLS().score(text, sample(text)) == 1.0
        assert ANLSMonkey().score(text, sample(text)) == 1.0

    @settings(max_examples=300, deadline=None)
    @given(texts, answer_tuples, texts)
    def test_more_answers_never_lower_the_score(
        self, prediction: str, answers: tuple[str, ...], extra: str
    ) -> None:
        for protocol in (ANLS(), ANLSMonkey()):
            before = protocol.score(prediction, sample(*answers))
            assert protocol.score(prediction, sample(*answers, extra)) >= before


class TestScoreMany:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(texts, answer_tuples), max_size=25))
    def test_identical_to_score(self, pairs: list[tuple[str, tuple[str, ...]]]) -> None:
        predictions = [p for p, _ in pairs]
        samples = [sample(*answers) for _, answers in pairs]
        for protocol in (ANLS(), ANLSMonkey()):
            expected = [protocol.score(p, s) for p, s in zip(predictions, samples, strict=True)]
            assert protocol.score_many(predictions, samples) == expected

    def test_returns_python_floats(self) -> None:
        values = ANLS().score_many(["a", "b"], [sample("a"), sample("c")])
        assert values == [1.0, 0.0]
        assert all(type(v) is float for v in values)




class TestBenchmark:
    def test_small_run_agrees_and_writes_table(self, tmp_path: Path) -> None:
        bench = load_benchmark("bench_anls")
        out = tmp_path / "results.md"
        assert bench.main(["--n", "400", "--seed", "3", "--output", str(out)]) == 0
        table = out.read_text(encoding="utf-8")
        assert "| implementation | items | seconds | items/s | ratio |" in table
        assert "identical to the pure-Python baseline: yes" in table
        assert "ANLS().score_many" in table

    def test_pure_python_reference_matches_protocol(self) -> None:
        bench = load_benchmark("bench_anls")
        predictions, answers = bench.make_data(500, seed=11)
        samples = [sample(*a) for a in answers]
        assert bench.anls_pure_python(predictions, answers) == ANLS().score_many(
            predictions, samples
        )
        assert any(len(a) > 1 for a in answers)
        assert 0.0 < sum(ANLS().score_many(predictions, samples)) < len(samples)
