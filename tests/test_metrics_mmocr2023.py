"""Golden cases of the 2023 MultimodalOCR rules (``mmocr-2023``, ``mmocr-2023-space``), written
from the rules' prose in ``shared/real/README.md`` §1 (Yuliang-Liu/MultimodalOCR ``eval.py`` at
e22b12b169ad): the VQA rule, the OCR rule and its space variant, the HME rule, and the
``re.UNICODE``-as-count quirk of the period step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmonybench.errors import DataError
from harmonybench.metrics.mmocr2023 import MMOCR2023, MMOCR2023Space, has_word
from harmonybench.registries import get_task
from harmonybench.schema import Sample


def sample(dataset: str, *answers: str, ident: str = "0") -> Sample:
    return Sample(id=ident, task="mmocr-2023", question="q", answers=answers,
                  metadata={"dataset": dataset})


def rule(prediction: str, dataset: str, *answers: str, space: bool = False) -> float:
    protocol = MMOCR2023Space() if space else MMOCR2023()
    return protocol.score(prediction, sample(dataset, *answers))


@pytest.mark.parametrize(("prediction", "answers", "expected"), [
    ("The brand is Dakota Digital.", ("dakota",), 1.0),
    ("concatenate", ("cat",), 0.0),                       # word-bounded, not a substring
    ("I see two cats", ("2",), 1.0),                      # number words become digits
    ("The answer: an apple", ("apple",), 1.0),
    ("no match here", ("nope", "match"), 1.0),            # any of a list
    ("it costs 1,000 dollars", ("1000",), 1.0),          # digit-comma-digit deletes marks
    ("New-York", ("new york",), 1.0),                     # a mark not touching a space: a space
    ("x- y-z", ("y z",), 0.0),                            # one touches a space: all deleted
    ("Version 3.5", ("3.5",), 1.0),                       # a period before a digit stays
    ("hes here", ("he's",), 1.0),                         # contractions restored on both
    ("anything", ("the",), 1.0),                          # GT normalised to "": \b\b matches
    ("", ("the",), 0.0),                                  # ... but not in an empty answer
    ("...", ("the",), 0.0),                               # ... nor one without a word char
])
def test_vqa_rule(prediction: str, answers: tuple[str, ...], expected: float) -> None:
    assert rule(prediction, "textVQA", *answers) == expected
    assert rule(prediction, "FUNSD", *answers) == expected, "KIE sets use the VQA rule"


def test_period_step_removes_at_most_32_periods() -> None:
    # "a.a.…a.b": each period is followed by a letter, so each is deleted, but only the
    # first 32 (re.UNICODE == 32 passed as count); a 33rd stays and breaks the word.
    gt32, gt33 = "a" * 32 + "b", "a" * 33 + "b"
    assert rule("a." * 32 + "b", "docVQA", gt32) == 1.0
    assert rule("a." * 33 + "b", "docVQA", gt33) == 0.0
    assert rule("a." * 32 + "b", "docVQA", "b") == 0.0, "b is glued to the a's"
    assert rule("a." * 33 + "b", "docVQA", "b") == 1.0, "the 33rd period stays: a boundary"


@pytest.mark.parametrize(("prediction", "gt", "default", "space"), [
    ('The image displays the name "Ronaldo" written on a jersey.', "ronaldo", 1.0, 1.0),
    ("DON'T", "dont", 1.0, 0.0),        # deleted: "dont"; spaced: "don t"
    ("e mail", "e-mail", 0.0, 1.0),     # GT "email" vs "e mail"
    ("email", "e-mail", 1.0, 0.0),
    ("café", "caf", 1.0, 1.0),          # "é" is outside [a-zA-Z0-9\s]: deleted, then a boundary
    ("RONALDO7", "ronaldo", 0.0, 0.0),  # no boundary between o and 7
])
def test_ocr_rule_and_its_space_variant(prediction: str, gt: str, default: float,
                                        space: float) -> None:
    assert rule(prediction, "ct80", gt) == default
    assert rule(prediction, "IAM", gt, space=True) == space


def test_space_variant_leaves_vqa_and_hme_alone() -> None:
    for dataset, prediction, gt in (("textVQA", "New-York", "new york"),
                                    ("HME", "$x+1$", "x + 1\n")):
        assert rule(prediction, dataset, gt) == rule(prediction, dataset, gt, space=True) == 1.0


@pytest.mark.parametrize(("prediction", "gt", "expected"), [
    ("It is $\\frac{5}{14}=\\frac{1}{x}$", "\\frac { 5 } { 1 4 } = \\frac { 1 } { x }\n", 1.0),
    ("x + 1", "X + 1", 0.0),            # case-sensitive
    ("a\tb\u2003c", "abc", 1.0),        # every white space, Unicode included, removed
    ("x + 10", "x+1", 1.0),             # plain substring, no boundary
])
def test_hme_rule(prediction: str, gt: str, expected: float) -> None:
    assert rule(prediction, "HME", gt) == expected


def test_has_word_escapes_the_word() -> None:
    assert has_word("costs $5 (approx)", "(approx)") is False  # \b before "(" needs a word char
    assert has_word("a+b=c", "a+b") is True


def test_unknown_dataset_is_one_clear_error() -> None:
    with pytest.raises(DataError, match=r"sample 0, field 'dataset'.*'ReCTS' is not one"):
        rule("x", "ReCTS", "x")


def test_aggregate_per_dataset_in_eval_py_order() -> None:
    samples = [sample("svt", "a", ident="svt/0"), sample("svt", "b", ident="svt/1"),
               sample("textVQA", "c", ident="textVQA/0")]
    protocol = MMOCR2023()
    scores = protocol.score_many(["a", "x", "c"], samples)
    got = protocol.aggregate(scores, samples)
    assert got == {"accuracy": 2 / 3, "textVQA": 1.0, "svt": 0.5,
                   "datasets": {"textVQA": {"correct": 1, "total": 1},
                                "svt": {"correct": 1, "total": 2}}}


def test_task_reads_a_file_and_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "Model"
    folder.mkdir()
    record = {"question": "what is written in the image?", "answer": "A", "gt_answers": "a",
              "image_path": "./data/ct80/timage/001.jpg", "model_name": "M"}
    (folder / "ct80.json").write_text(json.dumps([record, record]))
    (folder / "textVQA.json").write_text(json.dumps([{**record, "gt_answers": ["a", "b"]}]))
    (folder / "result.json").write_text('{"ct80": 1.0}{"ct80": 1.0}')
    task = get_task("mmocr-2023")
    samples = task.load(folder)
    assert [s.id for s in samples] == ["ct80/0", "ct80/1", "textVQA/0"]
    assert samples[2].answers == ("a", "b") and samples[0].metadata == {"dataset": "ct80",
                                                                        "model_name": "M"}
    assert [s.id for s in task.load(folder / "ct80.json")] == ["ct80/0", "ct80/1"]
    (folder / "ReCTS.json").write_text("[]")
    with pytest.raises(DataError, match=r"ReCTS\.json: an answer file is named after"):
        task.load(folder)
