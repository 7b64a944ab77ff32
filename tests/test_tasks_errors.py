"""Bad input gives one DataError naming the file, the record and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import taskdata as td

from harmonybench.errors import DataError
from harmonybench.registries import get_task
from harmonybench.tasks.ocrvqa import OCRVQA


def raises(
    call: Callable[[], Any],
    path: Path | str,
    record: str | None,
    field: str | None,
    match: str,
) -> DataError:
    """Run ``call`` and check the DataError it raises."""
    with pytest.raises(DataError, match=match) as info:
        call()
    err = info.value
    assert err.path == str(path)
    assert err.record == record
    assert err.field == field
    # the message names all three
    assert str(path) in str(err)
    if record is not None:
        assert record in str(err)
    if field is not None:
        assert repr(field) in str(err)
    return err


def loader(task: str, path: Path | str, images: Path | None = None) -> Callable[[], Any]:
    return lambda: get_task(task).load(path, images)


# ----------------------------------------------------------------------------- files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    raises(loader("docvqa", path), path, None, None, "no such file or folder")


def test_empty_and_blank_files(tmp_path: Path) -> None:
    for text in ("", "  \n\n"):
        path = tmp_path / "empty.json"
        path.write_text(text)
        raises(loader("textvqa", path), path, None, None, "empty file")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"question": "caf\xe9"}'.encode("latin-1"))
    raises(loader("docvqa", path), path, None, None, "not UTF-8")


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "data": [\n    {"questionId": 1,}\n  ]\n}\n')
    raises(loader("docvqa", path), path, "line 3", None, "not valid JSON")


def test_broken_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    good = json.dumps({"image": "a.png", "question": "q", "answer": "a"})
    path.write_text(f"{good}\n\n{good}\n{{oops\n")
    raises(loader("stvqa", path), path, "line 4", None, "not valid JSON")


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    good = json.dumps({"image": "a.png", "question": "q", "answer": "a"})
    path.write_text(f"{good}\n[1, 2]\n")
    raises(loader("textvqa", path), path, "line 2", None, "expected a JSON object, got a list")


def test_no_records(tmp_path: Path) -> None:
    for name, value in (("list.json", []), ("data.json", {"data": []})):
        path = tmp_path / name
        path.write_text(json.dumps(value))
        raises(loader("stvqa", path), path, None, None, "no records")


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps([{"img": "a.png", "q": "?"}]))
    err = raises(loader("ocrbench", path), path, None, None, "unknown annotation format")
    assert "record 0 has fields ['img', 'q']" in str(err)
    path.write_text(json.dumps({"version": 1}))
    raises(loader("textvqa", path), path, None, None, "top-level fields")


def test_record_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "val.json"
    path.write_text(json.dumps({"data": [{"questionId": 1}, "oops"]}))
    raises(loader("docvqa", path), path, "record 1", None, "expected an object, got a string")


# ----------------------------------------------------------------------------- fields


def test_missing_field_in_official_files(tmp_path: Path) -> None:
    cases: list[tuple[str, Callable[..., Path], str, str]] = [
        ("textvqa", td.write_textvqa, "record 1", "question_id"),
        ("textvqa", td.write_textvqa, "record 1", "image_id"),
        ("docvqa", td.write_docvqa, "record 1", "question"),
        ("docvqa", td.write_docvqa, "record 1", "image"),
        ("infovqa", td.write_infovqa, "record 1", "image_local_name"),
        ("stvqa", td.write_stvqa, "record 1", "file_path"),
        ("chartqa", td.write_chartqa, "record 1", "query"),
        ("chartqa", td.write_chartqa, "record 1", "imgname"),
        ("ocrbench", td.write_ocrbench, "record 1", "image_path"),
        ("ocrbench", td.write_ocrbench, "record 1", "type"),
    ]
    for i, (task, write, record, field) in enumerate(cases):
        path = write(tmp_path / str(i), [{}, {field: td.DROP}], images=False)
        raises(loader(task, path), path, record, field, "missing field")


def test_missing_field_in_monkey_jsonl(tmp_path: Path) -> None:
    path = td.write_monkey_jsonl(tmp_path, [{}, {}, {"question": td.DROP}], images=False)
    raises(loader("chartqa", path), path, "line 3", "question", "missing field")


def test_wrong_types(tmp_path: Path) -> None:
    path = td.write_docvqa(tmp_path / "a", [{}, {"answers": 7}], images=False)
    raises(loader("docvqa", path), path, "record 1", "answers", "got a number")
    path = td.write_docvqa(tmp_path / "b", [{"answers": ["x", 2]}], images=False)
    raises(loader("docvqa", path), path, "record 0", "answers", "answer 1 is a number")
    path = td.write_textvqa(tmp_path / "c", [{"question": ["what?"]}], images=False)
    raises(loader("textvqa", path), path, "record 0", "question", "expected a string, got a list")
    path = td.write_stvqa(tmp_path / "d", [{"question": None}], images=False)
    raises(loader("stvqa", path), path, "record 0", "question", "field is null")


def test_bad_question_ids(tmp_path: Path) -> None:
    for i, bad in enumerate((1.5, True, "", [1])):
        path = td.write_docvqa(tmp_path / str(i), [{"questionId": bad}], images=False)
        raises(loader("docvqa", path), path, "record 0", "questionId", "expected an integer")


def test_duplicate_question_ids(tmp_path: Path) -> None:
    path = td.write_textvqa(tmp_path, [{}, {"question_id": 7}, {"question_id": 7}], images=False)
    raises(loader("textvqa", path), path, "record 2", "question_id",
           r"duplicate question id '7' \(first at record 1\)")
    path = td.write_monkey_jsonl(tmp_path, [{}, {"question_id": 1000}], images=False)
    raises(loader("docvqa", path), path, "line 2", "question_id", "duplicate question id")


def test_answers_on_some_records_only(tmp_path: Path) -> None:
    path = td.write_docvqa(tmp_path, [{}, {}, {"answers": td.DROP}], images=False)
    raises(loader("docvqa", path), path, "record 2", "answers",
           r"no answers, but other records have them \(e.g. record 0\)")
    path = td.write_chartqa(tmp_path, [{"label": td.DROP}, {}], images=False)
    raises(loader("chartqa", path), path, "record 0", "label", "no answers")


def test_empty_answer_list_is_no_answers(tmp_path: Path) -> None:
    path = td.write_stvqa(tmp_path, [{}, {"answers": []}], images=False)
    raises(loader("stvqa", path), path, "record 1", "answers", "no answers")


def test_empty_image_path(tmp_path: Path) -> None:
    path = td.write_monkey_jsonl(tmp_path, [{"image": " "}], images=False)
    raises(loader("docvqa", path), path, "line 1", "image", "empty image path")


# ----------------------------------------------------------------------------- OCR-VQA


def test_ocrvqa_entry_errors(tmp_path: Path) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"split": 4}, "split", "expected 1, 2 or 3, got 4"),
        ({"split": True}, "split", "expected 1, 2 or 3"),
        ({"split": td.DROP}, "split", "missing field"),
        ({"answers": ["a"]}, "answers", "1 answers for 2 questions"),
        ({"questions": "who?"}, "questions", "expected a list, got a string"),
        ({"answers": ["a", 3]}, "answers", "item 1 is a number"),
    ]
    for i, (override, field, match) in enumerate(cases):
        path = td.write_ocrvqa(tmp_path / str(i), [{}, override], images=False)
        raises(loader("ocrvqa", path), path, "entry '761183271'", field, match)


def test_ocrvqa_entry_that_is_not_an_object_and_an_empty_split(tmp_path: Path) -> None:
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps({"1": {"questions": [], "answers": [], "split": 3}, "2": []}))
    raises(loader("ocrvqa", path), path, "entry '2'", None, "expected an object, got a list")
    path = td.write_ocrvqa(tmp_path, [{"split": 1}], images=False)
    raises(lambda: OCRVQA("test").load(path), path, None, None, r"no entries of split 3 \(test\)")


# ----------------------------------------------------------------------------- folders and hub


def test_folder_without_parquet(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    raises(loader("docvqa", tmp_path), tmp_path, None, None, "without parquet files")
    raises(loader("chartqa", tmp_path), tmp_path, None, None, "test_human.json")


def test_chartqa_folder_with_a_bad_split_file(tmp_path: Path) -> None:
    path = tmp_path / "test_human.json"
    path.write_text(json.dumps([{"image": "a.png", "question": "q", "answer": "1"}]))
    raises(loader("chartqa", tmp_path), path, None, None, "not an official ChartQA split file")


def test_hub_without_the_evaluation_split(tmp_path: Path) -> None:
    td.write_chartqa_hub(tmp_path, 1, split="train")
    raises(loader("chartqa", tmp_path), tmp_path, None, None,
           r"no parquet files of split test \(splits found: train\)")
    td.write_docvqa_hub(tmp_path / "d", 1, config="InfographicVQA")
    raises(loader("docvqa", tmp_path / "d"), tmp_path / "d", None, None, "for config 'DocVQA'")


def test_hub_row_errors_name_the_parquet_file_and_row(tmp_path: Path) -> None:
    root = td.write_ocrbench_hub(tmp_path, [{}, {}, {"question_type": None}])
    file = root / "data" / "test-00000-of-00001.parquet"
    raises(loader("ocrbench", root), file, "row 2", "question_type", "field is null")
    root = td.write_textvqa_hub(tmp_path / "t", [{}, {"image": None}])
    file = root / "data" / "validation-00000-of-00001.parquet"
    raises(loader("textvqa", root), file, "row 1", "image", "field is null")


def test_hub_missing_column(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "data").mkdir()
    file = tmp_path / "data" / "test-00000-of-00001.parquet"
    pq.write_table(pa.table({"question": ["q"], "image": [td.png_bytes()]}), file)
    raises(loader("ocrbench", tmp_path), file, "row 0", "question_type", "missing field")


def test_hub_image_without_bytes_or_path(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    image = pa.array([{"bytes": None, "path": None}],
                     type=pa.struct([("bytes", pa.binary()), ("path", pa.string())]))
    (tmp_path / "data").mkdir()
    file = tmp_path / "data" / "test-00000-of-00001.parquet"
    pq.write_table(pa.table({"question": ["q"], "answer": ["1"], "image": image}), file)
    raises(loader("chartqa", tmp_path), file, "row 0", "image", "no image bytes or path")


def test_corrupt_parquet(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    file = tmp_path / "data" / "test-00000-of-00001.parquet"
    file.write_bytes(b"not a parquet file")
    raises(loader("chartqa", tmp_path), file, None, None, "not a readable parquet file")


def test_hub_id_not_in_the_cache() -> None:
    raises(loader("textvqa", "lmms-lab/not-cached"), "lmms-lab/not-cached", None, None,
           "not in the local Hugging Face cache")


def test_a_missing_relative_file_is_not_taken_for_a_hub_id() -> None:
    raises(loader("docvqa", "data/val.json"), "data/val.json", None, None,
           r"^data/val.json: no such file or folder$")
