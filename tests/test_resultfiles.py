"""The typed result files: ``run.json``, ``scores.json`` and journal lines.

One module reads and writes them (:mod:`harmonybench.resultfiles`); files written before
``schema_version`` existed read as version 1, a newer version gets one message, a malformed
field names the file, the record and the field, and the JSON Schemas in ``docs/schemas/`` are
the models'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from leaderboard_runs import task_entry, write_run
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.errors import DataError
from harmonybench.journal import read_journal, read_task_journals
from harmonybench.resultfiles import (
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    Attempt,
    Record,
    RunInfo,
    SchemaVersionError,
    ScoresFile,
    main,
    read_record,
    read_run_info,
    read_scores,
    schema_texts,
    write_run_info,
    write_scores,
)

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schemas"

RUN_JSON: dict[str, Any] = {
    "run_id": "hf-vlm-my-vlm-0123456789",
    "model": {"adapter": "hf-vlm", "location": "/ckpt/my-vlm", "args": {}, "dtype": "bfloat16",
              "family": "qwen2-vl"},
    "tasks": [{
        "task": "textvqa", "version": "1", "kind": "vqa", "data": "/data/textvqa.json",
        "data_sha256": "ab" * 32, "images": None, "images_from_data": None,
        "options": {"reader": "rapidocr"}, "default_protocol": "vqa", "template_id": "vqa",
        "template_hash": "0a1b2c", "template": "{question}", "generation": {"max_new_tokens": 8},
        "limit": 4, "seed": 0, "n": 4, "data_from_run": "../../data/textvqa.json",
        "images_from_run": None, "a_key_from_another_writer": [1, 2],
    }],
    "seed": 0, "batch_size": 8, "device": "cuda", "world_size": 2,
    "packages": {"python": "3.11.9", "torch": "2.13.0", "peft": None},
    "attempts": [{"started": "2026-01-01T00:00:00+00:00", "command": ["harmonybench", "run"],
                  "world_size": 2, "ended": "2026-01-01T00:10:00+00:00",
                  "failed_samples": 1}],
}

ENTRY: dict[str, Any] = {
    **task_entry("ocrbench", {"ocrbench": {"accuracy": 0.44, "score": 440,
                                           "categories": {"Text Recognition": 0.5},
                                           "reader": "rapidocr"}}, n=10, failed=1),
    "metrics_info": {"ocrbench": {"score": {"unit": "count", "higher_is_better": True,
                                            "main": True, "statistic": False}}},
    "note": "a note", "dataset_errors": ["fid: no reference images"],
}


def _line(**changes: Any) -> str:
    record = Record(run_id="r", task="textvqa", sample_id="7", request_hash="h",
                    template_id="vqa", template_hash="0", raw_output="a", answer="a",
                    scores={"vqa": {"vqa_accuracy": 1.0}})
    data = {**json.loads(record.to_json()), **changes}
    return json.dumps(data)


def _journal(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "run" / "textvqa" / "journal.rank0.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


# -- round trips -------------------------------------------------------------------------------


def test_run_json_round_trips_with_its_version_and_every_key(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_info(path, RunInfo.model_validate(RUN_JSON))
    on_disk = json.loads(path.read_text())
    assert on_disk == {"schema_version": SCHEMA_VERSION, **RUN_JSON}, \
        "the keys written are the keys given: none added, none lost"
    assert next(iter(on_disk)) == "schema_version"
    info = read_run_info(path)
    assert info.schema_version == SCHEMA_VERSION and info.run_id == RUN_JSON["run_id"]
    spec = info.spec("textvqa")
    assert spec is not None and spec.limit == 4 and spec.options == {"reader": "rapidocr"}
    assert info.attempts[0].failed_samples == 1 and info.packages["peft"] is None
    assert info.model.adapter == "hf-vlm" and info.model.to_json_dict()["family"] == "qwen2-vl"
    info.attempts.append(Attempt(started="2026-01-02T00:00:00+00:00", world_size=1))
    write_run_info(path, info)
    again = read_run_info(path)
    assert len(again.attempts) == 2 and again.tasks[0].to_json_dict() == RUN_JSON["tasks"][0]


def test_scores_json_round_trips_values_of_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    content = {"run_id": "r", "model": RUN_JSON["model"], "written": "now", "rescored": True,
               "tasks": {"ocrbench": ENTRY}}
    write_scores(path, ScoresFile.model_validate(content))
    assert json.loads(path.read_text()) == {"schema_version": SCHEMA_VERSION, **content}
    scores = read_scores(path)
    entry = scores.tasks["ocrbench"]
    metrics = entry.protocols["ocrbench"]
    assert metrics["score"] == 440 and isinstance(metrics["score"], int), "ints stay ints"
    assert metrics["categories"] == {"Text Recognition": 0.5} and metrics["reader"] == "rapidocr"
    assert entry.metrics_info["ocrbench"]["score"].unit == "count"
    assert (entry.n, entry.failed, entry.note) == (10, 1, "a note") and scores.rescored


def test_a_journal_record_round_trips_and_stays_mutable(tmp_path: Path) -> None:
    record = Record(run_id="r", task="t", sample_id="1", request_hash="h", template_id="x",
                    template_hash="0", images=["/abs/a.png"], generation={"seed": 3},
                    score_error="scoring failed: KeyError: 'x'")
    record.answer = {"words": [["a", "b"]]}
    record.scores = {"anytext": {"sen_acc": 0.5}}
    line = record.to_json()
    assert line.startswith('{"v":1,'), "a short version key opens every line"
    back = read_record(line)
    assert back == record and back.score_error == "scoring failed: KeyError: 'x'"
    path = _journal(tmp_path, line, line.replace('"sample_id":"1"', '"sample_id":"2"'))
    assert [r.sample_id for r in read_journal(path).records] == ["1", "2"]


# -- files written before schema_version --------------------------------------------------------


def test_files_without_a_version_read_as_version_one(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "old", "monkey", {"textvqa": task_entry(
        "textvqa", {"vqa": {"vqa_accuracy": 0.5}})})
    assert "schema_version" not in json.loads((folder / "scores.json").read_text())
    assert read_run_info(folder / "run.json").schema_version == 1
    assert read_scores(folder / "scores.json").tasks["textvqa"].scored == 100
    old = json.loads(_line())
    del old["v"], old["score_error"]
    old["tokens"] = 12  # an older writer's own key: kept in metadata, as it always was
    [record] = read_task_journals(_journal(tmp_path, json.dumps(old)).parent)
    assert record.schema_version == 1 and record.metadata == {"tokens": 12}
    assert record.score_error is None


# -- another version ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["run.json", "scores.json"])
def test_a_newer_file_gets_one_message_naming_it_and_the_versions(tmp_path: Path,
                                                                  name: str) -> None:
    folder = write_run(tmp_path / "new", "m", {"t": task_entry("t", {"p": {"a": 1.0}})})
    path = folder / name
    path.write_text(json.dumps({**json.loads(path.read_text()), "schema_version": 99,
                                "tasks": "a layout from the future"}))
    reader = read_run_info if name == "run.json" else read_scores
    with pytest.raises(SchemaVersionError) as err:
        reader(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "schema_version 99 is newer" in message
    assert f"versions {', '.join(map(str, READABLE_VERSIONS))}" in message
    assert "upgrade harmonybench" in message and err.value.field == "schema_version"


def test_a_newer_journal_line_is_an_error_even_as_the_last_line(tmp_path: Path) -> None:
    path = _journal(tmp_path, _line(), _line(v=2, scores="elsewhere"))
    with pytest.raises(SchemaVersionError) as err:
        read_journal(path)
    assert err.value.record == "line 2" and "schema_version 2 is newer" in str(err.value)
    assert str(path) in str(err.value), "never dropped as a torn line"


def test_the_cli_prints_one_line_for_a_newer_file(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "new", "m", {"t": task_entry("t", {"p": {"a": 1.0}})})
    (folder / "scores.json").write_text(json.dumps({"schema_version": 2, "tasks": {}}))
    result = CliRunner().invoke(build_app(), ["leaderboard", str(folder)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{folder / 'scores.json'}, field 'schema_version': schema_version 2 is newer" \
        in result.stderr


# -- malformed fields ---------------------------------------------------------------------------


def test_a_malformed_scores_field_names_the_file_the_task_and_the_field(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "r", "m", {"docvqa": {
        **task_entry("docvqa", {"anls": {"anls": 0.5}}), "scored": "many"}})
    with pytest.raises(DataError) as err:
        read_scores(folder / "scores.json")
    assert (err.value.path, err.value.record, err.value.field) == (
        str(folder / "scores.json"), "task docvqa", "scored")
    assert "'many'" in err.value.problem
    entry = {**task_entry("docvqa", {"anls": {"anls": 0.5}}),
             "metrics_info": {"anls": {"anls": {"unit": "furlongs"}}}}
    write_run(folder, "m", {"docvqa": entry})
    with pytest.raises(DataError) as err:
        read_scores(folder / "scores.json")
    assert (err.value.record, err.value.field) == ("task docvqa", "metrics_info.anls.anls.unit")


def test_a_malformed_run_json_field_names_the_task_spec(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    bad = json.loads(json.dumps(RUN_JSON))
    bad["tasks"][0]["limit"] = "ten"
    bad["attempts"][0]["world_size"] = None
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError) as err:
        read_run_info(path)
    assert (err.value.record, err.value.field) == ("tasks[0] (textvqa)", "limit")
    assert "and 1 more problem" in err.value.problem
    path.write_text(json.dumps({"run_id": "r", "tasks": []}))
    with pytest.raises(DataError) as err:
        read_run_info(path)
    assert err.value.field == "model" and "Field required" in err.value.problem


def test_a_malformed_journal_line_names_the_line_and_the_field(tmp_path: Path) -> None:
    path = _journal(tmp_path, _line(), _line(latency_s="slow"), _line())
    with pytest.raises(DataError) as err:
        read_journal(path)
    assert (err.value.path, err.value.record, err.value.field) == (str(path), "line 2",
                                                                   "latency_s")
    assert "journal line is not a record" in err.value.problem
    torn = _journal(tmp_path, _line(), _line(latency_s="slow"))
    assert len(read_journal(torn).records) == 1, "a bad last line is still a torn one"


# -- JSON Schemas -------------------------------------------------------------------------------


def test_the_committed_json_schemas_are_the_models() -> None:
    for name, text in schema_texts().items():
        committed = SCHEMAS / name
        assert committed.is_file(), f"{committed} is missing"
        assert committed.read_text() == text, (
            f"{committed} is out of date: python -m harmonybench.resultfiles "
            "--write-schemas docs/schemas")
    assert main(["--check-schemas", str(SCHEMAS)]) == 0


def test_the_schema_check_fails_on_a_stale_schema(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--write-schemas", str(tmp_path)]) == 0
    schema = json.loads((tmp_path / "scores.schema.json").read_text())
    assert "tasks" in schema["required"] and "schema_version" in schema["properties"]
    (tmp_path / "scores.schema.json").write_text("{}\n")
    assert main(["--check-schemas", str(tmp_path)]) == 1
    assert "scores.schema.json: out of date" in capsys.readouterr().err
