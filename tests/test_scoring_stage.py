"""One scoring stage (issue 11, deliverable 3): each sample scored once, aggregates reduced from
the journaled values, scoring errors kept apart from model failures and retried by ``rescore``,
image-out readings reused by ``rescore`` unless the reader changed, protocols checked first."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from imagedata import write_anytext

from harmonybench.errors import ProtocolError
from harmonybench.journal import read_task_journals
from harmonybench.protocol import BaseProtocol
from harmonybench.rescore import rescore
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.schema import Record, Sample
from harmonybench.scoring import score_answers

WORDS = [{"q": f"word {i}?", "a": f"w{i}"} for i in range(10)]


def words_run(tmp_path: Path, answers: dict[str, str], **kwargs: Any) -> RunConfig:
    data = tmp_path / "words.json"
    data.write_text(json.dumps(WORDS))
    scripted = tmp_path / "answers.json"
    scripted.write_text(json.dumps(answers))
    return RunConfig(model="fake", location=str(scripted), tasks=[TaskInput("fakewords", data)],
                     output=tmp_path / "runs", batch_size=4, progress=False, **kwargs)


def counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the answers every protocol's ``evaluate_many`` and ``evaluate`` see."""
    seen: dict[str, int] = {"evaluate_many": 0, "evaluate": 0}
    many, one = BaseProtocol.evaluate_many, BaseProtocol.evaluate

    def evaluate_many(self: BaseProtocol[Any], predictions: Sequence[Any],
                      samples: Sequence[Sample]) -> list[dict[str, float]]:
        seen["evaluate_many"] += len(predictions)
        return many(self, predictions, samples)

    def evaluate(self: BaseProtocol[Any], prediction: Any, sample: Sample) -> dict[str, float]:
        seen["evaluate"] += 1
        return one(self, prediction, sample)

    monkeypatch.setattr(BaseProtocol, "evaluate_many", evaluate_many)
    monkeypatch.setattr(BaseProtocol, "evaluate", evaluate)
    return seen


