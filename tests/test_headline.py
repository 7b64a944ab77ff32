"""The headline (one number per task, coverage averages) and the details on a realistic board;
each model is headlined, and degrades, in its own coordinate frame."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from leaderboard_runs import GROUNDING, realistic_board

from harmonybench.board_details import detail_tables
from harmonybench.board_formats import leaderboard_json, to_csv
from harmonybench.cli.leaderboard import Format, Report, build_report, render

UNIFIED = "TextHarmony (unified, Slide-LoRA off)"
OCR = "RapidOCR (PP-OCRv4 mobile)"


@pytest.fixture
def report(tmp_path: Path) -> Report:
    return build_report([], realistic_board(tmp_path))


def test_each_model_is_headlined_in_its_own_frame(report: Report) -> None:
    headline = report.board.headline
    grounding = next(t for t in headline.tasks if t.task == "grounding")
    assert grounding.protocols == GROUNDING and grounding.metric == "acc@0.5"
    cells = {m: headline.cell(m, "grounding") for m in (UNIFIED, "Monkey-Chat", OCR)}
    assert {m: c.protocol for m, c in cells.items()} == dict(
        zip((UNIFIED, "Monkey-Chat", OCR), GROUNDING, strict=True))
    assert [c.value for c in cells.values()] == pytest.approx([31.0, 42.0, 80.0])
    # the other frames' variants (1.0 here) are headlined nowhere
    assert all(c.value != pytest.approx(1.0) for c in headline.cells.values())
    assert any("grounding: each model is headlined under its own" in n
               for n in report.board.notes)


def test_degradation_reads_each_model_in_its_own_frame(report: Report) -> None:
    assert report.degradation is not None
    rows = {r.task: r for r in report.degradation.rows}
    detection = rows["detection"]
    assert (detection.protocol, detection.reference) == ("detection-icdar", OCR)
    assert detection.reference_value == pytest.approx(90.0)
    assert detection.degradation == pytest.approx(100 * (90 - 52) / 90)
    assert "detection-icdar-pixel" in detection.note
    assert rows["textvqa"].degradation == pytest.approx(100 * (68.7 - 55.1) / 68.7)
    assert math.isnan(rows["chartqa"].degradation), "nothing scored: no degradation"
    assert rows["mario-eval"].lower_is_better and rows["mario-eval"].reference == "GlyphControl"


def test_coverage_averages_are_over_the_tasks_each_model_covers(report: Report) -> None:
    coverage = report.board.headline.coverage
    docowl = coverage[("DocOwl 1.5 Chat", "text")]
    assert docowl.label == "3/7 tasks"
    assert docowl.average == pytest.approx((68.7 + 82.3 + 70.2) / 3)
    unified = coverage[(UNIFIED, "text")]
    assert "chartqa" not in unified.covered and unified.label == "6/7 tasks", \
        "a task with nothing scored is not covered"
    assert unified.average == pytest.approx((55.1 + 60.2 + 44.0 + 52.0 + 31.0 + 81.0) / 6)
    glyph = coverage[("GlyphControl", "image")]
    assert glyph.label == "1/2 tasks" and glyph.average == pytest.approx(52.0)
    assert math.isnan(coverage[("GlyphControl", "text")].average)


def test_details_hold_everything_else_and_failed_only_where_non_zero(report: Report) -> None:
    board = report.board
    failed = {c.task for c in board.columns if c.kind == "failed"}
    assert failed == {"docvqa", "chartqa", "detection"}, "only where some model failed"
    assert any(c.kind == "statistic" and c.metric == "matched" for c in board.columns)
    tables = {t.task: t for t in detail_tables(board)}
    assert [t.task for t in tables.values()][:2] == ["textvqa", "docvqa"]
    textvqa = {r.metric: r for r in tables["textvqa"].rows if r.protocol == "samples"}
    assert set(textvqa) == {"n", "scored"}, "no failed row where nothing failed"
    docvqa = {r.metric: r for r in tables["docvqa"].rows if r.protocol == "samples"}
    assert [c.value for c in docvqa["failed"].cells] == [4.0, 0.0, 0.0]
    detection = tables["detection"]
    assert detection.models == (UNIFIED, "Monkey-Chat", OCR)
    by_row = {(r.protocol, r.metric): r.cells for r in detection.rows}
    assert by_row[("detection-icdar", "hmean")][0].headline
    assert not by_row[("detection-icdar", "hmean")][0].other_frame
    assert by_row[("detection-icdar", "hmean")][2].other_frame, "pixel model, 448 frame"
    assert by_row[("detection-icdar-pixel", "hmean")][2].headline
    assert by_row[("detection-icdar-pixel", "matched")][2].value == 40
    assert detection.has_other_frames and not tables["textvqa"].has_other_frames


def test_markdown_reads_headline_degradation_then_details(report: Report) -> None:
    text = render(report, Format.md)
    headline, rest = text.split("## Degradation of unified models")
    degradation, details = rest.split("## Details")
    header = next(line for line in headline.splitlines() if line.startswith("| model"))
    assert header.count("|") == 17, "model, role, 2 x (average, coverage) and 10 tasks"
    assert "| DocOwl 1.5 Chat | text-specialist | 73.7 | 3/7 tasks |" in headline
    assert "| 60.2 † |" in headline, "docvqa: 4 samples not scored"
    assert "°" not in headline and "no task in common" not in text
    assert "detection-icdar-pixel" not in header
    assert "| +42.22 |" in degradation
    assert "#### grounding" in details and "| 1.00 ° |" in details


def test_json_and_csv_expose_the_headline_and_coverage(report: Report) -> None:
    payload = leaderboard_json(report.board)
    json.dumps(payload, allow_nan=False)
    tasks = [t["task"] for t in payload["headline"]["tasks"]]
    assert len(tasks) == 10 and tasks[:2] == ["textvqa", "docvqa"]
    row = next(r for r in payload["headline"]["rows"] if r["model"] == "DocOwl 1.5 Chat")
    assert row["averages"]["text"]["coverage"] == "3/7 tasks"
    assert row["averages"]["image"]["average"] is None
    unified = next(r for r in payload["headline"]["rows"] if r["model"] == UNIFIED)
    assert unified["values"][tasks.index("chartqa")] is None
    assert unified["protocols"][tasks.index("grounding")] == "grounding-acc@0.5-box"
    rows = list(csv.reader(io.StringIO(to_csv(report.board))))
    header, docowl = rows[0], next(r for r in rows if r[0] == "DocOwl 1.5 Chat")
    assert header[2:6] == ["text-out/average [%]", "text-out/coverage",
                           "image-out/average [%]", "image-out/coverage"]
    assert float(docowl[2]) == pytest.approx((68.7 + 82.3 + 70.2) / 3)
    assert docowl[3] == "3/7" and docowl[4] == ""
