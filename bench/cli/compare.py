"""``harmonybench compare``: the checkpoint regression gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harmonybench.cli.common import print_json, report_errors
from harmonybench.compare import compare_runs, markdown_summary


def compare_command(
    base_run: Annotated[Path, typer.Argument(help="The base run folder.")],
    candidate_run: Annotated[Path, typer.Argument(help="The candidate run folder.")],
    max_drop: Annotated[float, typer.Option(
        "--max-drop", help="Tolerated drop in percentage points.")] = 0.0,
    alpha: Annotated[float, typer.Option(help="Significance level of the paired test.")] = 0.05,
    resamples: Annotated[int, typer.Option(help="Bootstrap/permutation resamples.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the resampling.")] = 0,
    force: Annotated[bool, typer.Option(
        help="Compare runs of different data files or prompt templates anyway.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    markdown: Annotated[Path | None, typer.Option(
        help="Also write the markdown summary (for a CI comment) to this file.")] = None,
) -> None:
    """Compare two runs sample by sample; exit 1 on a significant drop, 2 on bad input."""
    with report_errors():
        comparison = compare_runs(base_run, candidate_run, max_drop=max_drop, alpha=alpha,
                                  resamples=resamples, seed=seed, force=force)
    summary = markdown_summary(comparison)
    if markdown is not None:
        markdown.write_text(summary, encoding="utf-8")
    if as_json:
        print_json(comparison.to_json())
    else:
        typer.echo(summary)
    raise typer.Exit(comparison.exit_code)
