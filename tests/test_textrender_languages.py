"""AnyText lines scored in their language (issue 12, deliverable 5).

Golden values come from reading tyxsspa/AnyText ``eval/eval_dgocr.py`` (3d4a260c67d9): NED is
``1 - Lev(pred_ids, gt_ids) / (max(len) + 1e-5)`` over ids of ``['sos'] + dictionary + [' ']``
(``cldm/recognizer.py`` ``get_char_dict``), unknown characters taking the last id, with
``ppocr_keys_v1.txt`` for wukong_word. The reference is re-implemented here on ids, from the
shipped dictionary file, and compared with the protocol's character-level computation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagedata import write_anytext

from harmonybench.errors import DataError
from harmonybench.metrics.textrender import PRINTABLE_ASCII, AnyTextOCR, TextHarmonyOCR
from harmonybench.metrics.textrender_chars import chinese_dictionary, is_han, line_language
from harmonybench.registries import get_task
from harmonybench.schema import Record, Sample
from harmonybench.summary import summarize_task
from harmonybench.targets import TargetLine, target_lines

EPS = 1e-5
KEYS = resources.files("harmonybench.metrics").joinpath("data", "ppocr_keys_v1.txt")


def reference_ned(pred: str, gt: str) -> float:
    """eval_dgocr.py's NED over ids of the shipped ``ppocr_keys_v1.txt``."""
    entries = KEYS.read_bytes().decode("utf-8").split("\n")
    chars = ["sos", *entries, " "]
    char2id = {c: i for i, c in enumerate(chars)}
    a = [char2id.get(c, len(chars) - 1) for c in pred]
    b = [char2id.get(c, len(chars) - 1) for c in gt]
    return 1 - lev(a, b) / (max(len(a), len(b)) + EPS)


def lev(a: Sequence[Any], b: Sequence[Any]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def line(text: str, language: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text, "polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]}
    if language is not None:
        out["language"] = language
    return out


def zh_sample(*texts: str, sid: str = "0") -> Sample:
    return Sample(id=sid, task="anytext-t2i", question="c",
                  target={"lines": [line(t, "Chinese") for t in texts]})


def reading(*images: Sequence[str], reader: str = "test") -> dict[str, Any]:
    return {"reader": reader, "images": [{"lines": list(lines)} for lines in images]}


def test_the_shipped_dictionary_is_paddleocrs_file() -> None:
    data = KEYS.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert blob == "84b885d8352226e49b1d5d791b8f43a663e246aa"  # git hash-object, README
    dictionary = chinese_dictionary()
    assert len(dictionary) == 6623 + 1  # the entries and the appended space
    assert dictionary >= PRINTABLE_ASCII
    assert "欢" in dictionary and "龘" not in dictionary


def test_a_wrong_chinese_render_scores_ned_zero_as_the_reference() -> None:
    sample = zh_sample("欢迎光临")
    values = AnyTextOCR().evaluate(reading(["谢谢惠顾"]), sample)
    assert values["ned"] == pytest.approx(reference_ned("谢谢惠顾", "欢迎光临"), abs=1e-15)
    assert values["ned"] == pytest.approx(0.0, abs=1e-5) and values["sen_acc"] == 0.0
    # what the English dictionary made of it: every Han character a space, "equal" strings
    english = AnyTextOCR(dictionary=PRINTABLE_ASCII).evaluate(reading(["谢谢惠顾"]), sample)
    assert english["ned"] == 1.0


def test_a_right_chinese_render_scores_one() -> None:
    values = AnyTextOCR().evaluate(reading(["欢迎光临"], ["欢迎光临"]), zh_sample("欢迎光临"))
    assert values["ned"] == 1.0 and values["sen_acc"] == 1.0
    assert values["lines_zh"] == 2.0 and values["lines_en"] == 0.0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="欢迎光临龘é aA1", max_size=8),
       st.text(alphabet="欢迎光临靐é aA1x", max_size=8))
def test_chinese_ned_over_characters_equals_ned_over_ids(gt: str, pred: str) -> None:
    got = AnyTextOCR().evaluate(reading([pred]), zh_sample(gt))["ned"]
    assert got == pytest.approx(reference_ned(pred, gt), abs=1e-15)


