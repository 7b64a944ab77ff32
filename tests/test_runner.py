"""The run loop: journaling, resume, failures, OOM halving, rescore, torchrun sharding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from plugin_env import subprocess_env

from harmonybench.journal import read_task_journals
from harmonybench.rescore import rescore
from harmonybench.runner import RunConfig, TaskInput, run

WORDS = [{"q": f"word {i}?", "a": f"w{i}"} for i in range(10)]


def write_case(tmp_path: Path, answers: dict[str, str]) -> tuple[Path, Path]:
    data = tmp_path / "words.json"
    data.write_text(json.dumps(WORDS))
    ans = tmp_path / "answers.json"
    ans.write_text(json.dumps(answers))
    return data, ans


def config(tmp_path: Path, data: Path, answers: Path, **kwargs: Any) -> RunConfig:
    model_args = kwargs.pop("model_args", {})
    return RunConfig(model="fake", location=str(answers), tasks=[TaskInput("fakewords", data)],
                     output=tmp_path / "runs", batch_size=kwargs.pop("batch_size", 4),
                     model_args=model_args, **kwargs)


def journal_lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted((folder / "fakewords").glob("journal.rank*.jsonl"))
            for line in p.read_text().splitlines()]


def test_full_run_writes_folder_journal_and_scores(tmp_path: Path, plugin_site: Path) -> None:
    answers = {str(i): f"w{i}" for i in range(10)}
    answers["3"] = "wrong"
    data, ans = write_case(tmp_path, answers)
    result = run(config(tmp_path, data, ans))
    assert result.failed == 0
    scores = json.loads((result.folder / "scores.json").read_text())
    entry = scores["tasks"]["fakewords"]
    assert entry["n"] == 10 and entry["scored"] == 10 and entry["failed"] == 0
    assert entry["protocols"]["fake-exact"]["accuracy"] == pytest.approx(0.9)
    info = json.loads((result.folder / "run.json").read_text())
    spec = info["tasks"][0]
    assert spec["template_id"] == "fakewords/default@1" and len(spec["template_hash"]) == 12
    assert len(spec["data_sha256"]) == 64
    assert info["packages"]["harmonybench"]
    assert info["world_size"] == 1 and info["attempts"][0]["ended"]
    lines = journal_lines(result.folder)
    assert sorted(r["sample_id"] for r in lines) == sorted(str(i) for i in range(10))
    first = next(r for r in lines if r["sample_id"] == "0")
    assert first["raw_output"] == "w0" and first["answer"] == "w0"
    assert first["scores"]["fake-exact"]["accuracy"] == 1.0
    assert first["request_hash"] and first["template_hash"] == spec["template_hash"]


def test_same_arguments_resume_without_duplicates(tmp_path: Path, plugin_site: Path) -> None:
    data, ans = write_case(tmp_path, {str(i): f"w{i}" for i in range(10)})
    log = tmp_path / "calls.log"
    first = run(config(tmp_path, data, ans, model_args={"log": str(log)}))
    calls = log.read_text()
    second = run(config(tmp_path, data, ans, model_args={"log": str(log)}))
    assert first.folder == second.folder
    assert log.read_text() == calls, "a finished run must not call the model again"
    assert len(journal_lines(second.folder)) == 10
    info = json.loads((second.folder / "run.json").read_text())
    assert len(info["attempts"]) == 2


def test_fresh_moves_the_old_folder_aside(tmp_path: Path, plugin_site: Path) -> None:
    data, ans = write_case(tmp_path, {})
    first = run(config(tmp_path, data, ans))
    run(config(tmp_path, data, ans, fresh=True))
    backups = [p for p in first.folder.parent.iterdir() if ".old-" in p.name]
    assert len(backups) == 1 and (backups[0] / "scores.json").exists()
    assert len(journal_lines(first.folder)) == 10


def test_failures_are_recorded_not_scored(tmp_path: Path, plugin_site: Path) -> None:
    answers = {str(i): f"w{i}" for i in range(10)}
    answers["2"] = "!raise"
    answers["5"] = "!error"
    data, ans = write_case(tmp_path, answers)
    result = run(config(tmp_path, data, ans))
    entry = result.scores["tasks"]["fakewords"] if result.scores else {}
    assert entry["failed"] == 2 and entry["scored"] == 8
    assert entry["protocols"]["fake-exact"]["accuracy"] == 1.0
    assert any("scripted failure" in e for e in entry["errors"])
    records = {r.sample_id: r for r in read_task_journals(result.folder / "fakewords")}
    assert records["2"].error == "ValueError: scripted failure" and records["2"].scores == {}
    assert records["5"].error == "scripted error"
    # batch-mates of the raising sample were retried alone and succeeded
    assert records["3"].answer == "w3" and records["3"].error is None


def test_retry_failed_runs_failed_samples_again(tmp_path: Path, plugin_site: Path) -> None:
    answers = {str(i): f"w{i}" for i in range(10)}
    answers["2"] = "!error"
    data, ans = write_case(tmp_path, answers)
    result = run(config(tmp_path, data, ans))
    answers["2"] = "w2"
    ans.write_text(json.dumps(answers))
    again = run(config(tmp_path, data, ans, retry_failed=True))
    assert again.failed == 0
    lines = journal_lines(result.folder)
    assert len(lines) == 10 and len({r["sample_id"] for r in lines}) == 10


def test_out_of_memory_halves_the_batch(tmp_path: Path, plugin_site: Path) -> None:
    answers = {str(i): f"w{i}" for i in range(10)}
    answers["1"] = "!oom"
    data, ans = write_case(tmp_path, answers)
    log = tmp_path / "calls.log"
    result = run(config(tmp_path, data, ans, batch_size=4, model_args={"log": str(log)}))
    sizes = [int(x) for x in log.read_text().split()]
    assert sizes[:4] == [4, 2, 1, 1], sizes
    assert all(s <= 2 for s in sizes[1:])
    assert result.failed == 0
    records = {r.sample_id: r for r in read_task_journals(result.folder / "fakewords")}
    assert records["1"].answer == "oom-ok"


def test_torn_last_line_is_dropped_and_redone(tmp_path: Path, plugin_site: Path) -> None:
    data, ans = write_case(tmp_path, {str(i): f"w{i}" for i in range(10)})
    result = run(config(tmp_path, data, ans))
    journal = result.folder / "fakewords" / "journal.rank0.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    journal.write_text("".join(lines[:7]) + lines[7][: len(lines[7]) // 2])
    run(config(tmp_path, data, ans))
    final = journal_lines(result.folder)
    assert sorted(r["sample_id"] for r in final) == sorted(str(i) for i in range(10))


def test_rescore_applies_another_protocol_without_the_model(
    tmp_path: Path, plugin_site: Path
) -> None:
    answers = {str(i): f"the answer is w{i}" for i in range(10)}
    data, ans = write_case(tmp_path, answers)
    result = run(config(tmp_path, data, ans))
    assert result.scores and result.scores["tasks"]["fakewords"]["protocols"]["fake-exact"][
        "accuracy"] == 0.0
    ans.unlink()  # no model, no answers: rescore must not need them
    scores = rescore(result.folder, ["fake-contains"])
    assert scores["tasks"]["fakewords"]["protocols"]["fake-contains"]["accuracy"] == 1.0
    on_disk = json.loads((result.folder / "scores.json").read_text())
    assert on_disk["tasks"]["fakewords"]["protocols"]["fake-contains"]["accuracy"] == 1.0
    record = journal_lines(result.folder)[0]
    assert set(record["scores"]) == {"fake-exact", "fake-contains"}


def test_rescore_refuses_changed_data(tmp_path: Path, plugin_site: Path) -> None:
    from harmonybench.errors import DataError

    data, ans = write_case(tmp_path, {})
    result = run(config(tmp_path, data, ans))
    data.write_text(json.dumps(WORDS[:5]))
    with pytest.raises(DataError, match="changed since the run"):
        rescore(result.folder)


def _cli(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harmonybench", *args], cwd=cwd,
                          env=subprocess_env(site), capture_output=True, text=True, timeout=300)


def test_cli_run_strict_exits_1_on_failures(tmp_path: Path, plugin_site: Path) -> None:
    data, ans = write_case(tmp_path, {"4": "!error"})
    args = ["run", "--model", f"fake:{ans}", "--tasks", "fakewords", "--data",
            f"fakewords={data}", "--output", str(tmp_path / "runs")]
    ok = _cli(args, plugin_site, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "run folder:" in ok.stdout and "fakewords" in ok.stdout
    strict = _cli([*args, "--strict"], plugin_site, tmp_path)
    assert strict.returncode == 1
    assert "1 samples failed" in strict.stderr


def test_cli_run_errors_exit_2(tmp_path: Path, plugin_site: Path) -> None:
    data, ans = write_case(tmp_path, {})
    missing = _cli(["run", "--model", f"fake:{ans}", "--tasks", "fakewords"], plugin_site,
                   tmp_path)
    assert missing.returncode == 2 and "--data fakewords=PATH" in missing.stderr
    unknown = _cli(["run", "--model", "nope", "--tasks", "fakewords", "--data",
                    f"fakewords={data}"], plugin_site, tmp_path)
    assert unknown.returncode == 2 and "unknown model 'nope'" in unknown.stderr


def test_kill_9_then_resume_loses_and_duplicates_nothing(
    tmp_path: Path, plugin_site: Path
) -> None:
    answers = {str(i): f"w{i}" for i in range(10)}
    answers["6"] = "!kill"
    data, ans = write_case(tmp_path, answers)
    killfile = tmp_path / "kill.me"
    killfile.touch()
    args = ["run", "--model", f"fake:{ans}", "--tasks", "fakewords", "--data",
            f"fakewords={data}", "--output", str(tmp_path / "runs"), "--batch-size", "2",
            "--model-arg", f"killfile={killfile}"]
    killed = _cli(args, plugin_site, tmp_path)
    assert killed.returncode == -signal.SIGKILL
    folder = next((tmp_path / "runs").iterdir())
    partial = journal_lines(folder)
    assert 0 < len(partial) < 10
    resumed = _cli(args, plugin_site, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    final = journal_lines(folder)
    assert sorted(r["sample_id"] for r in final) == sorted(str(i) for i in range(10))
    assert next(r for r in final if r["sample_id"] == "6")["answer"] == "survived"


def _torchrun(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(site)
    env.update(OMP_NUM_THREADS="1", MASTER_ADDR="127.0.0.1")
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(29500 + os.getpid() % 1000),
         "-m", "harmonybench", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow
def test_torchrun_two_ranks_match_one_and_resume(tmp_path: Path, plugin_site: Path) -> None:
    pytest.importorskip("torch")
    answers = {str(i): f"w{i}" if i % 3 else "no" for i in range(10)}
    answers["7"] = "!kill"
    data, ans = write_case(tmp_path, answers)
    killfile = tmp_path / "kill.me"
    killfile.touch()
    common = ["--model", f"fake:{ans}", "--tasks", "fakewords", "--data", f"fakewords={data}",
              "--batch-size", "1", "--model-arg", f"killfile={killfile}", "--model-arg",
              "delay=0.05"]
    two = ["run", *common, "--output", str(tmp_path / "two")]
    first = _torchrun(two, plugin_site, tmp_path)
    assert first.returncode != 0, "rank 1 was scripted to be killed"
    folder = next((tmp_path / "two").iterdir())
    assert 0 < len(journal_lines(folder)) < 10
    time.sleep(1)
    second = _torchrun(two, plugin_site, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    lines = journal_lines(folder)
    assert sorted(r["sample_id"] for r in lines) == sorted(str(i) for i in range(10))
    assert {r["rank"] for r in lines} == {0, 1}
    assert {p.name for p in (folder / "fakewords").glob("journal*")} == {
        "journal.rank0.jsonl", "journal.rank1.jsonl"}
    one = _cli(["run", *common, "--output", str(tmp_path / "one")], plugin_site, tmp_path)
    assert one.returncode == 0, one.stderr
    scores_two = json.loads((folder / "scores.json").read_text())["tasks"]
    scores_one = json.loads(next((tmp_path / "one").iterdir()).joinpath(
        "scores.json").read_text())["tasks"]
    assert scores_two == scores_one
    info = json.loads((folder / "run.json").read_text())
    assert info["world_size"] == 2


def test_headline_protocol_follows_the_frame_or_the_task_arg(
    tmp_path: Path, plugin_site: Path
) -> None:
    from harmonybench.errors import HarmonyBenchError

    data, ans = write_case(tmp_path, {})
    chosen = run(RunConfig(
        model="fake", location=str(ans), output=tmp_path / "runs",
        tasks=[TaskInput("fakewords", data, options={"default_protocol": "fake-contains"})]))
    assert chosen.scores is not None
    assert chosen.scores["tasks"]["fakewords"]["default_protocol"] == "fake-contains"
    info = json.loads((chosen.folder / "run.json").read_text())
    assert info["tasks"][0]["default_protocol"] == "fake-contains"
    with pytest.raises(HarmonyBenchError, match="not a protocol of fakewords"):
        run(RunConfig(model="fake", location=str(ans), output=tmp_path / "runs",
                      tasks=[TaskInput("fakewords", data, options={"default_protocol": "x"})]))
