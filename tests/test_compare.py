"""Paired statistics on synthetic data with known effects, and the compare gate on real runs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from plugin_env import subprocess_env

from harmonybench.compare import compare_runs
from harmonybench.compare_report import markdown_summary
from harmonybench.errors import HarmonyBenchError
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.stats import (
    mcnemar_exact,
    paired_bootstrap_ci,
    paired_permutation,
    paired_test,
)


def test_mcnemar_exact_matches_the_binomial_tail() -> None:
    # 10 discordant pairs split 8/2: two-sided p = 2 * P(X <= 2 | n=10, p=.5) = 2 * 56/1024
    base = np.array([1.0] * 8 + [0.0] * 2 + [1.0] * 5)
    cand = np.array([0.0] * 8 + [1.0] * 2 + [1.0] * 5)
    assert mcnemar_exact(base, cand) == pytest.approx(2 * 56 / 1024)
    assert mcnemar_exact(base, base) == 1.0
    # a 5/5 split is capped at 1
    assert mcnemar_exact(np.array([1.0] * 5 + [0.0] * 5),
                         np.array([0.0] * 5 + [1.0] * 5)) == 1.0


def test_bootstrap_interval_covers_the_mean_difference() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(500)
    cand = base - 0.1 + rng.normal(0, 0.05, 500)
    low, high = paired_bootstrap_ci(base, cand, resamples=2000, seed=3)
    diff = float(np.mean(cand - base))
    assert low < diff < high
    assert high < 0 and high - low < 0.03
    assert paired_bootstrap_ci(base, cand, resamples=2000, seed=3) == (low, high), "seeded"


def test_permutation_p_value_is_small_for_a_shift_and_one_for_none() -> None:
    rng = np.random.default_rng(2)
    base = rng.random(200)
    assert paired_permutation(base, base) == 1.0
    assert paired_permutation(base, base - 0.05, resamples=2000) < 0.01


@pytest.mark.parametrize("binary", [True, False])
def test_a_a_comparisons_flag_at_about_alpha(binary: bool) -> None:
    """Under the null (both runs from the same distribution) p < 0.05 about 5% of the time."""
    rng = np.random.default_rng(7)
    trials, hits = 300, 0
    for t in range(trials):
        n = 150
        if binary:
            p = rng.uniform(0.3, 0.7, n)
            base = (rng.random(n) < p).astype(float)
            cand = (rng.random(n) < p).astype(float)
        else:
            mu = rng.random(n)
            base = np.clip(mu + rng.normal(0, 0.2, n), 0, 1)
            cand = np.clip(mu + rng.normal(0, 0.2, n), 0, 1)
        hits += paired_test(base, cand, resamples=400, seed=t).p_value < 0.05
    rate = hits / trials
    # McNemar's exact test is conservative; the permutation test is near-exact.
    assert 0.0 <= rate <= 0.09, rate
    if not binary:
        assert rate >= 0.02, rate


def test_a_planted_drop_is_found() -> None:
    rng = np.random.default_rng(11)
    n = 400
    p = rng.uniform(0.4, 0.9, n)
    base = (rng.random(n) < p).astype(float)
    cand = base.copy()
    flip = rng.choice(np.flatnonzero(base == 1), size=40, replace=False)
    cand[flip] = 0.0
    test = paired_test(base, cand, resamples=2000, seed=0)
    assert test.test == "mcnemar-exact"
    assert test.p_value < 1e-6
    assert test.ci_high < 0 and math.isclose(test.candidate_mean - test.base_mean, -0.1)


# -- the gate on real run folders (the test plugin's adapter and task) --------------------

WORDS = [{"q": f"word {i}?", "a": f"w{i}"} for i in range(60)]


def _run(tmp_path: Path, name: str, answers: dict[str, str], data: Path) -> Path:
    ans = tmp_path / f"{name}.json"
    ans.write_text(json.dumps(answers))
    result = run(RunConfig(model="fake", location=str(ans), tasks=[TaskInput("fakewords", data)],
                           output=tmp_path / name))
    return result.folder


@pytest.fixture
def runs(tmp_path: Path, plugin_site: Path) -> tuple[Path, Path, Path]:
    data = tmp_path / "words.json"
    data.write_text(json.dumps(WORDS))
    good = {str(i): f"w{i}" for i in range(60)}
    worse = dict(good)
    for i in range(0, 30):
        worse[str(i)] = "nope"
    same = dict(good)
    same["59"] = "nope"
    return (_run(tmp_path, "base", good, data), _run(tmp_path, "worse", worse, data),
            _run(tmp_path, "same", same, data))


def test_compare_flags_the_regression_and_lists_flipped_samples(
    runs: tuple[Path, Path, Path]
) -> None:
    base, worse, _ = runs
    comparison = compare_runs(base, worse, resamples=1000)
    row = next(r for r in comparison.rows if r.protocol == "fake-exact")
    assert row.base == 1.0 and row.candidate == 0.5 and row.delta == -0.5
    assert row.regressed and comparison.exit_code == 1
    assert sorted(row.worse, key=int) == [str(i) for i in range(30)]
    assert row.test == "mcnemar-exact" and row.n_paired == 60
    summary = markdown_summary(comparison)
    assert "REGRESSED" in summary and "regression(s)" in summary


def test_compare_tolerates_noise_and_max_drop(runs: tuple[Path, Path, Path]) -> None:
    base, worse, same = runs
    assert compare_runs(base, same, resamples=1000).exit_code == 0, "1 flip is noise"
    assert compare_runs(base, worse, max_drop=60, resamples=1000).exit_code == 0


def test_compare_cli_exit_codes(runs: tuple[Path, Path, Path], plugin_site: Path,
                                tmp_path: Path) -> None:
    base, worse, same = runs

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "harmonybench", "compare", *args],
                              env=subprocess_env(plugin_site), capture_output=True, text=True,
                              timeout=120)

    bad = cli(str(base), str(worse), "--json", "--resamples", "500")
    assert bad.returncode == 1
    payload = json.loads(bad.stdout)
    assert payload["regressions"] >= 1 and payload["exit_code"] == 1
    md = tmp_path / "summary.md"
    ok = cli(str(base), str(same), "--resamples", "500", "--markdown", str(md))
    assert ok.returncode == 0 and "No regression" in md.read_text()
    missing = cli(str(base), str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "not a run folder" in missing.stderr


def test_compare_refuses_different_data_unless_forced(
    tmp_path: Path, plugin_site: Path, runs: tuple[Path, Path, Path]
) -> None:
    base, _, _ = runs
    other = tmp_path / "other.json"
    other.write_text(json.dumps([*WORDS[:59], {"q": "changed", "a": "x"}]))
    changed = _run(tmp_path, "changed", {}, other)
    with pytest.raises(HarmonyBenchError, match="different data files"):
        compare_runs(base, changed, resamples=200)
    forced = compare_runs(base, changed, resamples=200, force=True)
    assert any("forced" in w for w in forced.warnings)


def test_a_metric_samples_do_not_carry_gets_no_test_of_another_metric(tmp_path: Path) -> None:
    """``mean_iou`` is reduced from per-sample ``iou``: compare must not borrow the paired
    test of ``acc@0.5`` (the first per-sample metric) for it."""
    from leaderboard_runs import task_entry, write_journal, write_run

    protocol = "grounding-acc@0.5-box-pixel"
    folders = []
    for name, hits in (("base", [1.0] * 20), ("cand", [1.0] * 10 + [0.0] * 10)):
        folder = write_run(tmp_path / name, "x", {"grounding": task_entry(
            "grounding", {protocol: {"acc@0.5": sum(hits) / 20,
                                     "mean_iou": 0.7 if name == "base" else 0.4}},
            default=protocol, n=20)})
        write_journal(folder, "grounding", {
            f"s{i}": {protocol: {"acc@0.5": h, "iou": 0.7 * h}} for i, h in enumerate(hits)})
        folders.append(folder)
    comparison = compare_runs(*folders, resamples=500)
    rows = {r.metric: r for r in comparison.rows}
    assert rows["acc@0.5"].test == "mcnemar-exact" and rows["acc@0.5"].regressed
    iou = rows["mean_iou"]
    assert iou.rule == "shown" and iou.n_paired == 0 and iou.p_value is None
    assert not iou.regressed and iou.delta == pytest.approx(-0.3)
    summary = markdown_summary(comparison)
    line = next(ln for ln in summary.splitlines() if "| mean_iou |" in ln)
    assert "| – | – |" in line and "shown: no per-sample values, not gated" in line
    as_json = json.loads(json.dumps(comparison.to_json(), allow_nan=False))
    assert next(r for r in as_json["rows"] if r["metric"] == "mean_iou")["p_value"] is None
