"""``harmonybench run``: inference journaled batch by batch, resumable, sharded across ranks.

First the checks of :mod:`harmonybench.preflight` (paths exist, the model serves every task's
request kind), before any weights or data are loaded.

The loop, per task: load the samples, skip those already journaled (by any rank), give this
rank its strided share of the rest, and for each batch build requests, call the adapter,
extract and score the answers (:func:`harmonybench.scoring.score_records`, the one scoring
stage), and append the records to this rank's journal. A batch that
raises is retried sample by sample; CUDA out-of-memory halves the batch size; a sample that
still fails is journaled with its error (:mod:`harmonybench.batches`). Rank 0 waits for every
rank, merges the journals and writes ``scores.json``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from harmonybench.batches import BatchRunner
from harmonybench.distributed import World, init_world, rank_device, shard
from harmonybench.errors import DataError, HarmonyBenchError
from harmonybench.finished import finished_scores
from harmonybench.journal import (
    Journal,
    iter_journal_files,
    journal_path,
    read_journal,
    read_task_journals,
    rewrite_journal,
)
from harmonybench.model import GenerationContext, ModelAdapter, generation_overrides
from harmonybench.preflight import check_inputs, check_served_kinds
from harmonybench.progress import progress_bar
from harmonybench.protocol import BaseProtocol
from harmonybench.registries import MODELS, get_task
from harmonybench.resultfiles import Attempt, RunInfo, ScoresFile
from harmonybench.runfolder import (
    RunFolder,
    command_line,
    images_from_data,
    location_spec,
    now,
    package_versions,
    run_id,
    sha256_file,
)
from harmonybench.schema import Output, Record, Request, Sample
from harmonybench.scoring import resolve_protocols, score_records
from harmonybench.summary import summarize_task
from harmonybench.task import Task

log = logging.getLogger(__name__)


@dataclass
class TaskInput:
    """A task and where its data lives."""

    name: str
    data: Path
    images: Path | None = None
    options: dict[str, str] = field(default_factory=dict)
    """``--task-arg TASK:KEY=VALUE`` settings given to the task's constructor."""
    limit: int | None = None
    """Only the first N samples of this task (overrides :attr:`RunConfig.limit`)."""


@dataclass
class RunConfig:
    """Everything ``harmonybench run`` was asked to do."""

    model: str
    tasks: list[TaskInput]
    location: str | None = None
    model_args: dict[str, str] = field(default_factory=dict)
    limit: int | None = None
    batch_size: int | None = None
    """Requests per adapter call; ``None``: the adapter's :attr:`~ModelAdapter.default_batch_size`
    (8 unless the adapter says otherwise)."""
    device: str | None = None
    dtype: str | None = None
    seed: int = 0
    output: Path = Path("results/runs")
    fresh: bool = False
    strict: bool = False
    retry_failed: bool = False
    progress: bool | None = None


@dataclass
class PreparedTask:
    """A loaded task with the spec that goes into ``run.json`` and the run id."""

    task: Task
    input: TaskInput
    samples: list[Sample]
    protocols: list[BaseProtocol[Any]]
    generation: dict[str, Any]
    spec: dict[str, Any]


@dataclass
class RunResult:
    """Where the run went and what it scored (rank 0 only has ``scores``)."""

    folder: Path
    run_id: str
    scores: dict[str, Any] | None
    failed: int
    reused: bool = False
    """Whether the folder held the finished run already (nothing generated or scored)."""
    score_errors: int = 0
    """Outputs that could not be extracted or scored (``rescore`` retries them)."""


def sample_seed(seed: int, sample_id: str) -> int:
    """A per-sample seed that does not depend on batching or sharding."""
    return int(hashlib.sha256(f"{seed}:{sample_id}".encode()).hexdigest()[:8], 16)


def batch_size_of(config: RunConfig, adapter: ModelAdapter) -> int:
    """``--batch-size``, or the adapter's own default when it was not given."""
    return config.batch_size if config.batch_size is not None else adapter.default_batch_size


def build_adapter(config: RunConfig, world: World) -> ModelAdapter:
    """Instantiate the adapter named by ``--model``."""
    cls = MODELS.load(config.model)
    adapter: ModelAdapter = cls(
        config.location,
        device=rank_device(config.device, world),
        dtype=config.dtype,
        **config.model_args,
    )
    return adapter


