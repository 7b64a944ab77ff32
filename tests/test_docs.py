"""Every command in the user guide (``docs/*.md``) is run here, in a prepared sandbox.

**Extraction.** Every fenced ``bash`` block of every ``docs/*.md`` file is read; lines ending
in ``\\`` are joined; every line that starts with ``harmonybench``, ``python -m harmonybench`` or
``torchrun ... -m harmonybench`` is a command. A trailing ``# expect: exit N`` says the
command must exit ``N`` (otherwise 0); any other ``#`` comment is dropped.

**Sandbox** (one folder, the working directory of every command, commands run in document
order with ``bash -c`` so that globs such as ``runs/base/*`` expand):

- ``data/``: the quick demo tree of :func:`harmonybench.demo.data.generate`, laid out where
  ``docs/data.md`` says each benchmark lives (``data/textvqa``, ``data/docvqa``,
  ``data/ocrbench``, ``data/icdar2015`` = the demo's ``detection``, ``data/grounding``,
  ``data/textrec``, ``data/anytext``, ``data/anytext_edit``, ``data/mario``); the tasks the demo
  has no data for (``infovqa``, ``stvqa``, ``chartqa``, ``ocrvqa``) and the hub parquet folder
  ``data/hub/textvqa`` are written by ``tests/taskdata.py``; ``data/broken.json`` is a TextVQA
  file with a record missing its ``question``; ``data/words.json`` the word list of
  ``docs/plugins.md``; ``generated/`` folders of images named as AnyText, TextHarmony and
  MARIO-Eval tools name them (``tests/imagedirs.py``), for ``docs/running.md``.
- ``ckpt/my-vlm``: a tiny Qwen2-VL-style checkpoint (``tests/tinymodels.py``); ``ckpt/my-lora``
  a LoRA adapter on it.
- ``preds/docvqa-good.jsonl`` (the gold answers of the demo's DocVQA file) and
  ``preds/docvqa-bad.jsonl`` (wrong answers): predictions "from another tool" for the
  regression-gate example.
- ``plugin/``: the plugin package of ``docs/plugins.md``, built from that page's ``python`` and
  ``toml`` blocks and registered as pip would (a ``dist-info`` with ``entry_points.txt`` on
  ``PYTHONPATH``).
- ``bin/`` first on ``PATH``: ``harmonybench``, ``python`` and ``torchrun`` shims that call
  this interpreter (``torchrun`` is ``python -m torch.distributed.run``).
- Environment: ``HF_HUB_OFFLINE=1``, ``TRANSFORMERS_OFFLINE=1``, ``OMP_NUM_THREADS=1``.

**Substitutions** (the only changes made to a documented command; :data:`SUBSTITUTIONS`):
this machine has no GPU, so ``--device cuda`` becomes ``--device cpu``, and ``torchrun
--nproc_per_node 8`` becomes two processes on gloo (``--nproc_per_node 2`` plus a free
``--master_port``); real checkpoints that need their own released code (``textmonkey``,
``textharmony``, ``anytext``, a diffusers pipeline) are replaced by the tiny ``hf-vlm``
checkpoint (text-out; TextHarmony by the same with its LoRA) or the ``render`` adapter
(image-out), with the arguments only those adapters take dropped; every ``harmonybench run``
gets ``--limit 2`` when the docs show a full run (except the instant ``replay`` and ``null``
adapters), and ``--model-arg max_new_tokens=4`` for ``hf-vlm`` (speed). A command is never skipped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from imagedirs import write_doc_folders
from taskdata import (
    DROP,
    write_chartqa,
    write_infovqa,
    write_ocrvqa,
    write_stvqa,
    write_textvqa,
    write_textvqa_hub,
)
from tinymodels import build_tiny_llava, build_tiny_lora, build_tiny_qwen2_vl

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parent.parent / "docs"
COMMAND_START = re.compile(r"^(harmonybench|python -m harmonybench|torchrun .*-m harmonybench)\b")
EXPECT = re.compile(r"#\s*expect:\s*exit\s+(\d+)\s*$")

SUBSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    # (pattern, replacement, why)
    (r"--device cuda(:\d+)?\b", "--device cpu", "no GPU here"),
    (r"^torchrun --nproc_per_node \d+",
     "torchrun --nproc_per_node 2 --master_addr 127.0.0.1 --master_port {port}",
     "two CPU ranks on gloo instead of 8 GPUs"),
    (r"--model textmonkey:\S+( --model-arg trust_remote_code=true)?",
     "--model hf-vlm:ckpt/my-vlm",
     "TextMonkey needs its remote code and 10 GB checkpoint"),
    (r"--model textharmony:\S+( --model-arg gate=\S+)?",
     "--model hf-vlm:ckpt/my-vlm --model-arg lora=ckpt/my-lora",
     "TextHarmony needs its released code and checkpoint (with the LoRA: a model distinct "
     "from the TextMonkey stand-in, so that the leaderboard shows two rows)"),
    (r"--model (anytext|diffusers):\S+", "--model render",
     "AnyText / diffusers pipelines need their released weights"),
)
"""Regex substitutions applied to every documented command, in order, with the reason."""


@dataclass(frozen=True)
class Command:
    """One documented command."""

    doc: str
    line: int
    text: str
    expect: int


def extract(path: Path) -> Iterator[Command]:
    """The commands of the ``bash`` blocks of one markdown file."""
    in_block = False
    pending = ""
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_block = stripped == "```bash" if not in_block else False
            continue
        if not in_block:
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        line = pending + stripped
        pending = ""
        match = EXPECT.search(line)
        expect = int(match.group(1)) if match else 0
        line = re.sub(r"\s+#.*$", "", line).strip()
        line = re.sub(r"\s+", " ", line)
        if COMMAND_START.match(line):
            yield Command(path.name, start, line, expect)


def all_commands() -> list[Command]:
    """Every documented command, in the reading order of :data:`ORDER`."""
    return [c for name in ORDER for c in extract(DOCS / name)]


ORDER = ("index.md", "data.md", "running.md", "reproducing.md", "regression-gate.md",
         "plugins.md", "protocols.md")
"""The documents, in the order their commands run (later ones use earlier runs)."""


def substitute(text: str, port: int) -> str:
    """Apply :data:`SUBSTITUTIONS`, then the speed options (``--limit 2``, few new tokens)."""
    for pattern, replacement, _why in SUBSTITUTIONS:
        text = re.sub(pattern, replacement.format(port=port), text)
    words = shlex.split(text)
    model = words[words.index("--model") + 1] if "--model" in words[:-1] else ""
    instant = model.startswith(("replay:", "null"))
    if "run" in words and "--limit" not in words and model and not instant:
        text += " --limit 2"
    if "hf-vlm:" in text and "max_new_tokens" not in text:
        text += " --model-arg max_new_tokens=4"
    return text


# ----------------------------------------------------------------------------- the sandbox

def _symlink(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=target.is_dir())


def _write_plugin(root: Path) -> None:
    """Build the plugin of ``docs/plugins.md`` from its code blocks and register it."""
    text = (DOCS / "plugins.md").read_text()
    code = re.search(r"```python\n# (\S+\.py)\n(.*?)```", text, re.S)
    toml = re.search(r"```toml\n(.*?)```", text, re.S)
    assert code and toml, "docs/plugins.md needs a ```python block (first line: # FILE.py) " \
        "and a ```toml block"
    module = root / "plugin" / Path(code.group(1)).name
    module.parent.mkdir(parents=True)
    module.write_text(code.group(2))
    groups = re.findall(r'\[project\.entry-points\."(harmonybench\.\w+)"\]\n((?:[^\[\n].*\n)+)',
                        toml.group(1))
    assert {g for g, _ in groups} == {"harmonybench.tasks", "harmonybench.models",
                                      "harmonybench.protocols"}
    lines = []
    for group, body in groups:
        lines.append(f"[{group}]")
        lines += [re.sub(r'\s*=\s*"(.*)"', r" = \1", e) for e in body.strip().splitlines()]
    info = module.parent / "harmonybench_shout-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: harmonybench-shout\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def _write_shims(bin_dir: Path) -> None:
    bin_dir.mkdir()
    shims = {"harmonybench": f'exec "{sys.executable}" -m harmonybench "$@"',
             "python": f'exec "{sys.executable}" "$@"',
             "torchrun": f'exec "{sys.executable}" -m torch.distributed.run "$@"'}
    for name, body in shims.items():
        shim = bin_dir / name
        shim.write_text(f"#!/bin/sh\n{body}\n")
        shim.chmod(0o755)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from harmonybench.demo.data import generate

    root = tmp_path_factory.mktemp("docs")
    demo = generate(root / "demo", quick=True)
    data = root / "data"
    for name, folder in (("textvqa", "textvqa"), ("docvqa", "docvqa"), ("ocrbench", "ocrbench"),
                         ("icdar2015", "detection"), ("grounding", "grounding"),
                         ("textrec", "textrec"), ("anytext", "anytext"),
                         ("anytext_edit", "anytext_edit"), ("mario", "mario")):
        _symlink(data / name, demo.root / folder)
    write_infovqa(data / "infovqa", 3)
    write_stvqa(data / "stvqa", 3)
    write_chartqa(data / "chartqa", 3)
    write_ocrvqa(data / "ocrvqa", 3)
    write_textvqa_hub(data / "hub" / "textvqa", 3)
    write_textvqa(root / "broken", [{}, {"question": DROP}], images=False)
    (root / "broken" / "TextVQA_0.5.1_val.json").rename(data / "broken.json")

    qwen = build_tiny_qwen2_vl(root / "ckpt" / "my-vlm")
    build_tiny_lora(qwen, root / "ckpt" / "my-lora")

    docvqa = json.loads((data / "docvqa" / "val_v1.0.json").read_text())["data"]
    preds = root / "preds"
    preds.mkdir()
    (preds / "docvqa-good.jsonl").write_text("".join(
        json.dumps({"questionId": q["questionId"], "answer": q["answers"][0]}) + "\n"
        for q in docvqa))
    (preds / "docvqa-bad.jsonl").write_text("".join(
        json.dumps({"questionId": q["questionId"], "answer": "no idea"}) + "\n"
        for q in docvqa))
    (data / "words.json").write_text(json.dumps(
        [{"q": "Say apple", "a": "apple"}, {"q": "Say pear", "a": "plum"}]))
    write_doc_folders(root)  # images generated elsewhere (docs/running.md)
    _write_plugin(root)
    _write_shims(root / "bin")
    return root


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               PATH=f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(
                   p for p in (str(root / "plugin"), env.get("PYTHONPATH", "")) if p))
    env.pop("COLUMNS", None)
    return env


# ----------------------------------------------------------------------------- the tests

def test_docs_have_commands_and_every_one_runs(sandbox: Path) -> None:
    commands = all_commands()
    assert {c.doc for c in commands} >= {"data.md", "running.md", "reproducing.md",
                                         "regression-gate.md", "plugins.md", "protocols.md"}
    port = 29500 + os.getpid() % 300
    failures = []
    for command in commands:
        text = substitute(command.text, port)
        result = subprocess.run(["bash", "-c", text], cwd=sandbox, env=_env(sandbox),
                                capture_output=True, text=True, timeout=300)
        if result.returncode != command.expect:
            failures.append(f"{command.doc}:{command.line}: exit {result.returncode}, expected "
                            f"{command.expect}\n  $ {text}\n{result.stderr[-1500:]}")
            break
    assert not failures, "\n".join(failures)


def test_extraction_reads_continuations_and_expectations(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("```bash\nharmonybench list tasks   # a note\nls\n"
                   "harmonybench compare a \\\n    b  # expect: exit 1\n```\n"
                   "```\nharmonybench not-bash\n```\n")
    got = [(c.text, c.expect, c.line) for c in extract(doc)]
    assert got == [("harmonybench list tasks", 0, 2), ("harmonybench compare a b", 1, 4)]


def test_substitutions_are_applied() -> None:
    text = ("torchrun --nproc_per_node 8 -m harmonybench run --model textmonkey:/w/TextMonkey "
            "--model-arg trust_remote_code=true --tasks textvqa --device cuda")
    assert substitute(text, 29501) == (
        "torchrun --nproc_per_node 2 --master_addr 127.0.0.1 --master_port 29501 -m "
        "harmonybench run --model hf-vlm:ckpt/my-vlm --tasks textvqa --device cpu --limit 2 "
        "--model-arg max_new_tokens=4")


# ----------------------------------------------------------------------------- protocols.md

def _listed_protocols() -> tuple[list[str], list[str]]:
    """The names ``harmonybench list protocols`` prints: per-sample, then dataset-level."""
    listed = subprocess.run([sys.executable, "-m", "harmonybench", "list", "protocols"],
                            capture_output=True, text=True, check=True).stdout
    lines = [line for line in listed.splitlines() if line.strip()]
    dataset = [line.split()[0] for line in lines if "[dataset-level; " in line]
    return [line.split()[0] for line in lines if line.split()[0] not in dataset], dataset


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def protocols_table() -> str:
    """The protocol table of ``docs/protocols.md``, generated from the registries."""
    from harmonybench.registries import PROTOCOLS, TASKS

    names, _ = _listed_protocols()
    tasks = {t: TASKS.load(t) for t in TASKS.names()}
    rows = ["| protocol | metric | tasks | what it is | reference |", "|---|---|---|---|---|"]
    for name in names:
        cls = PROTOCOLS.load(name)
        used = ", ".join(f"{t} (default)" if task.default_protocol == name else t
                         for t, task in tasks.items() if name in task.protocols)
        rows.append(_row([f"`{name}`", f"`{cls.metric}`", used or "–", str(cls.summary),
                          str(cls.reference)]))
    return "\n".join(rows) + "\n"


def dataset_protocols_table() -> str:
    """The dataset-level protocol table of ``docs/protocols.md``, from the registries."""
    from harmonybench.registries import DATASET_PROTOCOLS, TASKS

    _, names = _listed_protocols()
    tasks = {t: TASKS.load(t) for t in TASKS.names()}
    rows = ["| protocol | numbers (unit, direction) | tasks | what it is | reference |",
            "|---|---|---|---|---|"]
    for name in names:
        cls = DATASET_PROTOCOLS.load(name)
        numbers = ", ".join(
            f"`{metric}` ({info.unit})" if info.statistic else
            f"`{metric}` ({info.unit}, {'higher' if info.higher_is_better else 'lower'} "
            f"is better{', main' if info.main else ''})"
            for metric, info in cls.metrics.items())
        used = ", ".join(t for t, task in tasks.items()
                         if cls.applies_to(t, task.dataset_protocols))
        rows.append(_row([f"`{name}`", numbers, used or "–", str(cls.summary),
                          str(cls.reference)]))
    return "\n".join(rows) + "\n"


def test_protocols_doc_lists_every_registered_protocol() -> None:
    from harmonybench.registries import DATASET_PROTOCOLS, PROTOCOLS

    text = (DOCS / "protocols.md").read_text()
    for table in (protocols_table(), dataset_protocols_table()):
        assert table in text, "docs/protocols.md is stale: regenerate its tables with " \
            "`python tests/test_docs.py` (see main below)"
    for name in [*PROTOCOLS.names(), *DATASET_PROTOCOLS.names()]:
        assert f"| `{name}` |" in text, name


if __name__ == "__main__":
    print(protocols_table())
    print(dataset_protocols_table(), end="")


# ----------------------------------------------------------------------------- real-files.md

def test_real_files_doc_runs_against_shared_real(tmp_path: Path) -> None:
    """``docs/real-files.md`` (not in :data:`ORDER`: it needs ``../shared/real``) runs in its
    own sandbox: ``real/`` links there, ``data/textvqa-val`` holds TextVQA val rebuilt from the
    2023 study's ``textVQA.json``, and the page's ``yaml`` block is its spec file."""
    from realdata import REAL, real, textvqa_gt_from_2023

    page = DOCS / "real-files.md"
    _symlink(tmp_path / "real", real(REAL))
    textvqa_gt_from_2023(tmp_path / "data" / "textvqa-val" / "TextVQA_0.5.1_val.json")
    spec = re.search(r"```yaml\n# (\S+)\n(.*?)```", page.read_text(), re.S)
    assert spec, "docs/real-files.md needs a ```yaml block whose first line is # FILE"
    (tmp_path / spec.group(1)).write_text(spec.group(2))
    _write_shims(tmp_path / "bin")
    commands = list(extract(page))
    assert commands
    for command in commands:
        result = subprocess.run(["bash", "-c", command.text], cwd=tmp_path, env=_env(tmp_path),
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == command.expect, (
            f"{command.doc}:{command.line}: exit {result.returncode}\n  $ {command.text}\n"
            f"{result.stderr[-1500:]}")
    board = (tmp_path / "real-board.md").read_text()
    compared = [line for line in board.splitlines() if "| MultimodalOCR 2023 |" in line
                or "| LLaVA-1.5 |" in line]
    assert len(compared) == 33, board  # 32 rows of the 2023 study and LLaVA-1.5-13B's one
    assert all("| yes |" in line for line in compared), board


# ----------------------------------------------------------------------------- serving.md

SERVING_SUBSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    (r"--model openai:\S+", "--model openai:{model}",
     "a tiny LLaVA served here stands in for every served or hosted model"),
    (r"base_url=\S+", "base_url={base_url}", "that server's address (no network here)"),
)
"""Substitutions applied to ``docs/serving.md``'s commands, with the reason."""


