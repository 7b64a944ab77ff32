"""``harmonybench compare``: is the candidate checkpoint worse than the base, beyond noise?

For every (task, protocol, metric) the two runs share: both values (from their
``scores.json``), the delta and a verdict under one of two rules, chosen per row:

- **paired** (the protocol journals per-sample values): a paired bootstrap interval of the
  per-sample mean difference, a paired test's p-value (exact McNemar for 0/1 scores, a
  sign-flip permutation test otherwise) and the samples whose score flipped. Samples are
  paired by id and only those scored in both runs enter the statistics (failures are counted
  apart). For metrics that are not per-sample means (detection h-mean from summed matches),
  the interval and test are those of the protocol's per-sample main score, and the row says
  so. It regressed when it got worse by more than its threshold and p < ``alpha``.
- **delta** (a dataset-level score with no per-sample values: FID, CLIPScore, background
  PSNR/SSIM): no paired test exists, so it regressed when it got worse by more than its
  threshold.

"Worse" follows each metric's declared direction (:mod:`harmonybench.meaning`, read from
``scores.json`` and, for older files, from the installed registries): a lower-is-better
metric (FID) regresses when it rises. Thresholds are in the metric's display unit: percentage
points for fractions (``max_drop``), the metric's own unit otherwise (FID points, CLIPScore,
dB, SSIM; :data:`DEFAULT_THRESHOLDS`), overridable per metric (``thresholds``). Sufficient
statistics and undeclared values are not compared.
Runs of different data files or prompt templates are refused unless ``force``.

Headline rows: a protocol that reads coordinates in another frame than a run's model
(:mod:`harmonybench.frames`; the runs' ``default_protocol`` says which frame they headline) is
compared too, but its row has ``headline = False``: the markdown summary lists such rows
apart, collapsed, below the headline table. Every row counts for the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeGuard

import numpy as np

from harmonybench.errors import HarmonyBenchError
from harmonybench.frames import FrameLookup
from harmonybench.journal import read_task_journals
from harmonybench.meaning import MetricInfo, MetricMeanings, Unit
from harmonybench.resultfiles import RunInfo, ScoresFile, TaskSpec
from harmonybench.runfolder import RunFolder, read_run_files
from harmonybench.scales import scale_for
from harmonybench.schema import Record
from harmonybench.stats import paired_test

Rule = Literal["paired", "delta", "shown"]

DEFAULT_THRESHOLDS: Mapping[Unit, float] = MappingProxyType({
    "fid": 1.0, "clipscore": 0.01, "db": 0.5, "ssim": 0.005,
    "count": 0.0, "sum": 0.0, "number": 0.0,
})
"""Tolerated worsening per unit, in the unit itself, where no ``--threshold`` names the
metric (fractions use ``--max-drop``, in points). FID: 1 point, about the spread between
seeds on a few thousand images; CLIPScore 0.01; PSNR 0.5 dB; SSIM 0.005."""


@dataclass
class CompareRow:
    """One compared (task, protocol, metric); values as stored, thresholds in display units.

    ``rule`` is ``paired`` (interval, test and flips of per-sample values) or ``delta`` (a
    dataset-level score: no per-sample values, so ``ci_low``, ``ci_high`` and ``p_value``
    are ``None``). ``ci_unit`` is the unit of the per-sample metric the interval is of.
    """

    task: str
    protocol: str
    metric: str
    unit: Unit
    higher_is_better: bool
    rule: Rule
    threshold: float
    base: float
    candidate: float
    delta: float
    ci_low: float | None = None
    ci_high: float | None = None
    ci_unit: Unit = "fraction"
    p_value: float | None = None
    test: str = "none"
    n_paired: int = 0
    per_sample_metric: str = ""
    regressed: bool = False
    worse: list[str] = field(default_factory=list)
    better: list[str] = field(default_factory=list)
    headline: bool = True
    """False for a protocol of another coordinate frame than either run's model."""

    @property
    def worsening(self) -> float:
        """How much worse the candidate is, in display units (negative: better)."""
        info = MetricInfo(self.unit, self.higher_is_better)
        change = -self.delta if self.higher_is_better else self.delta
        return change * scale_for(info).factor


