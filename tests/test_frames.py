"""Coordinate frames: protocols of another frame than the model's are not headlined in run
summaries or in ``compare`` (they stay in ``scores.json`` and in the details)."""

from __future__ import annotations

from pathlib import Path

from leaderboard_runs import GROUNDING, task_entry, write_journal, write_run

from harmonybench.compare import compare_runs
from harmonybench.compare_report import markdown_summary
from harmonybench.frames import FrameLookup
from harmonybench.summary import scores_table


def test_protocol_frames_come_from_the_registered_protocols() -> None:
    frames = FrameLookup()
    assert frames.frame("grounding-acc@0.5-box-1000") == "norm1000"
    assert frames.frame("detection-icdar") == "th448"
    assert frames.frame("vqa") is None, "no coordinates, no frame"
    assert frames.other_frame("detection-icdar", "detection-icdar-pixel")
    assert frames.other_frame("grounding-acc@0.5-poly-999", "grounding-acc@0.5-box-1000")
    assert not frames.other_frame("grounding-acc@0.5-poly", "grounding-acc@0.5-box"), \
        "box and polygon comparisons of one frame"
    assert not frames.other_frame("grounding-acc@0.5-box", "ocrbench-v2-iou")
    assert not frames.other_frame("no-such-protocol", "detection-icdar")


def test_the_run_summary_leaves_out_other_frames() -> None:
    scores = {"tasks": {"grounding": task_entry("grounding", {
        p: {"acc@0.5": 0.5, "unparseable": 0} for p in (*GROUNDING, "grounding-acc@0.5-poly-1000")
    }, default="grounding-acc@0.5-box-1000")}}
    table = scores_table(scores, "run")
    protocols = list(table.columns[1].cells)
    assert protocols[0] == "grounding-acc@0.5-box-1000", "the headline protocol first"
    assert set(protocols) == {"grounding-acc@0.5-box-1000", "grounding-acc@0.5-poly-1000"}
    assert table.caption is not None and table.caption.startswith("2 protocol(s)")


def _grounding_run(folder: Path, pixel: float) -> Path:
    """A 0-1000-frame model's grounding run: 30 samples, all right in its frame; ``pixel``
    of them right when (wrongly) read in pixels."""
    per = {str(i): {GROUNDING[0]: {"acc@0.5": 0.0}, GROUNDING[1]: {"acc@0.5": 1.0},
                    GROUNDING[2]: {"acc@0.5": 1.0 if i < pixel else 0.0}} for i in range(30)}
    write_run(folder, "monkey", {"grounding": task_entry("grounding", {
        GROUNDING[0]: {"acc@0.5": 0.0}, GROUNDING[1]: {"acc@0.5": 1.0},
        GROUNDING[2]: {"acc@0.5": pixel / 30}}, default=GROUNDING[1], n=30)})
    write_journal(folder, "grounding", per)
    return folder


def test_compare_headlines_the_models_frame_only(tmp_path: Path) -> None:
    base = _grounding_run(tmp_path / "base", pixel=30)
    cand = _grounding_run(tmp_path / "cand", pixel=0)
    comparison = compare_runs(base, cand, resamples=500)
    rows = {r.protocol: r for r in comparison.rows}
    assert rows[GROUNDING[1]].headline and not rows[GROUNDING[1]].regressed
    assert not rows[GROUNDING[2]].headline and rows[GROUNDING[2]].regressed
    assert not rows[GROUNDING[0]].headline
    assert comparison.exit_code == 1, "every row still counts for the verdict"
    summary = markdown_summary(comparison)
    head, details = summary.split("<details>")
    assert f"| grounding | {GROUNDING[1]} |" in head
    assert f"| {GROUNDING[2]} |" not in head and f"| {GROUNDING[0]} |" not in head
    assert "2 row(s) of protocols for another coordinate frame" in details
    assert "1 regressed" in details and f"| grounding | {GROUNDING[2]} |" in details
