"""Relaxed accuracy (`relaxed`, `relaxed-swapped`): golden cases from pix2struct's rule.

Golden values follow the reference code (lmms-eval lmms_eval/tasks/chartqa/utils.py, VLMEvalKit
vlmeval/dataset/utils/vqa_eval.py at 546ab517b6aa, Monkey eval/evaluate_vqa.py at
498e1d92baff) and were checked against those functions.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.relaxed import (
    RelaxedAccuracy,
    RelaxedAccuracySwapped,
    relaxed_correctness,
    to_float,
)
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample


def sample(*answers: str) -> Sample:
    return Sample(id="c1", task="chartqa", question="?", answers=tuple(answers))


def test_registry() -> None:
    for name, cls in (("relaxed", RelaxedAccuracy), ("relaxed-swapped", RelaxedAccuracySwapped)):
        protocol = get_protocol(name)
        assert type(protocol) is cls
        assert (protocol.name, protocol.metric, protocol.tasks) == (name, "accuracy", ("chartqa",))
        assert protocol.reference and protocol.summary
    assert "498e1d92baff" in RelaxedAccuracySwapped.reference
    assert "546ab517b6aa" in RelaxedAccuracy.reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        (" 12 ", 12.0),  # float() ignores surrounding whitespace
        ("1e3", 1000.0),
        ("1_000", 1000.0),  # ... and accepts underscores between digits
        ("１２", 12.0),  # ... and non-ASCII decimal digits
        ("12.", 12.0),
        ("25%", 0.25),
        ("5%%", 0.05),  # every trailing % goes, divided by 100 once
        ("12 %", 0.12),
        ("-inf", -math.inf),
        ("1e400", math.inf),
        ("1,000", None),
        ("$5", None),
        ("%", None),
        ("", None),
        ("twelve", None),
    ],
)
def test_to_float(text: str, expected: float | None) -> None:
    assert to_float(text) == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "nan%"])
def test_to_float_nan(text: str) -> None:
    value = to_float(text)
    assert value is not None and math.isnan(value)


@pytest.mark.parametrize(
    ("answer", "prediction", "relaxed", "swapped"),
    [
        ("100", "95.0", 1.0, 0.0),  # 5/100 <= 5% ; 5/95 > 5%
        ("100", "105.2", 0.0, 1.0),  # 5.2/100 > 5% ; 5.2/105.2 <= 5%
        ("100", "95.5", 1.0, 1.0),  # within 5% both ways
        ("100", "104.9", 1.0, 1.0),
        ("100", "94.9", 0.0, 0.0),
        ("25%", "0.25", 1.0, 1.0),
        ("0.25", "25%", 1.0, 1.0),
        ("12%", "0.12", 1.0, 1.0),
        ("5%%", "0.05", 1.0, 1.0),
        ("2", "2%", 0.0, 0.0),  # 0.02 vs 2
        ("1000", "1,000", 0.0, 0.0),  # "1,000" is not a number: string compare
        ("1,000", "1,000", 1.0, 1.0),
        ("0", "0", 1.0, 1.0),  # zero target: string compare
        ("0", "0.0", 0.0, 0.0),
        ("0", "0%", 0.0, 0.0),
        ("0.0", "0", 0.0, 0.0),
        ("-0", "0", 0.0, 0.0),
        ("5", "0", 0.0, 0.0),
        ("0", "5", 0.0, 0.0),
        ("nan", "nan", 0.0, 0.0),  # NaN compares false, even for equal strings
        ("NaN", "nan", 0.0, 0.0),
        ("inf", "inf", 0.0, 0.0),  # inf - inf is NaN
        ("1e400", "1e400", 0.0, 0.0),
        ("5", "inf", 0.0, 0.0),
        ("inf", "5", 0.0, 0.0),
        (" 12 ", "12", 1.0, 1.0),
        ("1_000", "1000", 1.0, 1.0),
        ("1e3", "1000", 1.0, 1.0),
        ("１２", "12", 1.0, 1.0),
        ("12", "12.", 1.0, 1.0),
        ("2010", "2008", 1.0, 1.0),  # years within 5% count (pix2struct #35)
        ("$5", "5", 0.0, 0.0),
        ("Yes", "yes", 1.0, 1.0),
        ("Yes", "Yes.", 0.0, 0.0),
        ("Paris", "  paris \n", 1.0, 1.0),  # the prediction is stripped
        (" Paris", "paris", 0.0, 0.0),  # the answer is not
        ("%", "%", 1.0, 1.0),
        ("", "", 1.0, 1.0),
        ("5", "", 0.0, 0.0),
    ],
)
def test_golden(answer: str, prediction: str, relaxed: float, swapped: float) -> None:
    assert RelaxedAccuracy().score(prediction, sample(answer)) == relaxed
    assert RelaxedAccuracySwapped().score(prediction, sample(answer)) == swapped


def test_max_over_answers() -> None:
    assert RelaxedAccuracy().score("abc", sample("10", "ABC")) == 1.0
    assert RelaxedAccuracy().score("9.6", sample("abc", "10")) == 1.0
    assert RelaxedAccuracySwapped().score("105.2", sample("abc", "100")) == 1.0
    assert RelaxedAccuracy().score("7", sample("abc", "10")) == 0.0


def test_relaxed_correctness_is_directional() -> None:
    assert relaxed_correctness("100", "95") is True
    assert relaxed_correctness("95", "100") is False


@pytest.mark.parametrize("cls", [RelaxedAccuracy, RelaxedAccuracySwapped])
def test_no_answers(cls: type[RelaxedAccuracy]) -> None:
    with pytest.raises(DataError, match="sample c1"):
        cls().score("1", sample())


numbers = st.floats(min_value=1e-6, max_value=1e12) | st.floats(min_value=-1e12, max_value=-1e-6)
_TOKENS = ["0", "1", "5", "9", ".", "%", "-", "e", "nan", "inf", " ", ",", "_", "$", "a", "Y"]
texts = st.lists(st.sampled_from(_TOKENS), max_size=6).map("".join) | st.text(max_size=6)


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, min_size=1, max_size=3), texts)
def test_scores_are_binary(answers: list[str], prediction: str) -> None:
    for protocol in (RelaxedAccuracy(), RelaxedAccuracySwapped()):
        assert protocol.score(prediction, sample(*answers)) in (0.0, 1.0)


@settings(max_examples=400, deadline=None)
@given(numbers, st.floats(min_value=-0.049, max_value=0.049))
def test_within_tolerance_of_answer_is_correct(target: float, change: float) -> None:
    prediction = repr(target * (1 + change))
    assert RelaxedAccuracy().score(prediction, sample(repr(target))) == 1.0


@settings(max_examples=400, deadline=None)
@given(numbers, st.floats(min_value=0.051, max_value=10.0), st.booleans())
def test_outside_tolerance_of_answer_is_wrong(target: float, change: float, up: bool) -> None:
    prediction = repr(target * (1 + change if up else 1 - change))
    assert RelaxedAccuracy().score(prediction, sample(repr(target))) == 0.0


@settings(max_examples=400, deadline=None)
@given(texts)
def test_a_stripped_answer_matches_itself_unless_nan_or_infinite(text: str) -> None:
    text = text.strip()
    value = to_float(text)
    assume(value is None or math.isfinite(value))
    assert RelaxedAccuracy().score(text, sample(text)) == 1.0
    assert RelaxedAccuracySwapped().score(text, sample(text)) == 1.0


@settings(max_examples=400, deadline=None)
@given(texts, texts)
def test_swapped_is_relaxed_with_roles_exchanged(answer: str, prediction: str) -> None:
    # Both strip the prediction; swapping roles is exact when the answer is stripped too.
    answer = answer.strip()
    assert RelaxedAccuracySwapped().score(prediction, sample(answer)) == (
        RelaxedAccuracy().score(answer, sample(prediction.strip()))
    )
