"""The leaderboard shows TextVQA's prompt setting beside every TextVQA score and says so when a
board mixes the ``question`` and ``ocr-tokens`` settings."""

from __future__ import annotations

import json
from pathlib import Path

from leaderboard_runs import task_entry, write_run

from harmonybench.board_formats import leaderboard_json, to_csv, to_latex, to_markdown
from harmonybench.html import render_page
from harmonybench.leaderboard import build_leaderboard, models_from_runs


def _run(folder: Path, adapter: str, value: float, setting: str | None) -> Path:
    write_run(folder, adapter, {"textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": value}}),
                                "docvqa": task_entry("docvqa", {"anls": {"anls": 0.5}})})
    run_json = folder / "run.json"
    info = json.loads(run_json.read_text())
    if setting is not None:
        info["tasks"][0]["prompt_setting"] = setting
    run_json.write_text(json.dumps(info))
    return folder


def test_one_setting_labels_the_column(tmp_path: Path) -> None:
    runs = [_run(tmp_path / "a", "llava", 0.61, "ocr-tokens"),
            _run(tmp_path / "b", "monkey", 0.55, "ocr-tokens")]
    board = build_leaderboard(models_from_runs(runs))
    textvqa = next(t for t in board.headline.tasks if t.task == "textvqa")
    docvqa = next(t for t in board.headline.tasks if t.task == "docvqa")
    assert textvqa.label == "textvqa [ocr-tokens]" and textvqa.settings == ("ocr-tokens",)
    assert docvqa.label == "docvqa"
    assert not any("prompt setting" in n for n in board.notes)
    text = to_markdown(board)
    assert "textvqa [ocr-tokens] (%)" in text and "#### textvqa [ocr-tokens]" in text
    assert "text-out/textvqa [ocr-tokens]/vqa/vqa_accuracy" in to_csv(board)
    assert "textvqa [ocr-tokens]" in to_latex(board)
    assert "textvqa [ocr-tokens]" in render_page(board)
    payload = leaderboard_json(board)
    assert payload["headline"]["tasks"][0]["prompt_settings"] == ["ocr-tokens"]


def test_mixed_settings_are_flagged(tmp_path: Path) -> None:
    runs = [_run(tmp_path / "a", "llava", 0.61, "ocr-tokens"),
            _run(tmp_path / "b", "monkey", 0.55, "question"),
            _run(tmp_path / "c", "old", 0.40, None)]
    board = build_leaderboard(models_from_runs(runs))
    textvqa = next(t for t in board.headline.tasks if t.task == "textvqa")
    assert textvqa.label == "textvqa [ocr-tokens/question/not recorded]"
    note = next(n for n in board.notes if n.startswith("textvqa:"))
    assert "llava: ocr-tokens" in note and "monkey: question" in note
    assert "old: not recorded" in note and "not comparable" in note
    assert note in to_markdown(board)


def test_tasks_without_settings_are_unlabelled(tmp_path: Path) -> None:
    runs = [_run(tmp_path / "a", "x", 0.6, None), _run(tmp_path / "b", "y", 0.5, None)]
    board = build_leaderboard(models_from_runs(runs))
    assert [t.label for t in board.headline.tasks] == ["textvqa", "docvqa"]
    assert not any("prompt setting" in n for n in board.notes)
