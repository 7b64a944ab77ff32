"""WTQ, TabFact (DocOwl 1.5's DocDownstream format and rules) and TextMonkey's KIE sets.

Golden cases for ``wtq`` follow X-PLUG/mPLUG-DocOwl ``DocOwl1.5/evaluation/due_evaluator/
scorers/wtq_scorer.py`` (f91a76859bab) step by step, with DUE's ``ignore_case=True``
uppercasing; ``exact-docowl`` follows ``evaluation/evaluator.py`` ``exact_match`` as
``benchmarks_eval.llm_benchmark_eval`` calls it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmonybench.errors import DataError
from harmonybench.metrics.table_qa import ExactDocOwl, WTQAccuracy, wtq_normalize
from harmonybench.registries import get_task
from harmonybench.schema import Sample


def _sample(*answers: str) -> Sample:
    return Sample(id="0", task="wtq", question="q", answers=answers)


@pytest.mark.parametrize(("prediction", "answers", "expected"), [
    ("Paris", ("paris",), 1.0),                  # case
    ("Paris.", ("Paris",), 1.0),                 # one final period
    ("Paris (France)", ("Paris",), 1.0),         # trailing parenthesised details
    ('"Hello"', ("hello",), 1.0),                # outer quotes
    ("Café", ("cafe",), 1.0),                    # diacritics
    ("Team[1]", ("team",), 1.0),                 # citation marks
    ("1e3", ("1000",), 1.0),                     # numbers compare by amount
    ("2.0", ("2",), 1.0),
    ("1,000", ("1000",), 0.0),                   # not a number for Python's parsers
    ("2001-xx-xx", ("2001",), 1.0),              # a year alone is a number
    ("2001-05-xx", ("2001-5-xx",), 1.0),         # dates compare by year, month, day
    ("a, b", ("a", "b"), 0.0),                   # one predicted value, two targets
    ("a", ("a", "A"), 1.0),                      # targets are a set after uppercasing
    ("ß", ("ss",), 1.0),                         # quirk: DUE uppercases first (ß -> SS)
    ("nan", ("nan",), 1.0),                      # nan is no number: compared as strings
    ("12\n", ("12",), 1.0),                      # stripped
    ("", ("x",), 0.0),
    ("–5", ("-5",), 1.0),                        # dash normalised: equal normalised strings
])
def test_wtq_golden(prediction: str, answers: tuple[str, ...], expected: float) -> None:
    assert WTQAccuracy().score(prediction, _sample(*answers)) == expected


def test_wtq_normalize_loops_until_stable() -> None:
    assert wtq_normalize('"Gold (2) [a]"') == "gold"
    assert wtq_normalize("  New   York ") == "new york"


@pytest.mark.parametrize(("prediction", "answer", "expected"), [
    ("True", "True", 1.0),
    ("true", "True", 0.0),        # case sensitive
    ("True", "True.", 1.0),       # the answer loses one trailing period
    ("True.", "True", 0.0),       # the prediction does not
    (" True\n", "True", 1.0),     # newlines removed, stripped
    ("Tr\nue", "True", 1.0),      # newlines removed anywhere
])
def test_exact_docowl_golden(prediction: str, answer: str, expected: float) -> None:
    assert ExactDocOwl().score(prediction, _sample(answer)) == expected


def _docdownstream(root: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    (root / "test").mkdir(parents=True)
    lines = [{"image": [f"imgs/{name}/t{i}.png"], "task_name": f"{name}_test",
              "messages": [{"role": "user", "content": f"<|image|>{q}"},
                           {"role": "assistant", "content": a}]}
             for i, (q, a) in enumerate(rows)]
    path = root / "test" / f"{name}_test.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_docdownstream_loads_with_images_under_the_root(tmp_path: Path) -> None:
    path = _docdownstream(tmp_path, "WikiTableQuestions", [("Which year?", "2001"),
                                                           ("Who won?", "Ann")])
    samples = get_task("wtq").load(path)
    assert [s.id for s in samples] == ["0", "1"]
    assert samples[0].question == "Which year?" and samples[0].answers == ("2001",)
    assert samples[1].images[0].path == str(tmp_path / "imgs/WikiTableQuestions/t1.png")
    assert samples[0].metadata["task_name"] == "WikiTableQuestions_test"
    request = get_task("wtq").request(samples[0])
    assert request.prompt == "Which year?" and request.generation["max_new_tokens"] == 512


def test_docdownstream_bad_message(tmp_path: Path) -> None:
    path = _docdownstream(tmp_path, "TabFact", [("statement", "True")])
    line = json.loads(path.read_text())
    line["messages"] = line["messages"][:1]
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(DataError) as err:
        get_task("tabfact").load(path)
    assert err.value.field == "messages" and "line 1" in str(err.value)


def test_docdownstream_is_not_parquet(tmp_path: Path) -> None:
    (tmp_path / "test-00000-of-00001.parquet").write_bytes(b"")
    with pytest.raises(DataError, match="JSONL"):
        get_task("tabfact").load(tmp_path)


@pytest.mark.parametrize("task", ["funsd", "sroie", "poie"])
def test_kie_reads_textmonkey_jsonl(tmp_path: Path, task: str) -> None:
    lines = [{"image": "data/x/0.jpg", "question": 'what is "DATE" information in the image?',
              "answer": "12/03/1998", "question_id": 0},
             {"image": "data/x/1.jpg", "question": "what is the total?",
              "answer": ["9.90", "RM9.90"], "question_id": 1}]
    path = tmp_path / f"{task}_test.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    kie = get_task(task)
    samples = kie.load(path)
    assert samples[1].answers == ("9.90", "RM9.90")
    assert kie.default_protocol == "contains"
    request = kie.request(samples[0], "textmonkey")
    assert request.prompt == ' what is "DATE" information in the image? Answer:'
    assert request.generation["max_new_tokens"] == 100
