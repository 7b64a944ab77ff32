"""``harmonybench run`` and ``harmonybench rescore``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from harmonybench.cli.common import (
    EXIT_DATA_ERROR,
    fail,
    report_errors,
    setup_logging,
    stdout_console,
    warn,
)
from harmonybench.errors import HarmonyBenchError
from harmonybench.model import parse_model_args
from harmonybench.rescore import rescore
from harmonybench.resultfiles import ScoresFile
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.summary import scores_table

log = logging.getLogger(__name__)


def parse_assignments(option: str, values: list[str] | None) -> dict[str, Path]:
    """``TASK=PATH`` pairs as a dict."""
    out: dict[str, Path] = {}
    for value in values or []:
        task, sep, path = value.partition("=")
        if not sep or not task.strip() or not path.strip():
            raise HarmonyBenchError(f"{option} {value!r}: expected TASK=PATH")
        out[task.strip()] = Path(path.strip()).expanduser()
    return out


def parse_task_args(values: list[str] | None) -> dict[str, dict[str, str]]:
    """``TASK:KEY=VALUE`` options as ``{task: {key: value}}``."""
    out: dict[str, dict[str, str]] = {}
    for value in values or []:
        task, sep, pair = value.partition(":")
        key, eq, setting = pair.partition("=")
        if not sep or not eq or not task.strip() or not key.strip():
            raise HarmonyBenchError(f"--task-arg {value!r}: expected TASK:KEY=VALUE")
        out.setdefault(task.strip(), {})[key.strip()] = setting
    return out


def parse_model(value: str) -> tuple[str, str | None]:
    """``ADAPTER[:LOCATION]`` as ``(adapter, location)``."""
    adapter, sep, location = value.partition(":")
    if not adapter:
        raise HarmonyBenchError(f"--model {value!r}: expected ADAPTER[:LOCATION]")
    return adapter, (location if sep and location else None)


def run_command(
    model: Annotated[str, typer.Option("--model", help="ADAPTER[:LOCATION], e.g. hf-vlm:/ckpt.")],
    tasks: Annotated[str, typer.Option("--tasks", help="Comma-separated task names.")],
    model_arg: Annotated[list[str] | None, typer.Option(
        "--model-arg", help="KEY=VALUE passed to the adapter; repeatable.")] = None,
    data: Annotated[list[str] | None, typer.Option(
        "--data", help="TASK=PATH of the task's annotation file or folder; repeatable.")] = None,
    images: Annotated[list[str] | None, typer.Option(
        "--images", help="TASK=DIR that relative image paths resolve against.")] = None,
    task_arg: Annotated[list[str] | None, typer.Option(
        "--task-arg", help="TASK:KEY=VALUE option of a task (e.g. its OCR reader); "
                           "repeatable.")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="Only the first N samples of each task (at least 1).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Requests per adapter call (default: the adapter's own; 8 for most, the "
             "concurrency for openai).")] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, cuda:1, mps ...")] = None,
    dtype: Annotated[str | None, typer.Option(help="float32, bfloat16, float16 ...")] = None,
    seed: Annotated[int, typer.Option(help="Base seed; each sample derives its own.")] = 0,
    output: Annotated[Path, typer.Option(help="Where run folders are written.")] = Path(
        "results/runs"),
    fresh: Annotated[bool, typer.Option(
        help="Start over: the existing run folder is moved aside, not deleted.")] = False,
    strict: Annotated[bool, typer.Option(
        help="Exit 1 when any sample failed or could not be scored.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        help="On resume, run the samples that failed before again.")] = False,
    progress: Annotated[bool | None, typer.Option(
        help="Show a progress bar (default: when stderr is a terminal).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """Evaluate a model on tasks; journaled, resumable, sharded under torchrun."""
    setup_logging(verbose)
    with report_errors():
        adapter, location = parse_model(model)
        task_names = [t.strip() for t in tasks.split(",") if t.strip()]
        data_map = parse_assignments("--data", data)
        image_map = parse_assignments("--images", images)
        option_map = parse_task_args(task_arg)
        for name in [*data_map, *image_map, *option_map]:
            if name not in task_names:
                raise HarmonyBenchError(f"--data/--images/--task-arg name task {name!r}, which "
                                        "is not in "
                                        f"--tasks {','.join(task_names)}")
        inputs = []
        for name in task_names:
            if name not in data_map:
                raise HarmonyBenchError(f"task {name!r} needs its data: --data {name}=PATH")
            inputs.append(TaskInput(name, data_map[name], image_map.get(name),
                                    option_map.get(name, {})))
        config = RunConfig(
            model=adapter, location=location, model_args=parse_model_args(model_arg or []),
            tasks=inputs, limit=limit, batch_size=batch_size, device=device, dtype=dtype,
            seed=seed, output=output, fresh=fresh, strict=strict, retry_failed=retry_failed,
            progress=progress,
        )
        try:
            result = run(config)
        except KeyboardInterrupt:
            fail("interrupted; everything journaled so far is kept: run the same command "
                 "again to resume", code=130)
            return
    if result.scores is not None:
        stdout_console().print(scores_table(result.scores, title=f"run {result.run_id}"))
        typer.echo(f"run folder: {result.folder}")
        typed = ScoresFile.model_validate(result.scores)
        report_failures(typed, result.folder)
        if nothing_scored(typed):
            fail(f"nothing scored: every sample failed or could not be scored (see above); "
                 f"the errors are journaled under {result.folder}")
    if strict and (result.failed or result.score_errors):
        fail(f"{result.failed} samples failed and {result.score_errors} could not be scored "
             f"(--strict); see {result.folder}/scores.json", code=1)


def nothing_scored(scores: ScoresFile) -> bool:
    """Whether a run scored no sample at all although some task had answers to score against
    and some sample failed or could not be scored (the run then exits 2, never 0 with a table
    of dashes: a wrong folder or image count, a missing engine)."""
    tasks = [entry for entry in scores.tasks.values()
             if not (entry.note or "").startswith("no ground truth")]
    return bool(tasks) and not any(entry.scored for entry in tasks) and any(
        entry.failed or entry.unsupported or entry.score_errors for entry in tasks)


def report_failures(scores: ScoresFile, folder: Path, shown: int = 5) -> None:
    """On stderr: how many samples of each task failed or could not be scored, then the first
    ``shown`` errors.

    Each error line names the task and the sample, and the error names the file where one is
    involved (a missing or corrupt image names its image). Model failures are retried by
    ``--retry-failed``; scoring errors (an extraction or protocol bug, the output kept) by
    ``harmonybench rescore``. Nothing is printed when every sample was scored.
    """
    tasks = scores.tasks
    parts: dict[str, str] = {}
    total = failures = 0
    for task, entry in tasks.items():
        failed, unsupported, score_errors = entry.failed, entry.unsupported, entry.score_errors
        if failed or unsupported or score_errors:
            total += failed + unsupported + score_errors
            failures += failed
            said = [f"{failed} failed"] if failed or not score_errors else []
            said += [f"{unsupported} unsupported"] if unsupported else []
            said += [f"{score_errors} could not be scored"] if score_errors else []
            said[0] = said[0].replace(" ", f" of {entry.n} ", 1)
            parts[task] = f"{task}: {', '.join(said)}"
    if not total:
        return
    warn(f"{total} sample{'s' if total != 1 else ''} not scored ({'; '.join(parts.values())})")
    errors = [f"{task} {line}" for task in parts for line in tasks[task].errors]
    for line in errors[:shown]:
        typer.echo(f"  {line}", err=True)
    more = total - min(len(errors), shown)
    how = []
    if failures:
        how.append("--retry-failed runs failed samples again")
    if any(entry.score_errors for entry in tasks.values()):
        how.append("`harmonybench rescore` scores the kept outputs again once the task or "
                   "protocol is fixed")
    typer.echo(f"  {f'... and {more} more; ' if more > 0 else ''}every error is journaled "
               f"under {folder}" + (f" ({'; '.join(how)})" if how else ""), err=True)


def rescore_command(
    run_dirs: Annotated[list[Path], typer.Argument(
        help="Run folders written by `harmonybench run` (e.g. runs/base/*).")],
    protocol: Annotated[list[str] | None, typer.Option(
        "--protocol", help="Protocol to (re)score; repeatable. Default: all of each task's.")
    ] = None,
    force: Annotated[bool, typer.Option(
        help="Rescore even when a data file changed since the run.")] = False,
) -> None:
    """Re-score the journals of each run folder under protocols, with no model.

    Each folder is rescored and its table printed; a folder that cannot be rescored gets one
    error line naming it, the others are still rescored, and the command then exits 2.
    """
    setup_logging(False)
    failed = 0
    for run_dir in run_dirs:
        try:
            scores = rescore(run_dir, protocol or [], force=force)
        except HarmonyBenchError as exc:
            message = str(exc)
            where = "" if str(run_dir) in message else f"{run_dir}: "
            typer.echo(f"error: {where}{message}", err=True)
            failed += 1
            continue
        stdout_console().print(scores_table(scores, title=f"rescored {run_dir.name}"))
        typer.echo(f"run folder: {run_dir}")
        report_failures(ScoresFile.model_validate(scores), run_dir)
    if failed and len(run_dirs) > 1:
        fail(f"{failed} of {len(run_dirs)} run folders could not be rescored (see above)")
    if failed:
        raise SystemExit(EXIT_DATA_ERROR)