def test_each_sample_is_scored_once_and_the_aggregate_is_the_journal_s(
        tmp_path: Path, plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {str(i): f"w{i}" for i in range(10)} | {"3": "wrong", "7": "a w7 b"}
    seen = counting(monkeypatch)
    result = run(words_run(tmp_path, answers))
    assert result.scores is not None
    entry = result.scores["tasks"]["fakewords"]
    protocols = list(entry["protocols"])
    assert protocols == ["fake-exact", "fake-contains"]
    # ten samples, two protocols, each scored once (batched), never per sample or at merge
    assert seen == {"evaluate_many": 10 * len(protocols), "evaluate": 0}
    records = read_task_journals(result.folder / "fakewords")
    for name in protocols:
        journaled = [r.scores[name]["accuracy"] for r in records]
        assert entry["protocols"][name]["accuracy"] == pytest.approx(sum(journaled) / 10)
    assert entry["protocols"]["fake-exact"]["accuracy"] == pytest.approx(0.8)
    assert entry["protocols"]["fake-contains"]["accuracy"] == pytest.approx(0.9)


def test_a_scoring_error_is_kept_apart_and_rescore_scores_it(
        tmp_path: Path, plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hb_fake_plugin import FakeExact

    answers = {str(i): f"w{i}" for i in range(10)} | {"5": "boom"}
    original = FakeExact.score

    def buggy(self: FakeExact, prediction: str, sample: Sample) -> float:
        if prediction == "boom":
            raise KeyError("a protocol bug")
        return original(self, prediction, sample)

    monkeypatch.setattr(FakeExact, "score", buggy)
    config = words_run(tmp_path, answers)
    result = run(config)
    assert result.scores is not None and result.failed == 0 and result.score_errors == 1
    entry = result.scores["tasks"]["fakewords"]
    assert (entry["scored"], entry["failed"], entry["score_errors"]) == (9, 0, 1)
    assert "5: scoring failed: fake-exact: KeyError" in entry["errors"][0]
    # the other samples were scored in the same batch as the bad one (all nine right)
    assert entry["protocols"]["fake-exact"]["accuracy"] == 1.0
    bad = next(r for r in read_task_journals(result.folder / "fakewords") if r.sample_id == "5")
    assert bad.error is None and not bad.failed and bad.raw_output == "boom"
    assert bad.score_error is not None and bad.scores == {}
    # --retry-failed does not call the model for a scoring error
    config.retry_failed = True
    retried = run(config)
    assert retried.score_errors == 1
    # the protocol is fixed: rescore scores the kept output with no model
    monkeypatch.setattr(FakeExact, "score", original)
    again = rescore(result.folder)["tasks"]["fakewords"]
    assert (again["scored"], again["score_errors"]) == (10, 0)
    assert again["protocols"]["fake-exact"]["accuracy"] == pytest.approx(0.9)


def test_an_old_journal_s_scoring_failure_reads_as_a_scoring_error() -> None:
    line = {"run_id": "r", "task": "t", "sample_id": "1", "request_hash": "h",
            "template_id": "t", "template_hash": "h", "raw_output": "x",
            "error": "scoring failed: ValueError: bad"}
    record = Record.from_dict(line)
    assert record.error is None and not record.failed
    assert record.score_error == "scoring failed: ValueError: bad"


def test_batched_scoring_finds_the_answer_at_fault() -> None:
    class Picky(BaseProtocol[str]):
        name = "picky"
        metric = "accuracy"
        reference = "test"
        summary = "raises on 'x'"

        def score(self, prediction: str, sample: Sample) -> float:
            if prediction == "x":
                raise ValueError("no x")
            return 1.0

    samples = [Sample(id=str(i), task="t", question="q", answers=("a",)) for i in range(3)]
    scored = score_answers(["a", "x", "b"], samples, [Picky()])
    assert scored.errors == {1: "picky: ValueError: no x"}
    assert [s.get("picky") for s in scored.scores] == [{"accuracy": 1.0}, None, {"accuracy": 1.0}]


def test_rescore_checks_every_protocol_before_reading_anything(
        tmp_path: Path, plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(words_run(tmp_path, {str(i): f"w{i}" for i in range(10)}))
    journal = next((result.folder / "fakewords").glob("journal.rank*.jsonl"))
    before = journal.read_bytes(), (result.folder / "scores.json").read_bytes()
    loaded: list[str] = []
    from hb_fake_plugin import WordsTask

    monkeypatch.setattr(WordsTask, "load", lambda self, *a, **k: loaded.append("x") or [])
    with pytest.raises(ProtocolError, match="does not apply to task 'fakewords'"):
        rescore(result.folder, ["anls"])
    assert loaded == []
    assert (journal.read_bytes(), (result.folder / "scores.json").read_bytes()) == before


@pytest.mark.slow
def test_image_out_rescore_reuses_the_readings_unless_the_reader_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from harmonybench.models.readers_rapidocr import RapidOCRReader

    data = write_anytext(tmp_path / "data", 2)
    result = run(RunConfig(model="render", output=tmp_path / "runs", progress=False,
                           model_args={"num_images": "1"},
                           tasks=[TaskInput("anytext-t2i", data, options={"fid": "off"})]))
    assert result.scores is not None and result.failed == 0
    first = result.scores["tasks"]["anytext-t2i"]["protocols"]

    def no_ocr(self: RapidOCRReader, crops: Sequence[Any]) -> list[str]:
        raise AssertionError("rescore read the images again")

    monkeypatch.setattr(RapidOCRReader, "read", no_ocr)
    again = rescore(result.folder)["tasks"]["anytext-t2i"]["protocols"]
    assert again["anytext"] == first["anytext"] and again["textharmony"] == first["textharmony"]

    # another reader version: the images are read again, and the log says so
    monkeypatch.setattr(RapidOCRReader, "identity", property(lambda self: "rapidocr 99 (new)"))
    monkeypatch.setattr(RapidOCRReader, "read", lambda self, crops: ["" for _ in crops])
    with caplog.at_level(logging.WARNING, logger="harmonybench.rescore"):
        changed = rescore(result.folder)["tasks"]["anytext-t2i"]["protocols"]
    assert changed["anytext"]["reader"] == "rapidocr 99 (new)"
    assert changed["anytext"]["sen_acc"] == 0.0
    message = caplog.text
    assert "not from the reader the task uses now (rapidocr 99 (new))" in message
    assert "2 outputs were read again" in message


def test_a_full_disk_while_writing_run_json_is_one_error_and_leaves_no_temporary_file(
        tmp_path: Path, plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from harmonybench.outputs import OutputWriteError

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("harmonybench.outputs.open", full, raising=False)
    config = words_run(tmp_path, {str(i): f"w{i}" for i in range(10)})
    with pytest.raises(OutputWriteError, match=r"run\.json.*disk full"):
        run(config)
    assert not [p for p in (tmp_path / "runs").rglob("*") if "tmp" in p.name or
                p.name.endswith(".partial")]


def test_a_full_disk_while_journaling_is_one_error_and_the_run_resumes(
        tmp_path: Path, plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from harmonybench.journal import Journal
    from harmonybench.outputs import OutputWriteError

    original = Journal.append
    calls = {"n": 0}

    def append(self: Journal, records: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            assert self._fh is not None
            self._fh.write('{"run_id": "torn')  # a partial line, as a full disk leaves
            self._fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, records)

    monkeypatch.setattr(Journal, "append", append)
    config = words_run(tmp_path, {str(i): f"w{i}" for i in range(10)})
    from harmonybench.outputs import disk_errors

    with pytest.raises(OutputWriteError, match="disk full"), disk_errors("the journal"):
        run(config)
    monkeypatch.setattr(Journal, "append", original)
    resumed = run(config)
    assert resumed.scores is not None
    entry = resumed.scores["tasks"]["fakewords"]
    assert (entry["scored"], entry["missing"]) == (10, 0)
    assert len(read_task_journals(resumed.folder / "fakewords")) == 10
