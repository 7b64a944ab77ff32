"""End to end with real (tiny) transformers models on data in the official formats.

A tiny Qwen2-VL-style and a tiny LLaVA-style checkpoint are built from configs, a LoRA adapter
is attached, and ``harmonybench run`` evaluates them on TextVQA and DocVQA files written by the
tests: a full run, a run killed with SIGKILL and resumed, a 2-rank torchrun, failure recording
and ``rescore``.
"""

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
from taskdata import write_docvqa, write_textvqa

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tinymodels import build_tiny_llava, build_tiny_lora, build_tiny_qwen2_vl

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def hb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harmonybench", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    qwen = build_tiny_qwen2_vl(root / "qwen")
    llava = build_tiny_llava(root / "llava")
    lora = build_tiny_lora(qwen, root / "qwen-lora")
    return {"qwen": qwen, "llava": llava, "lora": lora}


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    textvqa = write_textvqa(tmp_path / "textvqa", 6)
    docvqa = write_docvqa(tmp_path / "docvqa", 5)
    return {"textvqa": textvqa, "docvqa": docvqa}


def records(folder: Path, task: str) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted((folder / task).glob("journal.rank*.jsonl"))
            for line in p.read_text().splitlines()]


def run_folder(output: Path) -> Path:
    folders = [p for p in output.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_full_run_with_lora_then_rescore(tmp_path: Path, models: dict[str, Path],
                                         data: dict[str, Path]) -> None:
    out = tmp_path / "runs"
    result = hb("run", "--model", f"hf-vlm:{models['qwen']}", "--model-arg",
                f"lora={models['lora']}", "--tasks", "textvqa,docvqa",
                "--data", f"textvqa={data['textvqa']}", "--data", f"docvqa={data['docvqa']}",
                "--batch-size", "4", "--output", str(out), "--model-arg", "max_new_tokens=4",
                cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    folder = run_folder(out)
    assert str(folder) in result.stdout
    scores = json.loads((folder / "scores.json").read_text())
    assert scores["tasks"]["textvqa"]["scored"] == 6
    assert scores["tasks"]["docvqa"]["scored"] == 5
    assert set(scores["tasks"]["textvqa"]["protocols"]) >= {"vqa", "vqa-official", "contains"}
    info = json.loads((folder / "run.json").read_text())
    assert "lora" in json.dumps(info["model"])
    assert info["tasks"][0]["generation"]["max_new_tokens"] == 4
    rows = records(folder, "textvqa")
    assert len(rows) == 6 and all(isinstance(r["raw_output"], str) for r in rows)
    assert all(r["template_id"] == "textvqa/default@1" for r in rows)
    again = hb("rescore", str(folder), "--protocol", "contains-monkey", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rescored = json.loads((folder / "scores.json").read_text())
    assert "contains-monkey" in rescored["tasks"]["docvqa"]["protocols"]


def test_missing_image_is_a_recorded_failure(tmp_path: Path, models: dict[str, Path],
                                             data: dict[str, Path]) -> None:
    (data["textvqa"].parent / "train_images" / "img0002.jpg").unlink()
    out = tmp_path / "runs"
    args = ["run", "--model", f"hf-vlm:{models['llava']}", "--tasks", "textvqa", "--data",
            f"textvqa={data['textvqa']}", "--output", str(out), "--model-arg",
            "max_new_tokens=3"]
    result = hb(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    entry = json.loads((run_folder(out) / "scores.json").read_text())["tasks"]["textvqa"]
    assert entry["failed"] == 1 and entry["scored"] == 5
    assert "img0002" in entry["errors"][0]
    assert "1" in result.stdout  # the failed count is printed in the table
    strict = hb(*args, "--strict", cwd=tmp_path)
    assert strict.returncode == 1


def test_sigkill_mid_run_then_resume(tmp_path: Path, models: dict[str, Path],
                                     data: dict[str, Path]) -> None:
    big = write_textvqa(tmp_path / "big", 40)
    out = tmp_path / "runs"
    args = [sys.executable, "-m", "harmonybench", "run", "--model", f"hf-vlm:{models['qwen']}",
            "--tasks", "textvqa", "--data", f"textvqa={big}", "--batch-size", "2",
            "--output", str(out), "--model-arg", "max_new_tokens=4"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    journal = None
    while time.time() < deadline:
        found = list(out.glob("*/textvqa/journal.rank0.jsonl")) if out.exists() else []
        if found and len(found[0].read_text().splitlines()) >= 4:
            journal = found[0]
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert journal is not None, "the run never journaled a batch"
    partial = len(journal.read_text().splitlines())
    assert partial < 40, "killed too late to test resume"
    resumed = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    ids = [r["sample_id"] for r in records(journal.parent.parent, "textvqa")]
    assert sorted(ids) == sorted(str(1000 + i) for i in range(40))


def test_two_ranks_give_the_scores_of_one(tmp_path: Path, models: dict[str, Path],
                                          data: dict[str, Path]) -> None:
    common = ["--model", f"hf-vlm:{models['llava']}", "--tasks", "docvqa", "--data",
              f"docvqa={data['docvqa']}", "--model-arg", "max_new_tokens=4", "--device", "cpu"]
    one = hb("run", *common, "--output", str(tmp_path / "one"), cwd=tmp_path)
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(29700 + os.getpid() % 200),
         "-m", "harmonybench", "run", *common, "--output", str(tmp_path / "two")],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    f_one, f_two = run_folder(tmp_path / "one"), run_folder(tmp_path / "two")
    rows = records(f_two, "docvqa")
    assert sorted(r["sample_id"] for r in rows) == sorted(str(1000 + i) for i in range(5))
    assert {r["rank"] for r in rows} == {0, 1}
    s_one = json.loads((f_one / "scores.json").read_text())["tasks"]
    s_two = json.loads((f_two / "scores.json").read_text())["tasks"]
    assert s_one == s_two
    by_id_one = {r["sample_id"]: r["raw_output"] for r in records(f_one, "docvqa")}
    by_id_two = {r["sample_id"]: r["raw_output"] for r in rows}
    assert by_id_one == by_id_two
