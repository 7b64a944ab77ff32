"""The markdown summary of a :class:`~harmonybench.compare.Comparison`, fit for a CI comment.

Each value is shown in its metric's own unit (:func:`harmonybench.scales.scale_for` of the
declared unit: fractions as percent, deltas in points; FID, CLIPScore, dB and SSIM as they
are), and each row says which rule judged it: ``paired`` (worse by more than the threshold
with p < alpha), ``delta`` (a dataset-level score without per-sample values: worse by more
than the threshold, no test) or ``shown`` (a reduction of per-sample values journaled under
another name, such as ``mean_iou``: not gated; its protocol's per-sample metrics are). See
:mod:`harmonybench.compare`.
"""

from __future__ import annotations

from harmonybench.compare import CompareRow, Comparison
from harmonybench.meaning import MetricInfo
from harmonybench.scales import scale_for


def _rule(row: CompareRow, alpha: float) -> str:
    unit = scale_for(MetricInfo(row.unit)).label
    limit = f"worse by > {row.threshold:g} {'points' if row.unit == 'fraction' else unit}"
    if row.rule == "shown":
        return "shown: no per-sample values, not gated"
    return f"paired: {limit}, p < {alpha:g}" if row.rule == "paired" else f"delta: {limit}"


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def _rows_markdown(rows: list[CompareRow], alpha: float) -> list[str]:
    lines = ["| task | protocol | metric | unit | base | candidate | delta | 95% CI | p | test "
             "| n | rule | |",
             "|---|---|---|---|---:|---:|---:|---|---:|---|---:|---|---|"]
    for r in rows:
        scale = scale_for(MetricInfo(r.unit, r.higher_is_better))
        ci_scale = scale_for(MetricInfo(r.ci_unit))
        ci = ("–" if r.ci_low is None or r.ci_high is None else
              f"[{ci_scale.factor * r.ci_low:+.2f}, {ci_scale.factor * r.ci_high:+.2f}]")
        p = "–" if r.p_value is None else f"{r.p_value:.3g}"
        delta = scale.show(scale.factor * r.delta)
        lines.append(
            f"| {r.task} | {r.protocol} | {r.metric} | {scale.label} | "
            f"{scale.show(scale.factor * r.base)} | {scale.show(scale.factor * r.candidate)} | "
            f"{'+' if r.delta > 0 else ''}{delta} | {ci} | {p} | {r.test} | {r.n_paired} | "
            f"{_rule(r, alpha)} | {'REGRESSED' if r.regressed else ''} |"
        )
    return lines


def markdown_summary(comparison: Comparison, max_flipped: int = 10) -> str:
    """A summary fit for a CI comment: verdict, table in each metric's unit, flipped samples."""
    rule = (f"worse by more than its threshold (fractions: {comparison.max_drop:g} points) "
            f"and, where per-sample values exist, p < {comparison.alpha:g}")
    verdict = (f"**{len(comparison.regressions)} regression(s)** ({rule})"
               if comparison.regressions else f"**No regression** (no row {rule})")
    alpha = comparison.alpha
    lines = [
        f"### harmonybench compare: {verdict}", "",
        f"base `{comparison.base}` vs candidate `{comparison.candidate}`; values in each "
        "metric's unit (fractions in percent, their deltas in points); 95% paired bootstrap "
        "interval of the per-sample difference. Rule per row: `paired` = paired test on "
        "per-sample values; `delta` = a dataset-level score (FID, CLIPScore) with no "
        "per-sample values, judged by its delta against the threshold alone.", "",
        *_rows_markdown([r for r in comparison.rows if r.headline], alpha),
    ]
    others = [r for r in comparison.rows if not r.headline]
    if others:
        flagged = sum(r.regressed for r in others)
        lines += ["", f"<details><summary>{len(others)} row(s) of protocols for another "
                      "coordinate frame than the models' (not headlined"
                      + (f"; {flagged} regressed" if flagged else "") + ")</summary>", "",
                  *_rows_markdown(others, alpha), "", "</details>"]
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
