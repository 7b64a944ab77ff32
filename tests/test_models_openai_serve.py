"""The ``openai`` adapter against a real server: ``transformers serve`` on a tiny LLaVA.

One server per test module (a free loopback port, stopped by the fixture's finalizer; the
fault test kills it and starts it again), with :class:`openai_serve.FaultProxy` between the
adapter and the server where a test injects faults or counts what was sent.

- a textvqa run end to end, whose answers equal the ``hf-vlm`` adapter's on the same
  checkpoint and prompt under greedy decoding (the server renders the processor's chat
  template from the same [image, text] user turn and decodes one request at a time, as
  ``hf-vlm`` does at batch size 1; images travel as lossless PNG);
- 429 (with ``Retry-After``), 500, a response slower than the timeout and a dropped
  connection, each retried; a request that exhausts its attempts is a journaled failure that
  ``--retry-failed`` alone sends again;
- the client killed mid-run, then the server killed mid-run and restarted: 0 samples lost,
  0 journaled twice, and no journaled sample sent again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from benchscripts import load_benchmark
from openai_serve import FaultProxy, ServedModel
from taskdata import write_textvqa
from tinymodels import build_tiny_llava

from harmonybench.runner import RunConfig, RunResult, TaskInput, run

pytestmark = pytest.mark.slow

KEY = "sk-test-not-a-real-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedModel]:
    root = tmp_path_factory.mktemp("served")
    served = ServedModel(build_tiny_llava(root / "llava"), log=root / "serve.log")
    served.start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def proxy(server: ServedModel) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(server.base_url, slow_s=7.0)
    try:
        yield fault_proxy
    finally:
        fault_proxy.close()


def textvqa(tmp_path: Path, n: int) -> TaskInput:
    data = write_textvqa(tmp_path / "data", n)
    return TaskInput("textvqa", data, data.parent / "train_images")


def run_openai(server: ServedModel, base_url: str, task: TaskInput, out: Path,
               **args: str) -> RunResult:
    return run(RunConfig(model="openai", location=server.model, tasks=[task], output=out,
                         model_args={"base_url": base_url, **args}, progress=False))


def journal_lines(folder: Path) -> list[dict[str, Any]]:
    path = folder / "textvqa" / "journal.rank0.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a kill (the next run truncates it)
            continue
    return out


def test_a_textvqa_run_end_to_end_equals_hf_vlm_on_the_same_checkpoint(
    server: ServedModel, proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    task = textvqa(tmp_path, 5)
    served = run_openai(server, proxy.base_url, task, tmp_path / "runs", concurrency="4")
    assert served.scores is not None and served.failed == 0
    entry = served.scores["tasks"]["textvqa"]
    assert entry["scored"] == 5
    records = journal_lines(served.folder)
    usage = entry["usage"]
    assert usage["samples"] == 5 and usage["requests"] == 5
    assert usage["prompt_tokens"] == sum(r["metadata"]["usage"]["prompt_tokens"] for r in records)
    assert usage["completion_tokens"] > 0 and usage["latency_s"] > 0
    assert all(r["latency_s"] > 0 and r["metadata"]["finish_reason"] for r in records)
    # the key went to the server, and nowhere into the run folder
    assert {e.authorization for e in proxy.log} == {f"Bearer {KEY}"}
    for path in served.folder.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    run_json = json.loads((served.folder / "run.json").read_text())
    assert run_json["batch_size"] == 4        # the adapter's concurrency, no --batch-size given
    assert run_json["model"]["transport"]["base_url"] == proxy.base_url

    local = run(RunConfig(model="hf-vlm", location=server.model, tasks=[task], device="cpu",
                          batch_size=1, output=tmp_path / "runs", progress=False))
    hf = {r["sample_id"]: r["raw_output"] for r in journal_lines(local.folder)}
    api = {r["sample_id"]: r["raw_output"] for r in records}
    assert api == hf
    assert {r["request_hash"] for r in records} == {
        r["request_hash"] for r in journal_lines(local.folder)}


def test_injected_429_500_slow_and_dropped_answers_are_retried(
    server: ServedModel, proxy: FaultProxy, tmp_path: Path
) -> None:
    proxy.faults = {"question 0?": ["429"], "question 1?": ["500"], "question 2?": ["slow"],
                    "question 3?": ["drop"], "question 4?": ["500", "500", "500"]}
    task = textvqa(tmp_path, 6)
    # 8 tokens keep the server's answers well inside the timeout (about 0.5 s each here, with
    # at most one other request ahead), while the slow fault takes longer than it
    first = run_openai(server, proxy.base_url, task, tmp_path / "runs", concurrency="2",
                       max_tokens="8", max_attempts="3", timeout="6", backoff="0.05")
    assert first.failed == 1
    by_id = {r["sample_id"]: r for r in journal_lines(first.folder)}
    failed = by_id["1004"]
    assert "HTTP 500" in failed["error"] and "after 3 attempts" in failed["error"]
    assert failed["metadata"]["usage"]["requests"] == 3
    assert [by_id[str(1000 + i)]["metadata"]["usage"]["requests"] for i in range(4)] == [2] * 4
    assert by_id["1005"]["metadata"]["usage"]["requests"] == 1
    assert by_id["1000"]["latency_s"] >= 1.0        # waited for Retry-After: 1
    assert by_id["1002"]["latency_s"] >= 6.0        # waited out the timeout first
    usage = first.scores["tasks"]["textvqa"]["usage"] if first.scores else {}
    assert usage["requests"] == 4 * 2 + 3 + 1 == len(proxy.log)

    proxy.log.clear()
    again = run(RunConfig(model="openai", location=server.model, tasks=[task],
                          output=tmp_path / "runs", retry_failed=True, progress=False,
                          model_args={"base_url": proxy.base_url, "concurrency": "2",
                                      "max_tokens": "8"}))
    assert again.failed == 0 and again.folder == first.folder
    assert proxy.questions() == ["question 4?"]     # only the failed sample is sent again
    lines = journal_lines(again.folder)
    assert sorted(r["sample_id"] for r in lines) == [str(1000 + i) for i in range(6)]


def _wait_for_lines(folder: Path, n: int, process: subprocess.Popen[bytes],
                    timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while len(journal_lines(folder)) < n:
        assert process.poll() is None, "the run ended before it was killed"
        assert time.monotonic() < deadline, "no journal lines in time"
        time.sleep(0.1)


def test_killed_client_then_killed_server_resume_with_nothing_lost_or_sent_twice(
    server: ServedModel, proxy: FaultProxy, tmp_path: Path
) -> None:
    n = 10
    task = textvqa(tmp_path, n)
    common = ["--model", f"openai:{server.model}", "--tasks", "textvqa",
              "--data", f"textvqa={task.data}", "--images", f"textvqa={task.images}",
              "--output", str(tmp_path / "runs"), "--batch-size", "2",
              "--model-arg", f"base_url={proxy.base_url}", "--model-arg", "concurrency=2",
              "--model-arg", "max_tokens=8"]
    # 1. the client is killed mid-run: its journal keeps whole batches only
    with (tmp_path / "client.log").open("wb") as log:
        client = subprocess.Popen([sys.executable, "-m", "harmonybench", "run", *common],
                                  stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    folder = None
    try:
        deadline = time.monotonic() + 120
        while folder is None:
            found = list((tmp_path / "runs").glob("openai-*"))
            folder = found[0] if found else None
            assert client.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        _wait_for_lines(folder, 2, client)
    finally:
        os.killpg(client.pid, signal.SIGKILL)
        client.wait(timeout=30)
    done_a = {r["sample_id"] for r in journal_lines(folder)}
    assert 2 <= len(done_a) < n

    # 2. resumed, and the server is killed after two more answers
    proxy.log.clear()
    kill_at = proxy.forwarded + 2
    proxy.after_forward = lambda count: server.kill() if count == kill_at else None
    resumed = run_openai(server, proxy.base_url, task, tmp_path / "runs", concurrency="2",
                         max_tokens="8", max_attempts="2", backoff="0.05")
    assert resumed.folder == folder
    sent_b = proxy.questions()
    assert not {f"question {int(i) - 1000}?" for i in done_a} & set(sent_b)
    failed_b = {r["sample_id"] for r in journal_lines(folder) if r["error"]}
    assert resumed.failed == len(failed_b) > 0

    # 3. the server comes back on the same port; --retry-failed sends the failures only
    proxy.after_forward = None
    server.start()
    proxy.log.clear()
    final = run(RunConfig(model="openai", location=server.model, tasks=[task],
                          output=tmp_path / "runs", retry_failed=True, progress=False,
                          model_args={"base_url": proxy.base_url, "concurrency": "2",
                                      "max_tokens": "8"}))
    assert final.failed == 0 and final.scores is not None
    assert sorted(proxy.questions()) == sorted(f"question {int(i) - 1000}?" for i in failed_b)
    lines = journal_lines(folder)
    ids = Counter(r["sample_id"] for r in lines)
    assert sorted(ids) == [str(1000 + i) for i in range(n)]        # 0 lost
    assert set(ids.values()) == {1}                                 # 0 journaled twice
    assert final.scores["tasks"]["textvqa"]["scored"] == n


def test_the_serving_benchmark_runs_small(server: ServedModel, tmp_path: Path) -> None:
    bench = load_benchmark("bench_serve")
    data, images = bench.write_data(tmp_path, 3)
    rows = [bench.openai_row(tmp_path, data, images, server.base_url, server.model, c)
            for c in (1, 3)]
    rows.append(bench.hf_row(tmp_path, data, images, server.model, 3))
    text = bench.table(rows, 3, "the test machine")
    assert "| openai | 3 | 3 |" in text and "| hf-vlm | 3 | 3 |" in text
    assert rows[0]["answers"] == rows[1]["answers"]       # greedy: concurrency changes nothing
    assert rows[0]["usage"]["requests"] == 3