def prepare_task(item: TaskInput, adapter: ModelAdapter, config: RunConfig) -> PreparedTask:
    """Load a task's samples and describe it for the run id."""
    options = dict(item.options)
    headline = options.pop("default_protocol", None)
    task = get_task(item.name, options)
    if headline is not None and headline not in task.protocols:
        raise HarmonyBenchError(
            f"--task-arg {item.name}:default_protocol={headline}: not a protocol of "
            f"{item.name} ({', '.join(task.protocols)})")
    headline = headline or task.headline_protocol(adapter.frame)
    limit = item.limit if item.limit is not None else config.limit
    if limit is not None and limit < 1:
        # samples[:-1] would silently drop the last sample, samples[:0] run nothing
        raise HarmonyBenchError(f"--limit {limit}: expected a number of samples of at least 1")
    samples = task.load(item.data, item.images)
    if limit is not None:
        samples = samples[:limit]
    ids = [s.id for s in samples]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DataError(item.data, f"sample id {dup!r} appears more than once")
    template = task.template(adapter.family)
    generation = task.generation_for(adapter.family)
    generation.update(generation_overrides(config.model_args))
    protocols = resolve_protocols(task, task.protocols)
    spec = {
        "task": task.name,
        "version": task.version,
        "kind": task.kind,
        "data": str(item.data),
        "data_sha256": sha256_file(item.data),
        "images": str(item.images) if item.images else None,
        "images_from_data": images_from_data(item.data, item.images),
        "options": dict(sorted(item.options.items())),
        "default_protocol": headline,
        **({"prompt_setting": setting} if (setting := task.prompt_setting()) else {}),
        "template_id": template.id,
        "template_hash": template.hash,
        "template": template.template,
        "generation": generation,
        "limit": limit,
        "seed": config.seed,
        "n": len(samples),
    }
    return PreparedTask(task, item, samples, protocols, generation, spec)


def make_record(
    run: str, prepared: PreparedTask, sample: Sample, request: Request, output: Output,
    rank: int,
) -> Record:
    """A journal record for one output, before extraction and scoring (:func:`score_records`)."""
    record = Record(
        run_id=run,
        task=prepared.task.name,
        sample_id=sample.id,
        request_hash=request.hash(),
        template_id=output.template_id or request.template_id,
        template_hash=output.template_hash or request.template_hash,
        generation=dict(request.generation),
        raw_output=output.text,
        images=list(output.images),
        latency_s=round(output.latency_s, 6),
        error=output.error,
        unsupported=output.unsupported,
        rank=rank,
        metadata=dict(output.metadata),
    )
    return record


def pending_samples(
    folder: RunFolder, prepared: PreparedTask, world: World, retry_failed: bool
) -> list[Sample]:
    """Samples no rank has journaled yet (failed ones too, with ``retry_failed``).

    Rank 0 drops the failed records first when retrying; every rank then reads the journals
    before any rank writes (the caller places a barrier after this).
    """
    task_dir = folder.task_dir(prepared.task.name)
    if retry_failed and world.is_main:
        for path in iter_journal_files(task_dir):
            kept = [r for r in read_journal(path).records if not r.failed]
            rewrite_journal(path, kept)
    world.barrier()
    done = {r.sample_id for r in read_task_journals(task_dir)}
    return [s for s in prepared.samples if s.id not in done]


def run_task(
    run: str,
    folder: RunFolder,
    prepared: PreparedTask,
    adapter: ModelAdapter,
    world: World,
    config: RunConfig,
    progress: Progress | None,
) -> int:
    """Generate and journal this rank's pending samples of one task; returns how many."""
    todo = pending_samples(folder, prepared, world, config.retry_failed)
    world.barrier()
    positions = {s.id: i for i, s in enumerate(prepared.samples)}
    mine = shard(todo, world.rank, world.world_size)
    task = prepared.task
    total = len(prepared.samples)
    bar = None
    if progress is not None:
        bar = progress.add_task(task.name, total=total, completed=total - len(todo), rate="-")
    if not mine:
        return 0
    context = GenerationContext(
        image_dir=folder.image_dir(task.name), rank=world.rank, world_size=world.world_size
    )
    runner = BatchRunner(adapter, context, batch_size_of(config, adapter))
    started = time.perf_counter()
    done = 0
    with Journal(journal_path(folder.task_dir(task.name), world.rank)) as journal:
        position = 0
        while position < len(mine):
            batch = mine[position: position + runner.batch_size]
            position += len(batch)
            requests = [
                task.request(s, family=adapter.family, generation=prepared.generation,
                             seed=sample_seed(config.seed, s.id), index=positions[s.id])
                for s in batch
            ]
            outputs = runner.run(requests)
            records = [make_record(run, prepared, s, r, o, world.rank)
                       for s, r, o in zip(batch, requests, outputs, strict=True)]
            score_records(task, list(zip(records, batch, strict=True)), prepared.protocols)
            journal.append(records)
            done += len(batch)
            if progress is not None and bar is not None:
                rate = done * world.world_size / max(1e-9, time.perf_counter() - started)
                progress.update(bar, advance=len(batch) * world.world_size, rate=f"{rate:.1f}")
    return done


