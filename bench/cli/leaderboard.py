"""``harmonybench leaderboard``: tables by output modality, degradation, published numbers."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harmonybench.cli.common import report_errors, warn
from harmonybench.errors import DataError

if TYPE_CHECKING:
    from harmonybench.degradation import Degradation
    from harmonybench.leaderboard import Leaderboard
    from harmonybench.paper import PaperComparison

# The table, degradation and paper modules (pandas, numpy) are imported where a report is
# built: `harmonybench --help` and `list` import this module and stay light.


class Format(str, Enum):
    """Output formats."""

    md = "md"
    csv = "csv"
    json = "json"
    html = "html"
    latex = "latex"


@dataclass
class Report:
    """Everything the command computed."""

    board: Leaderboard
    degradation: Degradation | None
    paper: PaperComparison | None
    title: str


def build_report(runs: Sequence[Path], spec: Path | None = None, *, with_paper: bool = False,
                 paper_paths: Sequence[Path] | None = None,
                 default_only: bool = False) -> Report:
    """Load the runs (and the spec), build the table, the degradation and the comparison."""
    from harmonybench.degradation import compute_degradation, load_spec, models_from_spec
    from harmonybench.leaderboard import build_leaderboard, models_from_runs
    from harmonybench.paper import compare_with_paper, load_published

    title = "harmonybench leaderboard"
    if spec is not None:
        parsed = load_spec(spec)
        models = models_from_spec(parsed, runs)
        title = parsed.title or title
    elif runs:
        models = models_from_runs(runs)
    else:
        raise DataError(".", "give run folders or --spec FILE", field="RUN_DIR")
    board = build_leaderboard(models, default_only=default_only)
    degradation = compute_degradation(models) if spec is not None else None
    paper = None
    if with_paper:
        paper = compare_with_paper(models, load_published(paper_paths or None))
    return Report(board, degradation, paper, title)


def _latex_frame(rows: list[dict[str, Any]], caption: str) -> str:
    import pandas as pd

    frame = pd.DataFrame(rows).map(
        lambda v: "–" if isinstance(v, float) and math.isnan(v)
        else (f"{v:.2f}" if isinstance(v, float) else v))
    return str(frame.to_latex(index=False, escape=True, caption=caption))


def render(report: Report, fmt: Format, chart_svg: str | None = None) -> str:
    """The report in ``fmt``."""
    from dataclasses import asdict

    from harmonybench.board_formats import (
        details_markdown,
        headline_markdown,
        leaderboard_json,
        md_heading,
        to_csv,
        to_latex,
    )
    from harmonybench.degradation import to_markdown as degradation_markdown
    from harmonybench.paper import to_markdown as paper_markdown
    from harmonybench.systems import systems_markdown

    if fmt is Format.csv:
        return to_csv(report.board)
    if fmt is Format.json:
        payload: dict[str, Any] = {"title": report.title,
                                   "leaderboard": leaderboard_json(report.board)}
        if report.degradation is not None:
            payload["degradation"] = report.degradation.to_json()
        if report.paper is not None:
            payload["paper"] = report.paper.to_json()
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.html:
        from harmonybench.html import render_page

        return render_page(report.board, title=report.title, degradation=report.degradation,
                           chart_svg=chart_svg, paper=report.paper)
    if fmt is Format.latex:
        parts = [to_latex(report.board, report.title)]
        if report.degradation is not None and report.degradation.rows:
            parts.append(_latex_frame([asdict(r) for r in report.degradation.rows],
                                      "Degradation of unified models (%)"))
        if report.paper is not None and report.paper.rows:
            parts.append(_latex_frame([asdict(r) for r in report.paper.rows],
                                      "Published numbers beside measured ones"))
        return "\n".join(parts)
    parts = [f"# {md_heading(report.title)}", "", systems_markdown(report.board.models),
             headline_markdown(report.board)]
    if report.degradation is not None:
        parts.append(degradation_markdown(report.degradation))
    if report.paper is not None:
        parts.append(paper_markdown(report.paper))
    parts.append(details_markdown(report.board))
    return "\n".join(parts)


def _figure(report: Report) -> Any:
    from harmonybench.plots import averages_figure, degradation_figure

    if report.degradation is not None and report.degradation.rows:
        return degradation_figure(report.degradation)
    if report.board.headline.coverage:
        return averages_figure(report.board)
    return None


def leaderboard_command(
    runs: Annotated[list[Path] | None, typer.Argument(
        help="Run folders, or folders holding run folders.", show_default=False)] = None,
    spec: Annotated[Path | None, typer.Option(
        "--spec", help="YAML naming the models, their runs and roles (see "
                       "docs/leaderboard.md); enables the degradation table.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.md,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write to this file instead of stdout.")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also write the bar chart (degradation, else modality averages) "
                       "to this .png or .svg file.")] = None,
    with_paper: Annotated[bool, typer.Option(
        "--with-paper", help="Show published numbers beside measured ones.")] = False,
    paper: Annotated[list[Path] | None, typer.Option(
        "--paper", help="CSV files or folders of published numbers (default: the shipped "
                        "results/paper); repeatable.")] = None,
    default_only: Annotated[bool, typer.Option(
        "--default-only", help="Keep only each task's default protocol in the details.")] = False,
) -> None:
    """Tables of RUN_DIR... by output modality; with --spec, how much unified models degrade."""
    with report_errors():
        report = build_report(list(runs or []), spec, with_paper=with_paper,
                              paper_paths=paper, default_only=default_only)
        figure = None
        if plot is not None or fmt is Format.html:
            figure = _figure(report)
        chart = None
        if figure is not None and fmt is Format.html:
            from harmonybench.plots import inline_svg

            chart = inline_svg(figure)
        if plot is not None:
            if figure is None:
                raise DataError(plot, "nothing to plot (no unified model with a reference "
                                      "and no modality average)", field="--plot")
            from harmonybench.plots import save

            save(figure, plot)
        text = render(report, fmt, chart)
    if fmt is Format.csv and (report.degradation is not None or report.paper is not None):
        warn("--format csv holds the leaderboard table only; use json, md, html or latex for "
             "the degradation and published numbers")
    if out is not None:
        from harmonybench.outputs import write_output

        with report_errors():
            write_output(out, text, what="the leaderboard")
    else:
        typer.echo(text, nl=False)
