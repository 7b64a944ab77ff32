"""The shipped examples score what the README says, through the console script."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "harmonybench")


def readme_score_commands() -> list[tuple[list[str], str | None]]:
    """`harmonybench score` commands of the README, each with the output line it shows."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        lines = block.replace("\\\n", " ").splitlines()
        for i, line in enumerate(lines):
            if line.strip().startswith("harmonybench score"):
                expected = None
                if i + 1 < len(lines) and lines[i + 1].strip().startswith("# {"):
                    expected = lines[i + 1].strip()[2:]
                commands.append((shlex.split(line.strip()), expected))
    return commands


def test_readme_score_commands_run_and_print_what_it_shows() -> None:
    commands = readme_score_commands()
    assert len(commands) >= 2
    for argv, expected in commands:
        out = subprocess.run([EXE, *argv[1:]], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, (argv, out.stderr)
        if expected is not None:
            assert json.loads(out.stdout) == json.loads(expected)


def test_every_example_scores_its_documented_values() -> None:
    cases = {
        ("textvqa", "TextVQA_0.5.1_val.json", "predictions.jsonl"): ("vqa", "vqa_accuracy",
                                                                     0.75),
        ("docvqa", "val_v1.0.json", "predictions.json"): ("anls", "anls", 0.8439241917502788),
        ("chartqa", "test_human.json", "predictions.jsonl"): ("relaxed", "accuracy", 2 / 3),
        ("ocrbench", "OCRBench.json", "predictions.json"): ("ocrbench", "score", 3),
    }
    for (task, data, preds), (protocol, metric, value) in cases.items():
        folder = ROOT / "examples" / task
        out = subprocess.run([EXE, "score", "--task", task, "--data", str(folder / data),
                              "--predictions", str(folder / preds), "--json"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)["scores"][protocol][metric]
        assert abs(got - value) < 1e-12, (task, got)


def _commands(text: str) -> list[str]:
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = " ".join(line.split("#", 1)[0].split())
            if line.startswith(("harmonybench ", "torchrun ", "python -m harmonybench")):
                out.append(line)
    return out


def test_every_readme_command_is_run_by_a_test() -> None:
    """README commands are its score examples (run above) or the user guide's (run by
    tests/test_docs.py), verbatim."""
    guide = {c for page in (ROOT / "docs").glob("*.md") for c in _commands(page.read_text())}
    for command in _commands((ROOT / "README.md").read_text()):
        assert command.startswith("harmonybench score ") or command in guide, command
