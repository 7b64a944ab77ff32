"""``harmonybench compare``: is the candidate checkpoint worse than the base, beyond noise?

For every (task, protocol, metric) the two runs share: both values (from their
``scores.json``), the delta, a paired bootstrap interval of the per-sample mean difference, a
paired test's p-value (exact McNemar for 0/1 scores, a sign-flip permutation test otherwise)
and the samples whose score flipped. Samples are paired by id and only those scored in both
runs enter the statistics (failures are counted apart). For metrics that are not per-sample
means (detection h-mean from summed matches), the interval and test are those of the
protocol's per-sample score, and the row says so.

A regression is a drop of more than ``max_drop`` percentage points with p < ``alpha``.
Runs of different data files or prompt templates are refused unless ``force``.

Headline rows: a protocol that reads coordinates in another frame than a run's model
(:mod:`harmonybench.frames`; the runs' ``default_protocol`` says which frame they headline) is
compared too, but its row has ``headline = False``: the markdown summary lists such rows
apart, collapsed, below the headline table. Every row counts for the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harmonybench.errors import HarmonyBenchError
from harmonybench.frames import FrameLookup
from harmonybench.journal import read_task_journals
from harmonybench.runfolder import RunFolder
from harmonybench.schema import Record
from harmonybench.stats import paired_test


@dataclass
class CompareRow:
    """One compared (task, protocol, metric)."""

    task: str
    protocol: str
    metric: str
    base: float
    candidate: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    n_paired: int
    per_sample_metric: str
    regressed: bool = False
    worse: list[str] = field(default_factory=list)
    better: list[str] = field(default_factory=list)
    headline: bool = True
    """False for a protocol of another coordinate frame than either run's model."""


@dataclass
class Comparison:
    """The whole comparison; :attr:`exit_code` is the gate's verdict."""

    base: str
    candidate: str
    alpha: float
    max_drop: float
    rows: list[CompareRow]
    warnings: list[str]

    @property
    def regressions(self) -> list[CompareRow]:
        """Rows that dropped by more than ``max_drop`` points with p < ``alpha``."""
        return [r for r in self.rows if r.regressed]

    @property
    def exit_code(self) -> int:
        """1 when anything regressed, else 0."""
        return 1 if self.regressions else 0

    def to_json(self) -> dict[str, Any]:
        """Everything, for ``--json``."""
        return {
            "base": self.base, "candidate": self.candidate, "alpha": self.alpha,
            "max_drop_points": self.max_drop, "regressions": len(self.regressions),
            "exit_code": self.exit_code, "warnings": self.warnings,
            "rows": [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                      for k, v in asdict(r).items()} for r in self.rows],
        }


@dataclass
class LoadedRun:
    """A run folder's ``run.json``, ``scores.json`` and records by task."""

    folder: RunFolder
    info: dict[str, Any]
    scores: dict[str, Any]
    records: dict[str, dict[str, Record]]


def load_run(path: str | Path) -> LoadedRun:
    """Read a run folder for comparison."""
    folder = RunFolder(Path(path).expanduser())
    info = folder.read_run_json()
    scores = folder.read_scores_json()
    records = {
        task: {r.sample_id: r for r in read_task_journals(folder.task_dir(task))}
        for task in scores.get("tasks", {})
    }
    return LoadedRun(folder, info, scores, records)


