"""The table-QA rules of the DocOwl 1.5 evaluation: WikiTableQuestions denotation accuracy and
TabFact exact accuracy.

Reference: X-PLUG/mPLUG-DocOwl at f91a76859babfdebe7420db6133b66f06f65efc2,
``DocOwl1.5/docowl_benchmark_evaluate.py``, which routes

- ``WikiTableQuestions`` to ``evaluation/due_benchmarks_eval.py`` ``llm_duebenchmark_eval``:
  the prediction is ``str(model_answer).strip().replace('\\n', '')``, scored by the DUE
  evaluator with ``ignore_case=True`` and metric ``WTQ``
  (``evaluation/due_evaluator/scorers/wtq_scorer.py``, "based on the official implementation"
  of ppasupat/WikiTableQuestions ``evaluator.py``);
- ``TabFact`` to ``evaluation/benchmarks_eval.py`` ``llm_benchmark_eval`` with
  ``ExactAccuracy`` (``evaluation/evaluator.py``: ``exact_match``, case sensitive).

Both report the mean of per-question 0/1 scores (the scripts print it times 100; harmonybench
keeps the fraction, shown as a percentage).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

_QUOTES = re.compile(r"[‘’´`]")
_DOUBLE_QUOTES = re.compile(r"[“”]")
_DASHES = re.compile(r"[‐‑‒–—−]")
_CITATIONS = re.compile(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$")
_PARENTHESES = re.compile(r"(?<!^)( \([^)]*\))*$")
_OUTER_QUOTES = re.compile(r'^"([^"]*)"$')
_SPACES = re.compile(r"\s+")


def wtq_normalize(text: str) -> str:
    """The WTQ evaluator's string normalisation, in its order.

    1. NFKD, dropping combining marks (diacritics);
    2. curly and back quotes to ``'``, curly double quotes to ``"``, the Unicode dashes to
       ``-``;
    3. until nothing changes: strip, drop trailing citations (``[1]``, ``*``, ``†``...),
       strip, drop trailing parenthesised details (`` (...)``), strip, drop one pair of
       outer double quotes;
    4. drop one final ``.``;
    5. collapse whitespace, lowercase, strip.
    """
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if unicodedata.category(c) != "Mn")
    text = _DASHES.sub("-", _DOUBLE_QUOTES.sub('"', _QUOTES.sub("'", text)))
    while True:
        before = text
        text = _CITATIONS.sub("", text.strip())
        text = _PARENTHESES.sub("", text.strip())
        text = _OUTER_QUOTES.sub(r"\1", text.strip())
        if text == before:
            break
    if text.endswith("."):
        text = text[:-1]
    return _SPACES.sub(" ", text).lower().strip()


def _number(text: str) -> int | float | None:
    """``int(text)``, else a finite ``float(text)``, else ``None`` (Python's own parsers, so
    ``" 12 "``, ``"1_000"`` and ``"1e3"`` are numbers, as in the reference)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        amount = float(text)
    except ValueError:
        return None
    return None if math.isnan(amount) or math.isinf(amount) else amount


def _date(text: str) -> tuple[int, int, int] | None:
    """``yyyy-mm-dd`` with ``xx``/``xxxx`` placeholders (-1), else ``None``."""
    parts = text.lower().split("-")
    if len(parts) != 3:
        return None
    try:
        year = -1 if parts[0] in ("xx", "xxxx") else int(parts[0])
        month = -1 if parts[1] == "xx" else int(parts[1])
        day = -1 if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
    if year == month == day == -1 or not (month == -1 or 1 <= month <= 12) \
            or not (day == -1 or 1 <= day <= 31):
        return None
    return (year, month, day)


@dataclass(frozen=True)
class WtqValue:
    """A WTQ value: ``kind`` ``number`` (``amount``), ``date`` (``ymd``) or ``string``, with
    the normalised original string. Equality (for the set of values) is by amount, date or
    normalised string within a kind, as the reference's ``__eq__``."""

    kind: str
    normalized: str
    amount: float = 0.0
    ymd: tuple[int, int, int] = (0, 0, 0)

    @property
    def identity(self) -> tuple[str, object]:
        """What two equal values share."""
        if self.kind == "number":
            return (self.kind, self.amount)
        if self.kind == "date":
            return (self.kind, self.ymd)
        return (self.kind, self.normalized)

    def matches(self, other: WtqValue) -> bool:
        """The reference's ``match``: the same normalised string, or (numbers) amounts within
        1e-6, or (dates) the same year, month and day."""
        if self.normalized == other.normalized:
            return True
        if self.kind == "number" and other.kind == "number":
            return abs(self.amount - other.amount) < 1e-6
        return self.kind == "date" and other.kind == "date" and self.ymd == other.ymd


