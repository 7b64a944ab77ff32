"""``harmonybench score``: score a prediction file against an annotation file, no model needed.

For an image-out task, ``--predictions`` may be a folder of generated images
(:mod:`harmonybench.image_scoring`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harmonybench.cli.common import print_json, report_errors, stdout_console, warn
from harmonybench.errors import HarmonyBenchError
from harmonybench.image_files import SCHEME_NAMES
from harmonybench.image_scoring import is_image_task, score_image_folder
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
    title = f"{report.task}: {report.n} questions, {len(report.missing)} missing"
    if report.detail:
        title = f"{report.task}: {report.n} samples, {len(report.failed)} failed"
    table = Table(title=title)
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


def parse_options(values: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` task options as a dict."""
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            raise HarmonyBenchError(f"--task-arg {value!r}: expected KEY=VALUE")
        out[key.strip()] = setting
    return out


def report_folder(report: ScoreReport, folder: Path) -> None:
    """On stderr: how the folder's images were matched, and the samples that failed."""
    naming = ", ".join(f"{SCHEME_NAMES.get(k, k)}: {n}"
                       for k, n in report.detail.get("naming", {}).items())
    count = report.detail.get("images_per_sample")
    print(f"{folder}: {report.detail.get('scored')} of {report.n} samples scored, {count} "
          f"image{'s' if count != 1 else ''} each ({naming})", file=sys.stderr)
    if report.failed:
        warn(f"{len(report.failed)} of {report.n} samples failed (no images, or unreadable): "
             "left out of the scores and counted, as `harmonybench run` does")
        for line in report.detail.get("errors", [])[:3]:
            typer.echo(f"  {line}", err=True)


def score_command(
    task: Annotated[str, typer.Option("--task", help="Task name (see `harmonybench list tasks`).")],
    data: Annotated[Path, typer.Option("--data", help="The task's annotation file or folder.")],
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help="JSON list or JSONL of predictions, or for an "
                     "image-out task a folder of generated images. Optional when "
                     "DATA carries them (OCRBench 'predict' records, 2023 MultimodalOCR "
                     "answer files)."),
    ] = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", help="Protocol name; repeat for several. Default: the task's."),
    ] = None,
    images_per_sample: Annotated[int | None, typer.Option(
        "--images-per-sample", min=1,
        help="Images per sample in a --predictions folder. Default: the task protocol's "
             "count (anytext-t2i and mario-eval 4, anytext-edit 1).")] = None,
    task_arg: Annotated[list[str] | None, typer.Option(
        "--task-arg", help="KEY=VALUE option of the task (e.g. reader=tesseract, fid=off); "
                           "repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
) -> None:
    """Score PREDICTIONS against the annotation file DATA under named protocols."""
    folder: Path | None = None
    with report_errors():
        task_obj = get_task(task, parse_options(task_arg))
        protocols = resolve_protocols(task_obj, protocol or [])
        if predictions is not None and predictions.is_dir() and is_image_task(task_obj):
            folder = predictions
        elif images_per_sample is not None:
            raise HarmonyBenchError("--images-per-sample applies to a folder of images given "
                                    "as --predictions, for an image-out task")
        samples = task_obj.load(data)
        if folder is not None:
            report = score_image_folder(task_obj, samples, folder, protocols,
                                        images_per_sample=images_per_sample, source=data)
        else:
            if predictions is None:
                preds = predictions_in_data(data, samples, positional=task_obj.positional_ids)
            else:
                preds = read_predictions(predictions, samples,
                                         positional=task_obj.positional_ids)
            report = score_predictions(task_obj, samples, preds.texts, protocols, source=data)
    if folder is not None:
        report_folder(report, folder)
    elif report.missing:
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