def _task_specs(info: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {spec["task"]: spec for spec in info.get("tasks", [])}


def check_comparable(base: LoadedRun, cand: LoadedRun, shared: list[str]) -> list[str]:
    """Reasons the runs are not comparable (different data files or prompts)."""
    problems = []
    b_specs, c_specs = _task_specs(base.info), _task_specs(cand.info)
    for task in shared:
        b, c = b_specs.get(task, {}), c_specs.get(task, {})
        if b.get("data_sha256") != c.get("data_sha256"):
            problems.append(f"{task}: the runs used different data files "
                            f"({b.get('data')} vs {c.get('data')})")
        if b.get("template_hash") != c.get("template_hash"):
            problems.append(f"{task}: the runs used different prompt templates "
                            f"({b.get('template_id')}#{b.get('template_hash')} vs "
                            f"{c.get('template_id')}#{c.get('template_hash')})")
        if b.get("limit") != c.get("limit"):
            problems.append(f"{task}: the runs used different --limit "
                            f"({b.get('limit')} vs {c.get('limit')})")
    return problems


def _per_sample(records: Mapping[str, Record], protocol: str,
                metric: str) -> tuple[dict[str, float], str]:
    """Each sample's journaled value of ``metric``; none when samples do not carry it.

    A dataset-level metric (``mean_iou`` over per-sample ``iou``, FID, ...) has no per-sample
    values under its own name: it gets no paired test (and never another metric's), so its
    row reports the delta only.
    """
    values: dict[str, float] = {}
    key = metric
    for sid, record in records.items():
        score = record.scores.get(protocol)
        if record.failed or not score or key not in score:
            continue
        values[sid] = float(score[key])
    return values, key


def compare_runs(
    base_path: str | Path,
    cand_path: str | Path,
    *,
    max_drop: float = 0.0,
    alpha: float = 0.05,
    resamples: int = 10_000,
    seed: int = 0,
    force: bool = False,
) -> Comparison:
    """Compare two run folders; raises :class:`HarmonyBenchError` when they cannot be."""
    if not 0 < alpha < 1:
        raise HarmonyBenchError(f"--alpha must be in (0, 1), got {alpha}")
    if max_drop < 0:
        raise HarmonyBenchError(f"--max-drop must be >= 0 points, got {max_drop}")
    base, cand = load_run(base_path), load_run(cand_path)
    b_tasks, c_tasks = base.scores.get("tasks", {}), cand.scores.get("tasks", {})
    shared = [t for t in b_tasks if t in c_tasks]
    if not shared:
        raise HarmonyBenchError(f"{base_path} and {cand_path} share no task")
    warnings = [f"task {t} is only in {p}" for t, p in
                [(t, base_path) for t in b_tasks if t not in c_tasks]
                + [(t, cand_path) for t in c_tasks if t not in b_tasks]]
    problems = check_comparable(base, cand, shared)
    if problems and not force:
        raise HarmonyBenchError("runs are not comparable (pass --force to compare anyway): "
                                + "; ".join(problems))
    warnings.extend(f"forced: {p}" for p in problems)
    rows: list[CompareRow] = []
    frames = FrameLookup()
    for task in shared:
        b_entry, c_entry = b_tasks[task], c_tasks[task]
        defaults = [str(e.get("default_protocol") or "") for e in (b_entry, c_entry)]
        if defaults[0] != defaults[1]:
            warnings.append(f"{task}: the runs headline different protocols ({defaults[0]} "
                            f"(base) vs {defaults[1]} (candidate))")
        for key, label in (("failed", "failed"), ("unsupported", "unsupported")):
            if b_entry.get(key, 0) != c_entry.get(key, 0):
                warnings.append(f"{task}: {label} samples {b_entry.get(key, 0)} (base) vs "
                                f"{c_entry.get(key, 0)} (candidate)")
        for protocol, b_metrics in b_entry.get("protocols", {}).items():
            c_metrics = c_entry.get("protocols", {}).get(protocol)
            if not c_metrics:
                continue
            for metric, b_value in b_metrics.items():
                c_value = c_metrics.get(metric)
                if not _is_fraction(b_value) or not _is_fraction(c_value):
                    continue
                row = _row(task, protocol, metric, float(b_value), float(c_value),
                           base, cand, max_drop, alpha, resamples, seed)
                row.headline = not any(d and frames.other_frame(protocol, d) for d in defaults)
                rows.append(row)
    return Comparison(str(base_path), str(cand_path), alpha, max_drop, rows, warnings)


NO_TEST = "none (no per-sample values)"
"""The test column of a metric that samples do not carry: a delta, no interval, no gate."""


def _is_fraction(value: Any) -> bool:
    return isinstance(value, float) and not isinstance(value, bool)


def _row(task: str, protocol: str, metric: str, b_value: float, c_value: float,
         base: LoadedRun, cand: LoadedRun, max_drop: float, alpha: float, resamples: int,
         seed: int) -> CompareRow:
    b_vals, used = _per_sample(base.records[task], protocol, metric)
    c_vals, _ = _per_sample(cand.records[task], protocol, metric)
    ids = sorted(set(b_vals) & set(c_vals))
    delta = c_value - b_value
    if not ids:
        return CompareRow(task, protocol, metric, b_value, c_value, delta, math.nan, math.nan,
                          math.nan, NO_TEST, 0, used)
    b_arr = np.array([b_vals[i] for i in ids], dtype=np.float64)
    c_arr = np.array([c_vals[i] for i in ids], dtype=np.float64)
    test = paired_test(b_arr, c_arr, resamples=resamples, seed=seed)
    order = np.argsort(c_arr - b_arr, kind="stable")
    worse = [ids[i] for i in order if c_arr[i] < b_arr[i]]
    better = [ids[i] for i in order[::-1] if c_arr[i] > b_arr[i]]
    regressed = delta * 100 < -max_drop and test.p_value < alpha
    return CompareRow(task, protocol, metric, b_value, c_value, delta, test.ci_low,
                      test.ci_high, test.p_value, test.test, test.n, used, regressed,
                      worse, better)


def _rows_markdown(rows: list[CompareRow]) -> list[str]:
    lines = ["| task | protocol | metric | base | candidate | delta | 95% CI | p | test | n | |",
             "|---|---|---|---:|---:|---:|---|---:|---|---:|---|"]
    for r in rows:
        flag = "REGRESSED" if r.regressed else ""
        interval = ("–" if math.isnan(r.ci_low) else
                    f"[{100 * r.ci_low:+.2f}, {100 * r.ci_high:+.2f}]")
        p_value = "–" if math.isnan(r.p_value) else f"{r.p_value:.3g}"
        lines.append(
            f"| {r.task} | {r.protocol} | {r.metric} | {100 * r.base:.2f} | "
            f"{100 * r.candidate:.2f} | {100 * r.delta:+.2f} | {interval} | {p_value} | "
            f"{r.test} | {r.n_paired} | {flag} |"
        )
    return lines


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def markdown_summary(comparison: Comparison, max_flipped: int = 10) -> str:
    """A summary fit for a CI comment: verdict, table in points, flipped samples."""
    verdict = (f"**{len(comparison.regressions)} regression(s)** (drop > "
               f"{comparison.max_drop:g} points with p < {comparison.alpha:g})"
               if comparison.regressions else
               f"**No regression** (no drop > {comparison.max_drop:g} points with "
               f"p < {comparison.alpha:g})")
    lines = [
        f"### harmonybench compare: {verdict}", "",
        f"base `{comparison.base}` vs candidate `{comparison.candidate}`; values in percent, "
        "delta in points, 95% paired bootstrap interval of the per-sample difference.", "",
        *_rows_markdown([r for r in comparison.rows if r.headline]),
    ]
    others = [r for r in comparison.rows if not r.headline]
    if others:
        flagged = sum(r.regressed for r in others)
        lines += ["", f"<details><summary>{len(others)} row(s) of protocols for another "
                      "coordinate frame than the models' (not headlined"
                      + (f"; {flagged} regressed" if flagged else "") + ")</summary>", "",
                  *_rows_markdown(others), "", "</details>"]
    shown = {(r.task, r.protocol) for r in comparison.rows
             if (r.worse or r.better) and (r.headline or r.regressed)}
    for task, protocol in sorted(shown):
        row = next(r for r in comparison.rows if (r.task, r.protocol) == (task, protocol))
        lines += ["", f"{task} / {protocol}: {_samples(len(row.worse))} worse, "
                      f"{len(row.better)} better"]
        if row.worse:
            lines.append("worse: " + ", ".join(f"`{s}`" for s in row.worse[:max_flipped])
                         + (" ..." if len(row.worse) > max_flipped else ""))
    if comparison.warnings:
        lines += ["", "Warnings:"] + [f"- {w}" for w in comparison.warnings]
    return "\n".join(lines) + "\n"