def wtq_value(text: str) -> WtqValue:
    """The reference's ``to_value``: a number, else a date (a year alone is a number), else a
    string; every kind keeps :func:`wtq_normalize` of the text."""
    normalized = wtq_normalize(text)
    amount = _number(text)
    if amount is not None:
        rounded = round(amount)
        return WtqValue("number", normalized, float(rounded if abs(amount - rounded) < 1e-6
                                                   else amount))
    ymd = _date(text)
    if ymd is not None:
        if ymd[1] == ymd[2] == -1:
            return WtqValue("number", normalized, float(ymd[0]))
        return WtqValue("date", normalized, ymd=ymd)
    return WtqValue("string", normalized)


def _value_set(texts: list[str]) -> list[WtqValue]:
    seen: dict[tuple[str, object], WtqValue] = {}
    for text in texts:
        value = wtq_value(text)
        seen.setdefault(value.identity, value)
    return list(seen.values())


def wtq_correct(predicted: list[str], targets: list[str]) -> bool:
    """The reference's ``check_denotation``: as many distinct values on both sides, and every
    target matched by some predicted value."""
    target_values, predicted_values = _value_set(targets), _value_set(predicted)
    if len(target_values) != len(predicted_values):
        return False
    return all(any(t.matches(p) for p in predicted_values) for t in target_values)


class WTQAccuracy(Protocol):
    """WikiTableQuestions denotation accuracy as the DocOwl 1.5 evaluation computes it
    (default for ``wtq``).

    Reference: ``DocOwl1.5/evaluation/due_evaluator/scorers/wtq_scorer.py`` and
    ``due_benchmarks_eval.py`` at f91a76859bab (see the module docstring). The prediction is
    stripped and its newlines removed; it is one value (DocOwl never splits an answer into
    several). The sample's answers are the target values: all of them must be matched.

    Quirks kept: the DUE evaluator's ``ignore_case=True`` **uppercases** both sides before the
    WTQ normalisation lowercases them, so ``"ß"`` becomes ``"ss"`` and ``"ﬁ"`` ``"fi"``; a
    target list of several values can never be matched by the single predicted value; numbers
    use Python's ``int``/``float`` parsers (``"1e3"`` equals ``"1000"``).
    """

    name: ClassVar[str] = "wtq"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "X-PLUG/mPLUG-DocOwl DocOwl1.5/evaluation/due_evaluator/scorers/wtq_scorer.py "
        "@f91a76859bab (DUE WtqScorer, ignore_case=True)"
    )
    summary: ClassVar[str] = "WikiTableQuestions denotation accuracy (DocOwl 1.5 / DUE WTQ)"

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the predicted value matches the target values, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        predicted = prediction.strip().replace("\n", "").upper()
        return float(wtq_correct([predicted], [a.upper() for a in answers]))


class ExactDocOwl(Protocol):
    """DocOwl 1.5's ``ExactAccuracy``: case-sensitive equality (default for ``tabfact``).

    Reference: ``DocOwl1.5/evaluation/benchmarks_eval.py`` ``llm_benchmark_eval`` and
    ``evaluation/evaluator.py`` ``exact_match`` at f91a76859bab: the prediction and the
    answer have their newlines removed and are stripped, the answer loses one trailing
    ``.``, and the score is ``float(answer == prediction)``, best over the answers. Nothing
    else is normalised: ``"true"`` does not match ``"True"``, and ``"True."`` does not match.
    """

    name: ClassVar[str] = "exact-docowl"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "X-PLUG/mPLUG-DocOwl DocOwl1.5/evaluation/evaluator.py @f91a76859bab "
        "doc_evaluate('ExactAccuracy') via benchmarks_eval.llm_benchmark_eval"
    )
    summary: ClassVar[str] = "Case-sensitive exact match (DocOwl 1.5 ExactAccuracy)"

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the cleaned prediction equals some cleaned answer, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        pred = prediction.replace("\n", "").strip()
        targets = [a.replace("\n", "").strip() for a in answers]
        return float(any((t[:-1] if t.endswith(".") else t) == pred for t in targets))