def test_languages_come_from_the_annotation_else_the_text() -> None:
    poly = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))
    assert line_language(TargetLine("OPEN", poly, "Latin")) == "en"
    assert line_language(TargetLine("2024", poly, "Chinese")) == "zh"
    assert line_language(TargetLine("2024年", poly)) == "zh"
    assert line_language(TargetLine("OPEN", poly)) == "en"
    assert line_language(TargetLine("营业中", poly, "Others")) == "zh"  # unknown: by text
    assert is_han("〇") and is_han("𣇉") and not is_han("A") and not is_han("한")


def test_a_line_language_that_is_not_a_string_is_a_data_error() -> None:
    sample = Sample(id="s", task="anytext-t2i", question="c",
                    target={"lines": [line("OPEN", language=None) | {"language": 3}]})
    with pytest.raises(DataError) as info:
        target_lines(sample)
    assert info.value.field == "target.lines[0].language"


MIXED = [
    {"annotations": [line("OPEN", "Latin"), line("欢迎光临", "Chinese")]},
    {"annotations": [line("营业中")]},  # no language: Chinese by its text
]


def mixed_samples(tmp_path: Path) -> list[Sample]:
    task = get_task("anytext-t2i")
    return task.load(write_anytext(tmp_path, MIXED, images=False))


def mixed_answers(reader: str = "test") -> list[dict[str, Any]]:
    return [reading(["OPEN", "谢谢惠顾"], ["0PEN", "欢迎光临"], reader=reader),
            reading(["营业中"], ["营业"], reader=reader)]


def test_a_mixed_file_is_split_by_language(tmp_path: Path) -> None:
    samples = mixed_samples(tmp_path)
    protocol = AnyTextOCR()
    reduced = protocol.reduce(protocol.evaluate_many(mixed_answers(), samples), samples)
    en = [(1.0, 1.0), (0.0, reference_ned("0PEN", "OPEN"))]
    zh = [(0.0, reference_ned("谢谢惠顾", "欢迎光临")), (1.0, 1.0), (1.0, 1.0),
          (0.0, reference_ned("营业", "营业中"))]
    assert reduced["lines_en"] == 2 and reduced["lines_zh"] == 4 and reduced["lines"] == 6
    assert reduced["sen_acc_en"] == 0.5 and reduced["sen_acc_zh"] == 0.5
    assert reduced["ned_en"] == pytest.approx(sum(n for _, n in en) / 2, abs=1e-12)
    assert reduced["ned_zh"] == pytest.approx(sum(n for _, n in zh) / 4, abs=1e-12)
    assert reduced["sen_acc"] == pytest.approx(3 / 6)
    assert reduced["ned"] == pytest.approx(sum(n for _, n in en + zh) / 6, abs=1e-12)


def test_textharmony_scores_latin_lines_only(tmp_path: Path) -> None:
    samples = mixed_samples(tmp_path)
    protocol = TextHarmonyOCR()
    values = protocol.evaluate_many(mixed_answers(), samples)
    # the Chinese-only prompt has no scored line: it adds nothing, its own value is 0.0
    assert values[1]["lines"] == 0.0 and values[1]["ned"] == 0.0
    reduced = protocol.reduce(values, samples)
    assert reduced["lines"] == 2 and reduced["lines_skipped"] == 4
    # "0pen" vs "open": one edit of four; the Chinese lines (NED 1.0 once normalised to
    # nothing) are not averaged in
    assert reduced["ned"] == pytest.approx((1.0 + 1 - 1 / (4 + EPS)) / 2, abs=1e-12)


def test_scores_json_carries_the_per_language_numbers(tmp_path: Path) -> None:
    samples = mixed_samples(tmp_path)
    task = get_task("anytext-t2i")
    identity = task.answer_reader()  # a journaled reading of the task's reader is reused
    assert identity is not None
    records = [Record(run_id="r", task=task.name, sample_id=s.id, request_hash="h",
                      template_id="t", template_hash="h", answer=a)
               for s, a in zip(samples, mixed_answers(identity), strict=True)]
    entry = summarize_task(task, samples, records, [AnyTextOCR(), TextHarmonyOCR()])
    anytext = entry["protocols"]["anytext"]
    assert {"sen_acc_en", "ned_en", "lines_en", "sen_acc_zh", "ned_zh", "lines_zh"} <= set(
        anytext)
    assert anytext["reader"] == identity and anytext["ned_zh"] < anytext["ned_en"]
    declared = entry["metrics_info"]["anytext"]
    assert declared["ned_zh"]["unit"] == "fraction" and declared["lines_zh"]["statistic"]
    assert entry["protocols"]["textharmony"]["lines_skipped"] == 4