@dataclass
class Comparison:
    """The whole comparison; :attr:`exit_code` is the gate's verdict."""

    base: str
    candidate: str
    alpha: float
    max_drop: float
    rows: list[CompareRow]
    warnings: list[str]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def regressions(self) -> list[CompareRow]:
        """Rows worse by more than their threshold (and, under the paired rule, p < alpha)."""
        return [r for r in self.rows if r.regressed]

    @property
    def exit_code(self) -> int:
        """1 when anything regressed, else 0."""
        return 1 if self.regressions else 0

    def to_json(self) -> dict[str, Any]:
        """Everything, for ``--json``."""
        return {
            "base": self.base, "candidate": self.candidate, "alpha": self.alpha,
            "max_drop_points": self.max_drop, "thresholds": self.thresholds,
            "default_thresholds": dict(DEFAULT_THRESHOLDS),
            "regressions": len(self.regressions), "exit_code": self.exit_code,
            "warnings": self.warnings, "rows": [asdict(r) for r in self.rows],
        }


@dataclass
class LoadedRun:
    """A run folder's ``run.json``, ``scores.json`` and records by task."""

    folder: RunFolder
    info: RunInfo
    scores: ScoresFile
    records: dict[str, dict[str, Record]]


def load_run(path: str | Path) -> LoadedRun:
    """Read a run folder for comparison (:func:`harmonybench.runfolder.read_run_files`)."""
    files = read_run_files(path)
    records = {
        task: {r.sample_id: r for r in read_task_journals(files.folder.task_dir(task))}
        for task in files.scores.tasks
    }
    return LoadedRun(files.folder, files.info, files.scores, records)


def check_comparable(base: LoadedRun, cand: LoadedRun, shared: list[str]) -> list[str]:
    """Reasons the runs are not comparable (different data files or prompts)."""
    problems = []
    for task in shared:
        b = base.info.spec(task) or TaskSpec(task=task)
        c = cand.info.spec(task) or TaskSpec(task=task)
        if b.data_sha256 != c.data_sha256:
            problems.append(f"{task}: the runs used different data files "
                            f"({b.data} vs {c.data})")
        if b.template_hash != c.template_hash:
            problems.append(f"{task}: the runs used different prompt templates "
                            f"({b.template_id}#{b.template_hash} vs "
                            f"{c.template_id}#{c.template_hash})")
        if b.limit != c.limit:
            problems.append(f"{task}: the runs used different --limit "
                            f"({b.limit} vs {c.limit})")
    return problems


def _per_sample(records: Mapping[str, Record], protocol: str,
                metric: str) -> tuple[dict[str, float], str]:
    """Each sample's journaled value of ``metric`` (never another metric's: a reduction such as
    grounding's ``mean_iou`` over per-sample ``iou`` has none under its own name)."""
    values: dict[str, float] = {}
    key = metric
    for sid, record in records.items():
        score = record.scores.get(protocol)
        if record.failed or not score or key not in score:
            continue
        values[sid] = float(score[key])
    return values, key


def _primary(records: Mapping[str, Record], protocol: str) -> str | None:
    for record in records.values():
        score = record.scores.get(protocol)
        if score:
            return next(iter(score))
    return None