def test_serving_doc_runs_against_a_local_server(tmp_path: Path) -> None:
    """``docs/serving.md`` (not in :data:`ORDER`: it needs a server) runs in its own sandbox
    against ``transformers serve`` on a tiny LLaVA (``tests/openai_serve.py``), with a
    placeholder ``OPENAI_API_KEY`` for the hosted-API command."""
    from openai_serve import ServedModel

    page = DOCS / "serving.md"
    write_textvqa(tmp_path / "data" / "textvqa", 3)
    _write_shims(tmp_path / "bin")
    commands = list(extract(page))
    assert len(commands) >= 3
    server = ServedModel(build_tiny_llava(tmp_path / "ckpt" / "llava"),
                         log=tmp_path / "serve.log")
    env = {**_env(tmp_path), "OPENAI_API_KEY": "sk-docs-placeholder"}
    server.start()
    try:
        for command in commands:
            text = command.text
            for pattern, replacement, _why in SERVING_SUBSTITUTIONS:
                text = re.sub(pattern, replacement.format(model=server.model,
                                                          base_url=server.base_url), text)
            result = subprocess.run(["bash", "-c", text], cwd=tmp_path, env=env,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == command.expect, (
                f"{command.doc}:{command.line}: exit {result.returncode}\n  $ {text}\n"
                f"{result.stderr[-1500:]}")
    finally:
        server.stop()
    for name in ("served", "hosted"):
        scores = json.loads(next((tmp_path / "runs" / name).glob("*/scores.json")).read_text())
        assert scores["tasks"]["textvqa"]["usage"]["samples"] == 3
