"""The ``replay`` adapter: every prediction-file layout, id and position matching, errors."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harmonybench.errors import DataError
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.replay import ReplayModel
from harmonybench.models.replay_files import read_replay_file
from harmonybench.schema import Output, Request, RequestKind

QUESTIONS = ["what is the brand?", "what year is it?", "who wrote this?"]


def request(sample_id: str, index: int | None, question: str | None = None,
            kind: RequestKind = "vqa") -> Request:
    return Request(sample_id=sample_id, task="t", kind=kind, prompt=question or "",
                   template_id="t/default@1", template_hash="h", question=question, index=index)


def answer(model: ReplayModel, *requests: Request) -> list[Output]:
    return model.generate(list(requests), GenerationContext(image_dir=Path(".")))


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# ----------------------------------------------------------------------------- harmonybench


def test_json_list_is_matched_by_id(tmp_path: Path) -> None:
    file = write_json(tmp_path / "p.json", [
        {"question_id": 101, "prediction": "coca cola", "answer": "pepsi"},
        {"question_id": 102, "prediction": 1999},
    ])
    model = ReplayModel(str(file))
    out = answer(model, request("102", 0), request("101", 5), request("103", 1))
    assert out[0].text == "1999" and out[0].ok
    assert out[1].text == "coca cola", "prediction wins over answer, whatever the position"
    assert out[2].text is None and out[2].error is not None
    assert out[2].error.startswith("no prediction for sample '103'")
    assert not out[2].unsupported, "a missing prediction fails the sample, it is not unsupported"
    assert out[0].metadata == {"replay": "record 1"}
    assert model.spec()["format"] == "records" and model.spec()["match"] == "id"


def test_jsonl_with_answer_key_and_position_override(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "p.jsonl", [{"id": i, "answer": f"a{i}"} for i in range(3)])
    by_id = ReplayModel(str(file))
    assert [o.text for o in answer(by_id, request("2", 0), request("0", 2))] == ["a2", "a0"]
    by_position = ReplayModel(str(file), match="position")
    out = answer(by_position, request("x", 2), request("y", 7))
    assert out[0].text == "a2"
    assert out[1].error is not None and "by position 7" in out[1].error
    assert by_position.spec()["match_reason"] == "--model-arg match=position"


def test_ocrbench_official_layout_is_matched_by_position(tmp_path: Path) -> None:
    records = [
        {"dataset_name": "IIIT5K", "id": 7, "image_path": "a.png", "question": QUESTIONS[0],
         "answers": "CENTRE", "type": "Regular Text Recognition", "predict": "centre"},
        {"dataset_name": "svt", "id": 7, "image_path": "b.png", "question": QUESTIONS[1],
         "answers": ["1999"], "type": "Regular Text Recognition", "predict": "1999"},
    ]
    model = ReplayModel(str(write_json(tmp_path / "ocrbench.json", records)))
    assert model.spec()["format"] == "positional" and model.spec()["match"] == "position"
    out = answer(model, request("0", 0, QUESTIONS[0]), request("1", 1, "What  YEAR is it?"),
                 request("2", 1, QUESTIONS[2]))
    assert out[0].text == "centre"
    assert out[1].text == "1999", "case and white space do not make questions differ"
    assert out[2].error is not None and "answers another question" in out[2].error


def test_official_ocrbench_record_without_predict_fails_its_sample(tmp_path: Path) -> None:
    file = write_json(tmp_path / "ocrbench.json", [
        {"id": 1, "question": QUESTIONS[0], "answers": "a", "predict": "a"},
        {"id": 1, "question": QUESTIONS[1], "answers": "b"},
    ])
    model = ReplayModel(str(file))
    assert model.spec()["format"] == "positional" and model.spec()["predictions"] == 1
    out = answer(model, request("0", 0, QUESTIONS[0]), request("1", 1, QUESTIONS[1]))
    assert out[0].text == "a"
    assert out[1].error is not None and out[1].error.startswith("no prediction for sample '1'")


def test_records_with_question_and_predict_but_unique_ids_stay_id_records(
    tmp_path: Path,
) -> None:
    file = write_json(tmp_path / "p.json", [
        {"question_id": "q9", "question": QUESTIONS[0], "answers": ["x"], "predict": "x"},
        {"question_id": "q3", "question": QUESTIONS[1], "answers": ["y"], "predict": "y"},
    ])
    model = ReplayModel(str(file))
    assert model.spec()["format"] == "records"
    out = answer(model, request("q3", 0, QUESTIONS[1]), request("q9", 1, QUESTIONS[2]))
    assert out[0].text == "y"
    assert out[1].error is not None and "answers another question" in out[1].error


# ----------------------------------------------------------------------------- lmms-eval


def lmms_v07(doc_id: int, text: str, **extra: Any) -> dict[str, Any]:
    """A line as lmms-eval >= 0.7 writes it: no doc, flattened filtered_resps, no resps."""
    return {"doc_id": doc_id, "target": "['x']", "filtered_resps": text, "token_counts": [None],
            "doc_hash": "abc", "input": f"prompt {doc_id}", "exact_match": 0.0, **extra}


def test_lmms_eval_without_doc_is_matched_by_doc_id_position(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "20260101_samples_textvqa_val.jsonl",
                       [lmms_v07(1, "second"), lmms_v07(0, "first")])
    model = ReplayModel(str(file))
    assert model.spec()["format"] == "lmms-eval" and model.spec()["match"] == "position"
    out = answer(model, request("34602", 0), request("34603", 1), request("34604", 2))
    assert [o.text for o in out[:2]] == ["first", "second"]
    assert out[2].error is not None and "no prediction" in out[2].error


def test_lmms_eval_submission_metric_carries_the_question_id(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "s.jsonl", [
        lmms_v07(0, "first", submission={"question_id": 34602, "answer": "first"}),
        lmms_v07(1, "second", submission={"question_id": 34603, "answer": "second"}),
    ])
    model = ReplayModel(str(file))
    assert model.spec()["match"] == "id"
    out = answer(model, request("34603", 0), request("34602", 1))
    assert [o.text for o in out] == ["second", "first"]


def test_lmms_eval_doc_question_id_and_response_choice(tmp_path: Path) -> None:
    """v0.3 layout: the doc is kept; resps nested twice, filtered_resps once."""
    lines = [
        {"doc_id": i, "doc": {"questionId": 500 + i, "question": q, "answers": ["x"]},
         "target": "['x']", "arguments": {"0": "max_new_tokens"},
         "resps": [[f"<think>...</think> raw {i}"]], "filtered_resps": [f"filtered {i}"],
         "anls": 0.0, "input": q}
        for i, q in enumerate(QUESTIONS)
    ]
    file = write_jsonl(tmp_path / "docvqa.jsonl", lines)
    model = ReplayModel(str(file))
    assert model.spec()["match"] == "id"
    out = answer(model, request("502", 0, QUESTIONS[2]), request("500", 1, QUESTIONS[1]))
    assert out[0].text == "filtered 2"
    assert out[1].error is not None and "answers another question" in out[1].error
    raw = ReplayModel(str(file), response="resps")
    assert answer(raw, request("501", 0, QUESTIONS[1]))[0].text == "<think>...</think> raw 1"


def test_lmms_eval_popped_resps_falls_back_to_filtered(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "s.jsonl", [lmms_v07(0, "only")])
    model = ReplayModel(str(file), response="resps")
    assert answer(model, request("a", 0))[0].text == "only"


def test_lmms_eval_v02_logs_object_and_repeats_take_first(tmp_path: Path) -> None:
    file = write_json(tmp_path / "textvqa.json", {
        "args": {}, "model_configs": {}, "time": "now",
        "logs": [{"doc_id": 0, "doc": {"question_id": 9}, "target": "x",
                  "arguments": [["q"]], "resps": [["one", "two"]],
                  "filtered_resps": [["one", "two"]]}],
    })
    model = ReplayModel(str(file))
    assert model.spec()["format"] == "lmms-eval"
    assert answer(model, request("9", 3))[0].text == "one"


# ----------------------------------------------------------------------------- VLMEvalKit


def vlmeval_frame(index: list[Any], predictions: list[Any]) -> pd.DataFrame:
    return pd.DataFrame({
        "index": index,
        "question": QUESTIONS[: len(index)],
        "answer": [str(["x"])] * len(index),
        "category": ["scene"] * len(index),
        "prediction": predictions,
    })


def test_vlmevalkit_xlsx_row_numbers_are_positions(tmp_path: Path) -> None:
    path = tmp_path / "Model_TextVQA_VAL.xlsx"
    vlmeval_frame([2, 0, 1], ["c", "a", 42]).to_excel(path, index=False)
    model = ReplayModel(str(path))
    spec = model.spec()
    assert spec["format"] == "vlmevalkit-xlsx" and spec["match"] == "position"
    out = answer(model, request("qa", 0, QUESTIONS[1]), request("qb", 2, QUESTIONS[0]),
                 request("qc", 1, QUESTIONS[0]))
    assert out[0].text == "a" and out[1].text == "c"
    assert out[2].error is not None and "row 4" in out[2].error, "index 1 asks QUESTIONS[2]"


def test_vlmevalkit_xlsx_question_ids_and_empty_prediction(tmp_path: Path) -> None:
    path = tmp_path / "Model_DocVQA_VAL.xlsx"
    vlmeval_frame([57349, 57350, 60001], ["June", None, 42]).to_excel(path, index=False)
    model = ReplayModel(str(path))
    assert model.spec()["match"] == "id"
    out = answer(model, request("60001", 0, QUESTIONS[2]), request("57350", 1, QUESTIONS[1]),
                 request("57349", 2))
    assert [o.text for o in out] == ["42", "", "June"]


def test_vlmevalkit_tsv_keeps_predictions_as_text(tmp_path: Path) -> None:
    path = tmp_path / "Model_OCRBench.tsv"
    frame = vlmeval_frame([0, 1, 2], ["007", "NA", "3.10"])
    frame.to_csv(path, sep="\t", index=False, encoding="utf-8", quoting=csv.QUOTE_ALL)
    model = ReplayModel(str(path))
    assert model.spec()["format"] == "vlmevalkit-tsv" and model.spec()["match"] == "position"
    out = answer(model, *(request(str(i), i, q) for i, q in enumerate(QUESTIONS)))
    assert [o.text for o in out] == ["007", "NA", "3.10"]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "content", "record", "field"),
    [
        ("bad.jsonl", '{"id": 1, "prediction": "a"}\n{"id": 2, "prediction": \n', "line 2", None),
        ("noid.json", '[{"id": 1, "prediction": "a"}, {"prediction": "b"}]', "record 1", None),
        ("dupid.jsonl", '{"id": 1, "pred": "a"}\n{"id": 1, "pred": "b"}\n', "line 2", "id"),
        ("nulltext.json", '[{"id": 1, "prediction": null}]', "record 0", "prediction"),
        ("docid.jsonl", '{"doc_id": "x", "filtered_resps": "a"}\n', "line 1", "doc_id"),
        ("loglik.jsonl", '{"doc_id": 0, "filtered_resps": [[-1.5, false]]}\n', "line 1",
         "filtered_resps"),
        ("dupqid.jsonl",
         '{"doc_id": 0, "doc": {"question_id": 5}, "filtered_resps": "a"}\n'
         '{"doc_id": 1, "doc": {"question_id": 5}, "filtered_resps": "b"}\n',
         "line 2", "doc.question_id"),
        ("doc.jsonl", '{"doc_id": 0, "doc": "text", "filtered_resps": "a"}\n', "line 1", "doc"),
    ],
)
def test_malformed_json_files_name_file_record_and_field(
    tmp_path: Path, name: str, content: str, record: str, field: str | None
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError) as info:
        ReplayModel(str(path))
    assert info.value.path == str(path)
    assert info.value.record == record
    assert info.value.field == field
    assert str(path) in str(info.value)


def test_malformed_tables_name_row_and_column(tmp_path: Path) -> None:
    xlsx = tmp_path / "noprediction.xlsx"
    pd.DataFrame({"index": [0], "question": ["q"], "answer": ["a"]}).to_excel(xlsx, index=False)
    with pytest.raises(DataError) as info:
        ReplayModel(str(xlsx))
    assert info.value.field == "prediction" and "no 'prediction' column" in str(info.value)
    tsv = tmp_path / "noindex.tsv"
    tsv.write_text('"index"\t"prediction"\n"0"\t"a"\n""\t"b"\n')
    with pytest.raises(DataError) as info:
        ReplayModel(str(tsv))
    assert info.value.record == "row 3" and info.value.field == "index"
    dup = tmp_path / "dup.tsv"
    dup.write_text("index\tprediction\n17\ta\n17\tb\n")
    with pytest.raises(DataError) as info:
        ReplayModel(str(dup))
    assert info.value.record == "row 3" and "duplicate question id '17'" in str(info.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "file is empty"), (b"just some text\n", "unrecognised format"),
     (b"PK\x03\x04not really a zip", "not a readable .xlsx"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_unreadable_files(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "p.bin"
    path.write_bytes(content)
    with pytest.raises(DataError, match=problem):
        read_replay_file(path)


def test_match_id_needs_ids(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "s.jsonl", [lmms_v07(0, "a")])
    with pytest.raises(DataError) as info:
        ReplayModel(str(file), match="id")
    assert info.value.record == "line 1" and "no question id" in str(info.value)


def test_arguments_are_checked(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "p.jsonl", [{"id": 0, "prediction": "a"}])
    with pytest.raises(ModelArgError, match="replay:FILE"):
        ReplayModel(None)
    with pytest.raises(ModelArgError, match="unknown --model-arg temperature"):
        ReplayModel(str(file), temperature="0")
    with pytest.raises(ModelArgError, match="match='nearest'"):
        ReplayModel(str(file), match="nearest")
    with pytest.raises(ModelArgError, match="response="):
        ReplayModel(str(file), response="target")
    with pytest.raises(DataError, match="file not found"):
        ReplayModel(str(tmp_path / "missing.jsonl"))


def test_spec_has_the_file_sha256_and_image_kinds_are_unsupported(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "p.jsonl", [{"id": 0, "prediction": "a"}])
    model = ReplayModel(str(file))
    spec = model.spec()
    assert spec["adapter"] == "replay" and spec["location"] == str(file)
    assert spec["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert spec["predictions"] == 1
    out = answer(model, request("0", 0, kind="t2i"), request("0", 0, kind="recognition"))
    assert out[0].unsupported and not out[0].ok
    assert out[1].text == "a"


# ----------------------------------------------------------------------------- end to end

WORDS = [{"q": f"word {i}?", "a": f"w{i}"} for i in range(6)]


def register_replay(site: Path) -> None:
    """Register the adapter as an entry point, in case the built-in table lacks it."""
    info = site / "hb_replay_tests-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hb-replay-tests\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[harmonybench.models]\nreplay = harmonybench.models.replay:ReplayModel\n"
    )
    importlib.invalidate_caches()


@pytest.mark.parametrize("layout", ["jsonl", "lmms-eval", "tsv"])
def test_run_with_replay_scores_the_file(tmp_path: Path, plugin_site: Path, layout: str) -> None:
    from harmonybench.journal import read_task_journals
    from harmonybench.runner import RunConfig, TaskInput, run

    register_replay(plugin_site)
    data = write_json(tmp_path / "words.json", WORDS)
    texts = {0: "w0", 1: "w1", 2: "wrong", 4: "w4", 5: "w5"}  # 3 has no prediction
    if layout == "jsonl":
        preds = write_jsonl(tmp_path / "preds.jsonl",
                            [{"id": str(i), "prediction": t} for i, t in texts.items()])
    elif layout == "lmms-eval":
        preds = write_jsonl(tmp_path / "samples_fakewords.jsonl", [
            {"doc_id": i, "doc": {"q": WORDS[i]["q"], "question": WORDS[i]["q"]},
             "target": WORDS[i]["a"], "resps": [[t]], "filtered_resps": [t]}
            for i, t in texts.items()
        ])
    else:
        preds = tmp_path / "Model_fakewords.tsv"
        pd.DataFrame({"index": list(texts), "question": [WORDS[i]["q"] for i in texts],
                      "prediction": list(texts.values())}).to_csv(
            preds, sep="\t", index=False, quoting=csv.QUOTE_ALL)
    result = run(RunConfig(model="replay", location=str(preds),
                           tasks=[TaskInput("fakewords", data)], output=tmp_path / "runs",
                           batch_size=4))
    entry = result.scores["tasks"]["fakewords"] if result.scores else {}
    assert entry["n"] == 6 and entry["scored"] == 5 and entry["failed"] == 1
    assert entry["protocols"]["fake-exact"]["accuracy"] == pytest.approx(4 / 5)
    assert entry["errors"][0].startswith("3: no prediction for sample '3'")
    records = {r.sample_id: r for r in read_task_journals(result.folder / "fakewords")}
    assert records["2"].raw_output == "wrong" and records["2"].scores["fake-exact"]
    assert records["3"].error and records["3"].scores == {}
    info = json.loads((result.folder / "run.json").read_text())
    assert info["model"]["sha256"] == hashlib.sha256(preds.read_bytes()).hexdigest()
