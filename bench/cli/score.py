"""``harmonybench score``: score a prediction file against an annotation file, no model needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harmonybench.cli.common import print_json, report_errors, stdout_console, warn
from harmonybench.predictions import predictions_in_data, read_predictions
from harmonybench.registries import get_task
from harmonybench.scoring import ScoreReport, resolve_protocols, score_predictions


def format_value(metric: str, value: object) -> str:
    """A table cell: fractions as percentages, counts as integers."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{100 * value:.2f}"
    return str(value)


def report_table(report: ScoreReport) -> Table:
    """The readable form of a score report (percentages, labelled)."""
    table = Table(title=f"{report.task}: {report.n} questions, {len(report.missing)} missing")
    table.add_column("protocol")
    table.add_column("metric")
    table.add_column("value (%; counts as is)", justify="right")
    for protocol, metrics in report.scores.items():
        for metric, value in metrics.items():
            if metric == "warning":
                continue  # printed on stderr by score_command
            if isinstance(value, dict):
                for name, cell in value.items():
                    if isinstance(cell, dict) and "correct" in cell:
                        shown = f"{cell['correct']}/{cell['total']}"
                    else:
                        shown = format_value(name, cell)
                    table.add_row(protocol, f"{metric}: {name}", shown)
            else:
                table.add_row(protocol, metric, format_value(metric, value))
    return table


def score_command(
    task: Annotated[str, typer.Option("--task", help="Task name (see `harmonybench list tasks`).")],
    data: Annotated[Path, typer.Option("--data", help="The task's annotation file or folder.")],
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help="JSON list or JSONL of predictions. Optional when "
                     "DATA carries them (OCRBench 'predict' records, 2023 MultimodalOCR "
                     "answer files)."),
    ] = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", help="Protocol name; repeat for several. Default: the task's."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
) -> None:
    """Score PREDICTIONS against the annotation file DATA under named protocols."""
    with report_errors():
        task_obj = get_task(task)
        protocols = resolve_protocols(task_obj, protocol or [])
        samples = task_obj.load(data)
        if predictions is None:
            preds = predictions_in_data(data, samples, positional=task_obj.positional_ids)
        else:
            preds = read_predictions(predictions, samples, positional=task_obj.positional_ids)
        report = score_predictions(task_obj, samples, preds.texts, protocols, source=data)
    if report.missing:
        shown = ", ".join(report.missing[:5]) + (", ..." if len(report.missing) > 5 else "")
        warn(f"{len(report.missing)} of {report.n} questions have no prediction in "
             f"{preds.path} and score 0 ({shown})")
    for name, values in report.scores.items():
        # a protocol's warning about the answers (e.g. a grounding frame that does not fit)
        if isinstance(values.get("warning"), str):
            warn(f"{name}: {values['warning']}")
    if as_json:
        print_json(report.to_json())
    else:
        stdout_console().print(report_table(report))
