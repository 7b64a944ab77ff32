"""Exact match (`exact`): harmonybench's documented normalisation for OCR-VQA."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.exact import ExactMatch, normalise
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample


def sample(*answers: str) -> Sample:
    return Sample(id="o1", task="ocrvqa", question="?", answers=tuple(answers))


def test_registry() -> None:
    protocol = get_protocol("exact")
    assert type(protocol) is ExactMatch
    assert (protocol.name, protocol.metric, protocol.tasks) == ("exact", "accuracy", ())
    assert "546ab517b6aa" in protocol.reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Hobbit.", "the hobbit"),
        ("  the\thobbit \n", "the hobbit"),
        ("Jr.", "jr"),
        ("Yes .", "yes"),  # the period and the space before it
        ("...", ".."),  # one period only
        ("3.5", "3.5"),
        (".", ""),
        ("", ""),
        ("Yes!", "yes!"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("answers", "prediction", "expected"),
    [
        (("The Hobbit",), "the  hobbit.", 1.0),
        (("Martin Luther King Jr.",), "martin luther king jr", 1.0),
        (("Yes",), "Yes.", 1.0),  # VLMEvalKit scores this 0 (issue #842)
        (("Yes",), "yes!", 0.0),
        (("3.5",), "35", 0.0),
        (("3.5",), "3.5", 1.0),
        (("The Hobbit",), "The Hobbit by J. R. R. Tolkien", 0.0),  # no substring credit
        (("Travel", "Reference"), "reference", 1.0),  # any answer
        (("...",), "...", 1.0),
        (("..",), "...", 0.0),
        (("abc",), "", 0.0),
        (("",), "", 1.0),
        ((".",), "", 1.0),
    ],
)
def test_golden(answers: tuple[str, ...], prediction: str, expected: float) -> None:
    assert ExactMatch().score(prediction, sample(*answers)) == expected


def test_no_answers() -> None:
    with pytest.raises(DataError, match="sample o1"):
        ExactMatch().score("x", sample())


texts = st.text(max_size=12) | st.text(alphabet="aB .\t\nß", max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts, texts)
def test_symmetric_and_binary(a: str, b: str) -> None:
    value = ExactMatch().score(a, sample(b))
    assert value in (0.0, 1.0)
    assert value == ExactMatch().score(b, sample(a))


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["", " ", "\n", "  \t"]), st.sampled_from(["", " ", "\n"]))
def test_identity_and_surrounding_whitespace(text: str, before: str, after: str) -> None:
    assert ExactMatch().score(before + text + after, sample(text)) == 1.0


@settings(max_examples=400, deadline=None)
@given(texts)
def test_one_trailing_period_is_forgiven(text: str) -> None:
    assume(not " ".join(text.lower().split()).endswith("."))
    assert ExactMatch().score(text + ".", sample(text)) == 1.0
