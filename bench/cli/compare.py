"""``harmonybench compare``: the checkpoint regression gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harmonybench.cli.common import print_json, report_errors
from harmonybench.errors import HarmonyBenchError


def compare_command(
    base_run: Annotated[Path, typer.Argument(help="The base run folder.")],
    candidate_run: Annotated[Path, typer.Argument(help="The candidate run folder.")],
    max_drop: Annotated[float, typer.Option(
        "--max-drop", help="Tolerated drop of fraction metrics, in percentage points.")] = 0.0,
    threshold: Annotated[list[str] | None, typer.Option(
        "--threshold", metavar="METRIC=VALUE",
        help="Tolerated worsening of one metric (or PROTOCOL/METRIC) in its own unit, e.g. "
             "fid=2.0 (repeatable; defaults: FID 1.0, CLIPScore 0.01, PSNR 0.5 dB, SSIM "
             "0.005, fractions --max-drop).")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of the paired test.")] = 0.05,
    resamples: Annotated[int, typer.Option(help="Bootstrap/permutation resamples.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the resampling.")] = 0,
    force: Annotated[bool, typer.Option(
        help="Compare runs of different data files or prompt templates anyway.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    markdown: Annotated[Path | None, typer.Option(
        help="Also write the markdown summary (for a CI comment) to this file.")] = None,
) -> None:
    """Compare two runs sample by sample; exit 1 on a regression, 2 on bad input.

    Lower-is-better metrics (FID) regress when they rise; dataset-level scores without
    per-sample values are judged by their delta against ``--threshold`` (see
    docs/regression-gate.md).
    """
    from harmonybench.compare import compare_runs
    from harmonybench.compare_report import markdown_summary

    with report_errors():
        comparison = compare_runs(base_run, candidate_run, max_drop=max_drop, alpha=alpha,
                                  resamples=resamples, seed=seed, force=force,
                                  thresholds=parse_thresholds(threshold or []))
    summary = markdown_summary(comparison)
    if markdown is not None:
        from harmonybench.outputs import write_output

        with report_errors():
            write_output(markdown, summary, what="the markdown summary")
    if as_json:
        print_json(comparison.to_json())
    else:
        typer.echo(summary)
    raise typer.Exit(comparison.exit_code)


def parse_thresholds(items: list[str]) -> dict[str, float]:
    """``["fid=2.0", "anls/anls=1"]`` as ``{"fid": 2.0, "anls/anls": 1.0}``.

    Raises:
        HarmonyBenchError: an item that is not ``NAME=NUMBER`` (exit status 2).
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not name.strip() or number != number:
            raise HarmonyBenchError(f"--threshold {item!r}: expected METRIC=NUMBER, e.g. "
                                    "fid=2.0")
        out[name.strip()] = number
    return out
