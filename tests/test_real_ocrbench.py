"""OCRBench v1's real ``OCRBench.json`` (``../shared/real``, Yuliang-Liu/MultimodalOCR
794c36d6423c): the standard category totals and the five group subtotals the official scripts
print, and the official ``predict`` style in which a record without ``predict`` scores 0 and
is counted in ``missing`` (``OCRBench/example.py`` gives it no point).

No public prediction file exists for it (``shared/real/README.md`` §3), so predictions are
written here from its own answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from realdata import OCRBENCH, real
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.metrics.ocrbench import CATEGORIES

runner = CliRunner()
GROUPS = {"Text Recognition": 300, "Scene Text-centric VQA": 200, "Doc-oriented VQA": 200,
          "Key Information Extraction": 200,
          "Handwritten Mathematical Expression Recognition": 100}
DROPPED = (0, 350, 999)
"""Positions written without ``predict`` (a recognition, a scene-VQA and an HMER record)."""


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads(real(OCRBENCH).read_text(encoding="utf-8"))
    return value


@pytest.fixture
def official(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    """The file with ``predict`` = the first answer, except at :data:`DROPPED`."""
    out = []
    for i, record in enumerate(records):
        answers = record["answers"]
        if i not in DROPPED:
            record = {**record, "predict": answers if isinstance(answers, str) else answers[0]}
        out.append(record)
    path = tmp_path / "OCRBench.json"
    path.write_text(json.dumps(out), encoding="utf-8")
    return path


def test_the_file_has_the_standard_categories(records: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    assert counts == dict(CATEGORIES)
    assert sum(isinstance(r["answers"], str) for r in records) == 851


def test_official_style_scores_missing_as_zero_with_category_and_group_totals(
    official: Path, records: list[dict[str, Any]]
) -> None:
    result = runner.invoke(build_app(), ["score", "--task", "ocrbench", "--data", str(official),
                                         "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert (got["n"], got["missing"]) == (1000, len(DROPPED))
    scores = got["scores"]["ocrbench"]
    assert scores["score"] == 1000 - len(DROPPED), "every given answer is found in itself"
    assert {k: v["total"] for k, v in scores["categories"].items()} == dict(CATEGORIES)
    assert {k: v["total"] for k, v in scores["groups"].items()} == GROUPS
    dropped = [records[i]["type"] for i in DROPPED]
    assert dropped == ["Regular Text Recognition", "Scene Text-centric VQA",
                       "Handwritten Mathematical Expression Recognition"]
    assert scores["groups"]["Text Recognition"]["correct"] == 299
    assert scores["groups"]["Scene Text-centric VQA"]["correct"] == 199
    assert scores["groups"]["Doc-oriented VQA"]["correct"] == 200
    assert sum(g["correct"] for g in scores["groups"].values()) == scores["score"]
    assert "3 of 1000 questions have no prediction" in result.stderr


def test_the_table_shows_the_group_subtotals(official: Path) -> None:
    result = runner.invoke(build_app(), ["score", "--task", "ocrbench", "--data", str(official),
                                         "--predictions", str(official)])
    assert result.exit_code == 0, result.output
    assert "299/300" in result.stdout and "99/100" in result.stdout
    assert "groups: Text Recognition" in result.stdout


def test_the_annotations_alone_carry_no_predictions() -> None:
    result = runner.invoke(build_app(), ["score", "--task", "ocrbench", "--data",
                                         str(real(OCRBENCH))])
    assert result.exit_code == 2
    assert "carries no predictions" in result.stderr and "--predictions" in result.stderr