def merge_scores(run: str, folder: RunFolder, prepared: list[PreparedTask],
                 model_spec: dict[str, Any]) -> dict[str, Any]:
    """Rank 0: read every journal and write ``scores.json``."""
    scores: dict[str, Any] = {"run_id": run, "model": model_spec, "written": now(), "tasks": {}}
    for item in prepared:
        records = read_task_journals(folder.task_dir(item.task.name))
        scores["tasks"][item.task.name] = summarize_task(
            item.task, item.samples, records, item.protocols,
            default_protocol=item.spec["default_protocol"],
        )
    typed = ScoresFile.model_validate(scores)
    folder.write_scores(typed)
    return typed.to_json_dict()


def _start_folder(folder: RunFolder, config: RunConfig, world: World,
                  run_json: dict[str, Any]) -> None:
    """Rank 0: set the folder aside with ``--fresh``, then write or update ``run.json``."""
    if world.is_main:
        if config.fresh and folder.root.exists():
            backup = folder.root.with_name(
                f"{folder.root.name}.old-{time.strftime('%Y%m%d-%H%M%S')}"
            )
            shutil.move(str(folder.root), str(backup))
            log.warning("--fresh: the previous run folder was moved to %s", backup)
        folder.root.mkdir(parents=True, exist_ok=True)
        attempts: list[Attempt] = []
        if folder.run_json.exists():
            attempts = list(folder.read_run_info().attempts)
        attempts.append(Attempt(started=now(), command=command_line(),
                                world_size=world.world_size))
        folder.write_run_info(RunInfo.model_validate({**run_json, "attempts": attempts}))
    world.barrier()


def _finish_folder(folder: RunFolder, failed: int, *, reused: bool = False) -> None:
    info = folder.read_run_info()
    if info.attempts:
        last = info.attempts[-1]
        last.ended, last.failed_samples = now(), failed
        if reused:
            last.reused = "finished before: nothing generated, scores.json kept"
    folder.write_run_info(info)


def run(config: RunConfig) -> RunResult:
    """Run every task of ``config`` through the model; rank 0 returns the scores."""
    if not config.tasks:
        raise HarmonyBenchError("no tasks given (--tasks)")
    if config.batch_size is not None and config.batch_size < 1:
        raise HarmonyBenchError(f"--batch-size must be at least 1, got {config.batch_size}")
    check_inputs(MODELS.load(config.model), config)
    world = init_world(config.device)
    try:
        adapter = build_adapter(config, world)
        try:
            check_served_kinds(adapter, config)
            prepared = [prepare_task(item, adapter, config) for item in config.tasks]
            model_spec = adapter.spec()
            task_specs = [p.spec for p in prepared]
            run_name = run_id(model_spec, task_specs)
            folder = RunFolder(config.output / run_name)
            for item in prepared:
                item.spec.update(location_spec(folder.root, item.input.data, item.input.images))
            packages = package_versions()
            run_json = {
                "run_id": run_name, "model": model_spec, "tasks": task_specs,
                "seed": config.seed, "batch_size": batch_size_of(config, adapter),
                "device": config.device,
                "world_size": world.world_size, "packages": packages,
            }
            reused = None
            if not (config.fresh or config.retry_failed) and world.world_size == 1:
                reused = finished_scores(
                    folder, {p.task.name: [s.id for s in p.samples] for p in prepared},
                    packages=packages)
            _start_folder(folder, config, world, run_json)
            if reused is not None:
                log.info("run %s is finished; reusing %s", run_name, folder.scores_json)
                failed = sum(t.failed for t in reused.tasks.values())
                _finish_folder(folder, failed, reused=True)
                return RunResult(folder.root, run_name, reused.to_json_dict(), failed,
                                 reused=True, score_errors=sum(
                                     t.score_errors for t in reused.tasks.values()))
            show = config.progress if config.progress is not None else \
                Console(stderr=True).is_terminal
            with progress_bar(show and world.is_main) as progress:
                for item in prepared:
                    n = run_task(run_name, folder, item, adapter, world, config, progress)
                    log.info("rank %d journaled %d samples of %s", world.rank, n, item.task.name)
        finally:
            adapter.close()
        world.barrier()
        scores = None
        failed = 0
        if world.is_main:
            scores = merge_scores(run_name, folder, prepared, model_spec)
            failed = sum(t["failed"] for t in scores["tasks"].values())
            _finish_folder(folder, failed)
        failed = int(world.broadcast(failed))
        world.barrier()
        score_errors = sum(int(t.get("score_errors", 0))
                           for t in (scores or {}).get("tasks", {}).values())
        return RunResult(folder.root, run_name, scores, failed, score_errors=score_errors)
    finally:
        world.close()
