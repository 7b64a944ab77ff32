"""Substring accuracy (`contains`, `contains-monkey`): golden cases and properties.

Golden values follow TextMonkey's eval/evaluate_vqa_doc.py and Monkey's eval/evaluate_vqa.py
(both Yuliang-Liu/Monkey at 498e1d92baff; TextHarmony's evaluate_utils.py is Monkey's copy) and
were checked against those functions.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.contains import Contains, ContainsMonkey, strip_grounding
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample


def sample(*answers: str) -> Sample:
    return Sample(id="s1", task="docvqa", question="?", answers=tuple(answers))


def test_registry() -> None:
    for name, cls in (("contains", Contains), ("contains-monkey", ContainsMonkey)):
        protocol = get_protocol(name)
        assert type(protocol) is cls
        assert (protocol.name, protocol.metric, protocol.tasks) == (name, "accuracy", ())
        assert "498e1d92baff" in protocol.reference


@pytest.mark.parametrize(
    ("answers", "prediction", "contains", "monkey"),
    [
        (("Paris",), "It is PARIS.", 1.0, 1.0),  # case-insensitive substring
        (("3.5",), "3.5", 1.0, 0.0),  # periods removed from the prediction only
        (("3.5",), "the answer is 3.5", 1.0, 0.0),
        (("U.S.",), "u.s.", 1.0, 0.0),
        (("35",), "3.5", 0.0, 1.0),  # ... which can create matches
        (("dst",), "end.Start", 0.0, 1.0),
        (("paris",), "Paris.", 1.0, 1.0),
        ((" paris ",), "paris", 1.0, 1.0),  # the answer is stripped
        (("",), "anything", 1.0, 1.0),  # an empty answer is always contained
        (("",), "", 1.0, 1.0),
        (("   ",), "", 1.0, 1.0),
        (("a",), "", 0.0, 0.0),
        (("new york",), "new  york", 0.0, 0.0),  # no whitespace collapse
        (("x", "york"), "new york", 1.0, 1.0),  # any answer
        (("10",), "<box>(10,20),(30,40)</box> Paris", 0.0, 1.0),  # box spans removed
        (("paris",), "<box>(10,20),(30,40)</box> Paris", 1.0, 1.0),
        (("7",), "<point>(7,8)</point>Rome", 0.0, 1.0),
        (("<box>",), "<BOX>1</BOX>", 1.0, 1.0),  # tags are case-sensitive, before lower()
        (("3</box>",), "x <box>1,2\n3</box>", 1.0, 1.0),  # a span never crosses a newline
        (("<box>",), "<box>unclosed", 1.0, 1.0),
    ],
)
def test_golden(answers: tuple[str, ...], prediction: str, contains: float, monkey: float) -> None:
    assert Contains().score(prediction, sample(*answers)) == contains
    assert ContainsMonkey().score(prediction, sample(*answers)) == monkey


def test_grounding_spans_removed_one_found_span_at_a_time() -> None:
    # TextMonkey finds the spans first, then deletes each found span's text everywhere.
    # Deleting "<point>a</point>" breaks the second span, whose remains stay:
    text = "<point>a</point> <point>c<point>a</point>"
    assert strip_grounding(text) == " <point>c"
    assert Contains().score(text, sample("<point>c")) == 1.0
    # Points go first, then boxes are looked for in what is left.
    assert strip_grounding("<box>1<point>2</point></box>x") == "x"
    assert strip_grounding("a<box>1</box>b<box>1</box>c<point>p</point>") == "abc"


@pytest.mark.parametrize("cls", [Contains, ContainsMonkey])
def test_no_answers(cls: type[Contains]) -> None:
    with pytest.raises(DataError, match="sample s1"):
        cls().score("x", sample())


# ASCII without "<" and "." keeps lower() context-free and tag-free.
plain = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126,
                                       exclude_characters="<."), max_size=12)
anything = st.text(max_size=12) | st.text(alphabet="<>/boxpint.aA \n", max_size=16)


@settings(max_examples=400, deadline=None)
@given(st.lists(anything, min_size=1, max_size=3), anything)
def test_scores_are_binary(answers: list[str], prediction: str) -> None:
    for protocol in (Contains(), ContainsMonkey()):
        assert protocol.score(prediction, sample(*answers)) in (0.0, 1.0)


@settings(max_examples=400, deadline=None)
@given(plain, plain, plain, plain)
def test_containment_is_monotonic_in_the_prediction(
    answer: str, prediction: str, before: str, after: str
) -> None:
    for protocol in (Contains(), ContainsMonkey()):
        if protocol.score(prediction, sample(answer)) == 1.0:
            assert protocol.score(before + prediction + after, sample(answer)) == 1.0


@settings(max_examples=400, deadline=None)
@given(st.lists(anything, min_size=1, max_size=3), anything, anything)
def test_more_answers_never_lower_the_score(
    answers: list[str], prediction: str, extra: str
) -> None:
    for protocol in (Contains(), ContainsMonkey()):
        before = protocol.score(prediction, sample(*answers))
        assert protocol.score(prediction, sample(*answers, extra)) >= before


@settings(max_examples=400, deadline=None)
@given(plain, st.text(alphabet="0123456789.abc ", max_size=8))
def test_monkey_finds_itself_iff_no_period(prefix: str, text: str) -> None:
    expected = 0.0 if "." in text.strip() else 1.0
    assert ContainsMonkey().score(prefix + text, sample(text)) == expected
    assert Contains().score(prefix + text, sample(text)) == 1.0
