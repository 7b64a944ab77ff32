"""The grounding frame guard and point answers (issue 12, deliverable 8).

Qwen-style 0-999 answers read in the 448 frame (the ``grounding`` task's default) score 0
silently unless the guard names the protocol that fits; ``<point>`` answers are points, scored
by containment (harmonybench's rule, :mod:`harmonybench.metrics.grounding_guard`), never
invalid polygons.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.metrics.grounding import (
    GROUNDING_PROTOCOLS,
    GroundingBox448,
    GroundingBox999,
    GroundingBoxPixel,
    GroundingPoly448,
    GroundingPolyPixel,
)
from harmonybench.metrics.grounding_guard import frame_warning, protocol_for
from harmonybench.registries import get_task
from harmonybench.schema import Record, Sample
from harmonybench.summary import summarize_task

W, H = 1000, 800


def sample(box: list[float], sid: str = "0", width: float = W, height: float = H) -> Sample:
    return Sample(id=sid, task="grounding", question='Where is "EXIT"?',
                  target={"box": box}, metadata={"width": width, "height": height})


def qwen_answer(box: list[float], width: float = W, height: float = H) -> str:
    """A Qwen-VL answer: the box in the 0-999 frame, as ``<box>(x1,y1),(x2,y2)</box>``."""
    x1, y1, x2, y2 = (round(v / s * 999) for v, s in zip(box, (width, height) * 2,
                                                           strict=True))
    return f"<ref>EXIT</ref><box>({x1},{y1}),({x2},{y2})</box>"


BOXES = [[500.0 + 40 * i, 420.0, 600.0 + 40 * i, 500.0] for i in range(4)]


def qwen_run() -> tuple[list[str], list[Sample]]:
    samples = [sample(b, sid=str(i)) for i, b in enumerate(BOXES)]
    return [qwen_answer(b) for b in BOXES], samples


def test_every_protocol_name_follows_its_frame_and_mode() -> None:
    for cls in GROUNDING_PROTOCOLS:
        assert protocol_for(cls.frame, cls.mode) == cls.name


def test_qwen_answers_in_the_448_frame_get_a_warning_naming_the_999_protocol() -> None:
    answers, samples = qwen_run()
    for cls, suggested in ((GroundingBox448, "grounding-acc@0.5-box-999"),
                           (GroundingPoly448, "grounding-acc@0.5-poly-999")):
        protocol = cls()
        reduced = protocol.reduce(protocol.evaluate_many(answers, samples), samples)
        assert reduced["acc@0.5"] == 0.0 and reduced["out_of_frame"] == 4
        assert f"--protocol {suggested}" in reduced["warning"]
        assert "4 of 4 answers" in reduced["warning"] and "th448" in reduced["warning"]
    right = GroundingBox999()
    reduced = right.reduce(right.evaluate_many(answers, samples), samples)
    assert reduced["acc@0.5"] == 1.0 and reduced["out_of_frame"] == 0
    assert "warning" not in reduced


def test_a_minority_outside_the_frame_is_no_warning() -> None:
    samples = [sample([10, 10, 50, 50], sid=str(i)) for i in range(4)]
    answers = ["[[10, 10], [50, 10], [50, 50], [10, 50]]"] * 2 + ["[[500, 10], [900, 50]]"]
    answers += ["no idea"]  # unparseable answers are not counted either way
    protocol = GroundingBox448()
    reduced = protocol.reduce(protocol.evaluate_many(answers, samples), samples)
    assert reduced["out_of_frame"] == 1 and "warning" not in reduced


def test_the_guard_names_the_smallest_frame_that_holds_most_answers() -> None:
    samples = [sample([0, 0, 1, 1], sid=str(i), width=4000, height=3000) for i in range(3)]
    parsed = [True, True, True]
    # pixel answers on a 4000-px image: above 1000, within the image
    outside, warning = frame_warning("norm1000", "box", [3500.0, 2200.0, 1800.0], parsed,
                                     samples)
    assert outside == 3 and warning is not None
    assert warning.endswith("--protocol grounding-acc@0.5-box-pixel")
    # normalised [0, 1] answers never leave a larger frame: nothing to say
    assert frame_warning("th448", "box", [0.4, 0.9, 1.0], parsed, samples) == (0, None)
    # [0, 1] is the smallest frame: 448-px answers read there point at th448
    _, warning = frame_warning("norm1", "poly", [300.0, 447.0, 12.0], parsed, samples)
    assert warning is not None and warning.endswith("--protocol grounding-acc@0.5-poly")
    assert "fit the th448 frame" in warning
    # numbers beyond every frame
    _, warning = frame_warning("th448", "box", [9000.0, 8000.0, 7000.0], parsed, samples)
    assert warning is not None and "no frame holds most of them" in warning
    # no answer with a shape: nothing checked
    assert frame_warning("th448", "box", [0.0], [False], samples[:1]) == (0, None)


def test_point_answers_are_points_scored_by_containment() -> None:
    square = sample([0, 0, 10, 10])
    for protocol in (GroundingBoxPixel(), GroundingPolyPixel()):
        inside = protocol.evaluate("<ref>EXIT</ref><point>(5,5)</point>", square)
        assert inside["acc@0.5"] == 1.0 and inside["point"] == 1.0
        assert inside["iou"] == 0.0  # a point has no area
        assert inside["invalid_polygons"] == 0.0  # and is not a broken polygon
        assert protocol.evaluate("[[10, 10]]", square)["acc@0.5"] == 1.0  # on the border
        outside = protocol.evaluate("<point>(11,5)</point>", square)
        assert outside["acc@0.5"] == 0.0 and outside["point"] == 1.0
        assert protocol.evaluate("[0, 0, 10, 10]", square)["point"] == 0.0


def test_a_point_in_the_bounding_box_but_outside_the_polygon() -> None:
    triangle = Sample(id="t", task="grounding", question="q",
                      target={"polygon": [[0, 0], [10, 0], [0, 10]]},
                      metadata={"width": W, "height": H})
    answer = "<point>(8,8)</point>"
    assert GroundingBoxPixel().evaluate(answer, triangle)["acc@0.5"] == 1.0
    assert GroundingPolyPixel().evaluate(answer, triangle)["acc@0.5"] == 0.0
    assert GroundingPolyPixel().evaluate("<point>(2,2)</point>", triangle)["acc@0.5"] == 1.0


def test_points_are_counted_in_the_reduction() -> None:
    samples = [sample([0, 0, 10, 10], sid=str(i)) for i in range(3)]
    answers = ["<point>(5,5)</point>", "<point>(50,50)</point>", "[0, 0, 10, 10]"]
    protocol = GroundingPolyPixel()
    reduced = protocol.reduce(protocol.evaluate_many(answers, samples), samples)
    assert reduced["points"] == 2 and reduced["invalid_polygons"] == 0
    assert reduced["acc@0.5"] == pytest.approx(2 / 3)


def test_an_old_journal_without_coordinates_is_not_checked() -> None:
    answers, samples = qwen_run()
    protocol = GroundingBox448()
    values = [{k: v for k, v in row.items() if k not in ("max_coordinate", "point")}
              for row in protocol.evaluate_many(answers, samples)]
    reduced = protocol.reduce(values, samples)
    assert reduced["out_of_frame"] == 0 and reduced["points"] == 0
    assert "warning" not in reduced


def _queries(tmp_path: Path) -> tuple[Path, Path]:
    records = [{"image": "scene.png", "word": f"W{i}", "box": b, "id": i, "width": W,
                "height": H} for i, b in enumerate(BOXES)]
    data = tmp_path / "queries.json"
    data.write_text(json.dumps(records), encoding="utf-8")
    preds = tmp_path / "predictions.json"
    preds.write_text(json.dumps([{"id": i, "answer": qwen_answer(b)}
                                 for i, b in enumerate(BOXES)]), encoding="utf-8")
    return data, preds


def test_harmonybench_score_prints_the_warning(tmp_path: Path) -> None:
    data, preds = _queries(tmp_path)
    runner = CliRunner()
    result = runner.invoke(build_app(), ["score", "--task", "grounding", "--data", str(data),
                                         "--predictions", str(preds), "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    scores = payload["scores"]["grounding-acc@0.5-box"]
    assert scores["acc@0.5"] == 0.0
    assert "--protocol grounding-acc@0.5-box-999" in scores["warning"]
    assert "warning: grounding-acc@0.5-box: 4 of 4 answers" in result.stderr
    result = runner.invoke(build_app(), ["score", "--task", "grounding", "--data", str(data),
                                         "--predictions", str(preds), "--protocol",
                                         "grounding-acc@0.5-box-999"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr and "warning" not in result.stdout


def test_the_run_summary_logs_the_headline_protocols_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, _ = _queries(tmp_path)
    task = get_task("grounding")
    samples = task.load(data)
    records = [Record(run_id="r", task="grounding", sample_id=s.id, request_hash="h",
                      template_id="t", template_hash="h", raw_output=qwen_answer(b),
                      answer=qwen_answer(b))
               for s, b in zip(samples, BOXES, strict=True)]
    protocols = [GroundingBox448(), GroundingBox999()]
    with caplog.at_level(logging.WARNING, logger="harmonybench.summary"):
        entry = summarize_task(task, samples, records, protocols)
    assert "grounding-acc@0.5-box-999" in entry["protocols"]["grounding-acc@0.5-box"]["warning"]
    assert any("grounding-acc@0.5-box: 4 of 4" in m for m in caplog.messages)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harmonybench.summary"):
        # headlined in the model's own frame, the 448 variant's warning stays in scores.json
        entry = summarize_task(task, samples, records, protocols,
                               default_protocol="grounding-acc@0.5-box-999")
    assert "warning" in entry["protocols"]["grounding-acc@0.5-box"]
    assert not [m for m in caplog.messages if "answers have coordinates" in m]
