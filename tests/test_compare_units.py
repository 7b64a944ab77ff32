"""``compare`` follows each metric's declared direction and unit.

Image-out runs are written directly (:mod:`leaderboard_runs`): AnyText OCR scores journaled
per sample (identical in both runs), and FID and CLIPScore as dataset-level scores with no
per-sample values, judged by the ``delta`` rule against their thresholds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from leaderboard_runs import task_entry, write_journal, write_run
from plugin_env import subprocess_env

from harmonybench.compare import DEFAULT_THRESHOLDS, compare_runs
from harmonybench.compare_report import markdown_summary
from harmonybench.meaning import table_to_json
from harmonybench.registries import DATASET_PROTOCOLS, PROTOCOLS


def _image_run(folder: Path, fid: float, clipscore: float, *, recorded: bool = True) -> Path:
    protocols: dict[str, Any] = {
        "anytext": {"sen_acc": 0.5, "ned": 0.7, "lines": 40, "images": 40},
        "fid": {"fid": fid, "generated": 40, "reference": 40, "features": "Inception"},
        "clipscore": {"clipscore": clipscore, "images": 40, "model": "clip"},
    }
    entry = task_entry("anytext-t2i", protocols, n=40, default="anytext")
    if recorded:
        entry["metrics_info"] = {
            "anytext": table_to_json(PROTOCOLS.load("anytext").declared_metrics()),
            **{k: table_to_json(DATASET_PROTOCOLS.load(k).metrics) for k in ("fid", "clipscore")},
        }
    write_run(folder, "diffusers", {"anytext-t2i": entry})
    write_journal(folder, "anytext-t2i", {
        str(i): {"anytext": {"sen_acc": float(i % 2), "ned": 0.7, "lines": 1.0,
                             "images": 1.0, "sen_acc_sum": float(i % 2), "ned_sum": 0.7}}
        for i in range(40)})
    return folder


def _row(comparison: Any, protocol: str) -> Any:
    return next(r for r in comparison.rows if r.protocol == protocol)


@pytest.mark.parametrize("recorded", [True, False], ids=["metrics_info", "registry"])
def test_a_rising_fid_regresses_and_a_falling_one_does_not(tmp_path: Path,
                                                           recorded: bool) -> None:
    base = _image_run(tmp_path / "base", 30.0, 0.80, recorded=recorded)
    worse = _image_run(tmp_path / "worse", 35.0, 0.80, recorded=recorded)
    better = _image_run(tmp_path / "better", 25.0, 0.80, recorded=recorded)
    bad = compare_runs(base, worse, resamples=200)
    fid = _row(bad, "fid")
    assert (fid.unit, fid.higher_is_better, fid.rule) == ("fid", False, "delta")
    assert fid.regressed and fid.p_value is None and bad.exit_code == 1
    assert fid.delta == 5.0 and fid.threshold == DEFAULT_THRESHOLDS["fid"]
    assert not _row(bad, "anytext").regressed and _row(bad, "anytext").rule == "paired"
    good = compare_runs(base, better, resamples=200)
    assert not _row(good, "fid").regressed and good.exit_code == 0
    assert {r.metric for r in good.rows} == {"sen_acc", "ned", "fid", "clipscore"}, \
        "statistics (lines, images, FID image counts) are not gated"


def test_the_fid_threshold_is_per_metric(tmp_path: Path) -> None:
    base = _image_run(tmp_path / "base", 30.0, 0.80)
    cand = _image_run(tmp_path / "cand", 31.5, 0.80)
    assert compare_runs(base, cand, resamples=200).exit_code == 1, "1.5 > the default 1.0"
    assert compare_runs(base, cand, resamples=200, thresholds={"fid": 2.0}).exit_code == 0
    assert compare_runs(base, cand, resamples=200, thresholds={"fid/fid": 1.2}).exit_code == 1


def test_a_clipscore_drop_regresses_and_is_shown_in_its_own_unit(tmp_path: Path) -> None:
    base = _image_run(tmp_path / "base", 30.0, 0.80)
    cand = _image_run(tmp_path / "cand", 30.0, 0.75)
    comparison = compare_runs(base, cand, resamples=200)
    clip = _row(comparison, "clipscore")
    assert clip.regressed and clip.higher_is_better and clip.unit == "clipscore"
    summary = markdown_summary(comparison)
    line = next(x for x in summary.splitlines() if "| clipscore |" in x)
    assert "0.8000" in line and "0.7500" in line and "80.00" not in line, "not x100"
    assert "delta: worse by > 0.01 CLIPScore" in line and "REGRESSED" in line
    paired = next(x for x in summary.splitlines() if "| sen_acc |" in x)
    assert "50.00" in paired and "paired: worse by > 0 points, p < 0.05" in paired


def test_compare_json_rows_carry_direction_unit_and_verdict(
    tmp_path: Path, plugin_site: Path
) -> None:
    base = _image_run(tmp_path / "base", 30.0, 0.80)
    worse = _image_run(tmp_path / "worse", 33.0, 0.80)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "harmonybench", "compare", *args],
                              env=subprocess_env(plugin_site), capture_output=True, text=True,
                              timeout=120)

    bad = cli(str(base), str(worse), "--json", "--resamples", "200")
    assert bad.returncode == 1, bad.stderr
    rows = json.loads(bad.stdout)["rows"]
    assert all({"higher_is_better", "unit", "regressed", "rule"} <= set(r) for r in rows)
    fid = next(r for r in rows if r["metric"] == "fid")
    assert fid["regressed"] is True and fid["higher_is_better"] is False
    tolerated = cli(str(base), str(worse), "--json", "--resamples", "200",
                    "--threshold", "fid=3.5")
    assert tolerated.returncode == 0, tolerated.stdout
    wrong = cli(str(base), str(worse), "--threshold", "fid")
    assert wrong.returncode == 2 and "METRIC=NUMBER" in wrong.stderr