def threshold_for(protocol: str, metric: str, info: MetricInfo, max_drop: float,
                  thresholds: Mapping[str, float]) -> float:
    """The tolerated worsening of a row, in display units: ``thresholds`` under
    ``protocol/metric`` or ``metric``, else ``max_drop`` (points) for fractions, else
    :data:`DEFAULT_THRESHOLDS` of the unit."""
    for key in (f"{protocol}/{metric}", metric):
        if key in thresholds:
            return float(thresholds[key])
    if info.unit == "fraction":
        return max_drop
    return DEFAULT_THRESHOLDS[info.unit]


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare_runs(
    base_path: str | Path,
    cand_path: str | Path,
    *,
    max_drop: float = 0.0,
    alpha: float = 0.05,
    resamples: int = 10_000,
    seed: int = 0,
    force: bool = False,
    thresholds: Mapping[str, float] | None = None,
) -> Comparison:
    """Compare two run folders; raises :class:`HarmonyBenchError` when they cannot be.

    ``thresholds`` maps ``metric`` or ``protocol/metric`` to the tolerated worsening in the
    metric's display unit (see the module docstring).
    """
    if not 0 < alpha < 1:
        raise HarmonyBenchError(f"--alpha must be in (0, 1), got {alpha}")
    if max_drop < 0:
        raise HarmonyBenchError(f"--max-drop must be >= 0 points, got {max_drop}")
    limits = dict(thresholds or {})
    bad = [f"{k}={v}" for k, v in limits.items() if not k or not v >= 0]
    if bad:
        raise HarmonyBenchError(f"--threshold must be METRIC=VALUE with VALUE >= 0: {bad}")
    base, cand = load_run(base_path), load_run(cand_path)
    b_tasks, c_tasks = base.scores.tasks, cand.scores.tasks
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
    meanings = MetricMeanings()
    for task in shared:
        b_entry, c_entry = b_tasks[task], c_tasks[task]
        defaults = [e.default_protocol for e in (b_entry, c_entry)]
        if defaults[0] != defaults[1]:
            warnings.append(f"{task}: the runs headline different protocols ({defaults[0]} "
                            f"(base) vs {defaults[1]} (candidate))")
        for label, b_count, c_count in (
                ("failed", b_entry.failed, c_entry.failed),
                ("unsupported", b_entry.unsupported, c_entry.unsupported),
                ("unscorable", b_entry.score_errors, c_entry.score_errors)):
            if b_count != c_count:
                warnings.append(f"{task}: {label} samples {b_count} (base) vs "
                                f"{c_count} (candidate)")
        for protocol, b_metrics in b_entry.protocols.items():
            c_metrics = c_entry.protocols.get(protocol)
            if not c_metrics:
                continue
            try:
                declared = meanings.table(task, protocol, b_entry)
            except ValueError as exc:
                raise HarmonyBenchError(f"{base.folder.scores_json}: task {task}, metrics_info "
                                        f"of {protocol}: {exc}") from None
            undeclared = []
            for metric, b_value in b_metrics.items():
                c_value = c_metrics.get(metric)
                if not _is_number(b_value) or not _is_number(c_value):
                    continue
                info = declared.get(metric)
                if info is None:
                    undeclared.append(metric)
                    continue
                if info.statistic:
                    continue
                limit = threshold_for(protocol, metric, info, max_drop, limits)
                row = _row(task, protocol, metric, info, float(b_value), float(c_value),
                           base, cand, limit, alpha, resamples, seed)
                row.headline = not any(d and frames.other_frame(protocol, d) for d in defaults)
                rows.append(row)
            if undeclared:
                warnings.append(f"{task}/{protocol}: {', '.join(undeclared)} not compared (no "
                                "declared meaning: direction and unit unknown)")
    return Comparison(str(base_path), str(cand_path), alpha, max_drop, rows, warnings, limits)


def _row(task: str, protocol: str, metric: str, info: MetricInfo, b_value: float,
         c_value: float, base: LoadedRun, cand: LoadedRun, threshold: float, alpha: float,
         resamples: int, seed: int) -> CompareRow:
    row = CompareRow(task, protocol, metric, info.unit, info.higher_is_better, "delta",
                     threshold, b_value, c_value, c_value - b_value)
    b_vals, used = _per_sample(base.records[task], protocol, metric)
    c_vals, _ = _per_sample(cand.records[task], protocol, metric)
    if not b_vals or not c_vals:
        if _primary(base.records[task], protocol) is not None:
            # the protocol's samples carry other metrics (mean_iou is reduced from per-sample
            # iou): no test of its own, and none borrowed; the gate is its per-sample metrics
            row.rule = "shown"
            return row
        # a dataset-level score (FID, CLIPScore): no per-sample values, no paired test
        row.regressed = row.worsening > threshold
        return row
    ids = sorted(set(b_vals) & set(c_vals))
    b_arr = np.array([b_vals[i] for i in ids], dtype=np.float64)
    c_arr = np.array([c_vals[i] for i in ids], dtype=np.float64)
    test = paired_test(b_arr, c_arr, resamples=resamples, seed=seed)
    sample_info = info
    gain = (c_arr - b_arr) if sample_info.higher_is_better else (b_arr - c_arr)
    order = np.argsort(gain, kind="stable")
    row.rule = "paired"
    row.ci_low, row.ci_high, row.ci_unit = test.ci_low, test.ci_high, sample_info.unit
    row.p_value, row.test, row.n_paired, row.per_sample_metric = (
        test.p_value, test.test, test.n, used)
    row.worse = [ids[i] for i in order if gain[i] < 0]
    row.better = [ids[i] for i in order[::-1] if gain[i] > 0]
    row.regressed = row.worsening > threshold and test.p_value < alpha
    return row
