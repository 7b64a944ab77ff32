"""OCRBench v1 (`ocrbench`, `ocrbench-lmms-eval`): the two rules, folding, and the aggregate.

Golden values follow Yuliang-Liu/MultimodalOCR OCRBench/example.py (= OCRBench/scripts/*.py) at
794c36d6423c and lmms-eval lmms_eval/tasks/ocrbench/utils.py, and were checked against them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonybench.errors import DataError
from harmonybench.metrics.ocrbench import (
    CATEGORIES,
    HME_DATASET,
    OCRBenchLmmsEval,
    OCRBenchV1,
    fold_fullwidth,
)
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample

HMER = "Handwritten Mathematical Expression Recognition"


def sample(
    *answers: str, dataset: str | None = "IIIT5K", kind: str | None = "Regular Text Recognition",
    sid: str = "7",
) -> Sample:
    metadata: dict[str, Any] = {}
    if dataset is not None:
        metadata["dataset_name"] = dataset
    if kind is not None:
        metadata["type"] = kind
    return Sample(id=sid, task="ocrbench", question="?", answers=tuple(answers), metadata=metadata)


def hme(*answers: str) -> Sample:
    return sample(*answers, dataset=HME_DATASET, kind=HMER)


def test_registry() -> None:
    protocol = get_protocol("ocrbench")
    assert type(protocol) is OCRBenchV1
    assert (protocol.name, protocol.metric, protocol.tasks) == ("ocrbench", "accuracy",
                                                                ("ocrbench",))
    assert "794c36d6423c" in protocol.reference
    assert OCRBenchLmmsEval.name == "ocrbench-lmms-eval"
    assert OCRBenchLmmsEval.tasks == ("ocrbench",)


def test_category_sizes_sum_to_1000() -> None:
    assert len(CATEGORIES) == 10
    assert sum(size for _, size in CATEGORIES) == 1000
    assert [size for _, size in CATEGORIES] == [50] * 6 + [200, 200, 200, 100]


@pytest.mark.parametrize(
    ("answers", "prediction", "expected"),
    [
        (("CENTRE",), "The word is centre.", 1.0),  # lowercased substring
        (("centre",), "CENTRE", 1.0),
        (("centre",), "cent re", 0.0),
        (("hello world",), "hello\nworld", 1.0),  # "\n" becomes " "
        (("hello\nworld",), "hello world", 1.0),
        (("hello world",), "hello\tworld", 0.0),  # tabs are kept
        (("hello world",), "hello\r\nworld", 0.0),  # "\r" is kept
        (("hello world",), "hello  world", 0.0),  # no whitespace collapse
        (("  centre \n",), "centre", 1.0),  # the answer is stripped
        (("1750kJ", "1750 kJ"), "It has 1750 kJ", 1.0),  # list answers: any one
        (("1750kJ", "1750 kJ"), "1750 k J", 0.0),
        (("abc",), "", 0.0),  # empty prediction
        (("",), "", 1.0),
        (("abc",), "ＡＢＣ", 0.0),  # no fullwidth folding here
        (("a b",), "a\u3000b", 0.0),
    ],
)
def test_golden_text_rule(answers: tuple[str, ...], prediction: str, expected: float) -> None:
    assert OCRBenchV1().score(prediction, sample(*answers)) == expected


@pytest.mark.parametrize(
    ("answers", "prediction", "expected"),
    [
        (("\\frac { 1 } { 2 }",), "$\\frac{1}{2}$", 1.0),  # all spaces removed, both sides
        (("x + y",), "x+y", 1.0),
        (("x + Y",), "x+y", 0.0),  # case-sensitive
        (("x + y",), "X+Y", 0.0),
        (("\\frac { 1 } { 2 }",), "\\frac{1}\n{2}", 1.0),  # newlines go too
        (("a b",), "a\tb", 0.0),  # tabs stay
        (("a b",), "a\u3000b", 0.0),
        (("x",), "ｘ", 0.0),  # no folding in the HME branch
        (("x^2", "x ^ { 2 }"), "x^{2}", 1.0),
    ],
)
def test_golden_hme_rule(answers: tuple[str, ...], prediction: str, expected: float) -> None:
    assert OCRBenchV1().score(prediction, hme(*answers)) == expected
    assert OCRBenchLmmsEval().score(prediction, hme(*answers)) == expected


def test_hme_rule_is_chosen_by_dataset_name_not_type() -> None:
    by_type_only = sample("x + Y", dataset="CROHME", kind=HMER)
    assert OCRBenchV1().score("X + y", by_type_only) == 1.0  # text rule: lowercased
    by_dataset = sample("x + Y", dataset=HME_DATASET, kind="Other")
    assert OCRBenchV1().score("X + y", by_dataset) == 0.0
    assert OCRBenchV1().score("x+Y", by_dataset) == 1.0
    # The text rule on HME-style spacing fails where the HME rule succeeds.
    assert OCRBenchV1().score("x+y", sample("x + y")) == 0.0


@pytest.mark.parametrize(
    ("answer", "prediction", "official", "lmms"),
    [
        ("abc", "ＡＢＣ", 0.0, 1.0),  # fullwidth letters fold to ASCII
        ("ＡＢＣ", "abc", 0.0, 1.0),
        ("a b", "a\u3000b", 0.0, 1.0),  # ideographic space folds to " "
        ("100!", "１００！", 0.0, 1.0),
        ("ｶ", "ｶ", 1.0, 1.0),  # halfwidth katakana is not in the fold range
        ("1", "①", 0.0, 0.0),  # no NFKC
    ],
)
def test_fullwidth(answer: str, prediction: str, official: float, lmms: float) -> None:
    assert OCRBenchV1().score(prediction, sample(answer)) == official
    assert OCRBenchLmmsEval().score(prediction, sample(answer)) == lmms


def test_fold_fullwidth() -> None:
    assert fold_fullwidth("ＡＢＣ\u3000１２～！") == "ABC 12~!"
    assert fold_fullwidth("abc①ｶ") == "abc①ｶ"


def test_missing_dataset_name_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"sample 7.*dataset_name"):
        OCRBenchV1().score("x", sample("x", dataset=None))
    with pytest.raises(DataError, match="answers"):
        OCRBenchV1().score("x", sample())


class TestAggregate:
    def full_benchmark(self) -> tuple[list[float], list[Sample]]:
        """1000 samples in the ten categories; in category k, the first k*3 are correct."""
        scores: list[float] = []
        samples: list[Sample] = []
        for k, (name, size) in enumerate(CATEGORIES):
            dataset = HME_DATASET if name == HMER else "src"
            for i in range(size):
                samples.append(sample("a", dataset=dataset, kind=name, sid=f"{k}-{i}"))
                scores.append(1.0 if i < k * 3 else 0.0)
        return scores, samples

    def test_full_benchmark_totals(self) -> None:
        scores, samples = self.full_benchmark()
        result = OCRBenchV1().aggregate(scores, samples)
        correct = sum(k * 3 for k in range(10))
        assert result["score"] == correct == 135
        assert isinstance(result["score"], int)
        assert result["accuracy"] == correct / 1000
        assert list(result["categories"]) == [name for name, _ in CATEGORIES]
        for k, (name, size) in enumerate(CATEGORIES):
            assert result["categories"][name] == {"correct": k * 3, "total": size}

    def test_order_and_unknown_types(self) -> None:
        samples = [
            sample("a", kind="Zeta"),
            sample("a", kind="Doc-oriented VQA"),
            sample("a", kind="Alpha"),
            sample("a", kind="Regular Text Recognition"),
        ]
        result = OCRBenchV1().aggregate([1.0, 0.0, 1.0, 1.0], samples)
        assert list(result["categories"]) == [
            "Regular Text Recognition", "Doc-oriented VQA", "Alpha", "Zeta"
        ]
        assert result["categories"]["Alpha"] == {"correct": 1, "total": 1}
        assert result["score"] == 3 and result["accuracy"] == 0.75

    def test_empty(self) -> None:
        assert OCRBenchV1().aggregate([], []) == {"accuracy": 0.0, "score": 0, "categories": {},
                                                 "groups": {}}

    def test_errors(self) -> None:
        with pytest.raises(DataError, match="type"):
            OCRBenchV1().aggregate([1.0], [sample("a", kind=None)])
        with pytest.raises(ValueError, match="differ in length"):
            OCRBenchV1().aggregate([1.0, 0.0], [sample("a")])

    def test_lmms_eval_variant_aggregates_the_same(self) -> None:
        scores, samples = self.full_benchmark()
        assert OCRBenchLmmsEval().aggregate(scores, samples) == OCRBenchV1().aggregate(
            scores, samples
        )


texts = st.text(max_size=10) | st.text(alphabet="aAＡａ \n\t\u3000xX+{}", max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, min_size=1, max_size=3), texts, st.sampled_from([HME_DATASET, "IIIT5K"]))
def test_binary_and_folding_only_adds_matches(
    answers: list[str], prediction: str, dataset: str
) -> None:
    s = sample(*answers, dataset=dataset)
    official = OCRBenchV1().score(prediction, s)
    lmms = OCRBenchLmmsEval().score(prediction, s)
    assert official in (0.0, 1.0) and lmms in (0.0, 1.0)
    assert lmms >= official


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcXYZ01 +{}\\^", max_size=10), st.text(max_size=5),
       st.text(max_size=5))
def test_an_answer_inside_the_prediction_scores(answer: str, before: str, after: str) -> None:
    prediction = f"{before} {answer} {after}"
    assert OCRBenchV1().score(prediction, sample(answer)) == 1.0
    assert OCRBenchV1().score(prediction, hme(answer)) == 1.0
