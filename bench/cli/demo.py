"""``harmonybench demo``: the whole product, offline, on data it generates.

1. Writes demo data in every task's official format (``harmonybench.demo.data``).
2. Runs real models that work offline: ``rapidocr`` and ``tesseract`` (when installed) as
   text-out specialists, ``ocr-qa`` (the OCR-only VQA baseline), ``render`` (the image-out
   ceiling: what the OCR reader can read of perfectly drawn text), and ``compose``, the same
   kinds of parts behind one interface with a unified model's handicaps (see :func:`plan`),
   standing in for a unified model.
3. Writes the leaderboard (markdown, HTML, degradation plot) and ``compare.md`` (the stand-in
   against each specialist on the tasks both ran), prints the mean degradation per output
   modality and where everything is. Finished runs are reused, so a second call takes seconds.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from harmonybench.cli.common import report_errors, setup_logging
from harmonybench.errors import HarmonyBenchError
from harmonybench.outputs import disk_errors, write_output

TEXT_TASKS: tuple[str, ...] = ("textrec", "grounding", "detection", "spotting")
VQA_TASKS: tuple[str, ...] = ("textvqa", "docvqa", "ocrbench")
IMAGE_TASKS: tuple[str, ...] = ("anytext-t2i", "anytext-edit", "mario-eval")
QUICK_LIMITS = {"text": 4, "image": 10}
FULL_LIMITS = {"text": 20, "image": 25}
"""Samples per text-out and image-out task: what keeps the demo under one (quick) or five
minutes on 2 CPU cores, where one OCR pass over a page takes about a third of a second
(``benchmarks/results_demo.md``). Image-out tasks get more: drawing costs nothing, and the
small second lines that a coarse decoder loses are not among the first few prompts."""
TEXT_INPUT_SCALE = "0.5"
IMAGE_OUTPUT_SCALE = "0.125"
"""The stand-in unified system's handicaps (``compose``'s ``text_input_scale`` and
``image_output_scale``): it reads each input at half the resolution the specialists read (a
448-pixel vision encoder where Monkey reads 896), and its images pass through an eighth of
their resolution (the latent grid of a Stable Diffusion decoder: 64 x 64 for 512 x 512)."""


@dataclass
class DemoRun:
    """One model on a set of tasks, with the sentence the leaderboard shows about it."""

    name: str
    role: str
    model: str
    tasks: tuple[str, ...]
    args: dict[str, str] = field(default_factory=dict)
    about: str = ""
    folder: Path | None = None
    seconds: float = 0.0


def plan(available: Sequence[str], tesseract: bool) -> list[DemoRun]:
    """The demo's runs, restricted to the tasks whose data was generated.

    RapidOCR (and Tesseract, when installed) are the text-out specialists on the perception
    tasks, ``ocr-qa`` the VQA specialist, ``render`` the image-out specialist (the ceiling:
    perfectly drawn text), and the stand-in unified system is ``compose`` gluing the same
    kinds of parts behind one interface, with two honest handicaps a unified model has against
    specialists: a vision input of lower resolution (:data:`TEXT_INPUT_SCALE`) and an image
    decoder that cannot draw fine strokes (:data:`IMAGE_OUTPUT_SCALE`). Its degradation per
    output modality is what those handicaps cost under each task's protocol.
    """
    have = set(available)

    def only(tasks: Sequence[str]) -> tuple[str, ...]:
        return tuple(t for t in tasks if t in have)

    engine = "tesseract" if tesseract else "rapidocr"
    text_pct = f"{float(TEXT_INPUT_SCALE):.0%}"
    image_pct = f"{float(IMAGE_OUTPUT_SCALE):.1%}"
    runs = [
        DemoRun("RapidOCR", "text-specialist", "rapidocr", only(TEXT_TASKS),
                about="PP-OCR (RapidOCR) reading every image at full resolution."),
        DemoRun(f"OCR-QA ({engine})", "text-specialist", "ocr-qa", only(VQA_TASKS),
                {"engine": engine},
                about=f"Answers questions from {engine}'s "
                      "full-resolution reading of the page (key-value, typed, then most "
                      "prominent line)."),
        DemoRun("Render (ceiling)", "image-specialist", "render", only(IMAGE_TASKS),
                {"num_images": "1"},
                about="The ceiling: draws each target text with a font into its polygon, the "
                      "best an OCR-scored generator can do."),
        DemoRun("Stand-in unified", "unified", "compose",
                only((*TEXT_TASKS, *VQA_TASKS, *IMAGE_TASKS)),
                {"text": "ocr-qa", "text.engine": engine, "image": "render",
                 "image.num_images": "1", "text_input_scale": TEXT_INPUT_SCALE,
                 "image_output_scale": IMAGE_OUTPUT_SCALE},
                about=f"One system for both outputs, standing in for a unified model: the "
                      f"OCR-QA and render parts behind one interface, but it sees each input "
                      f"at {text_pct} of its resolution (a smaller vision encoder) and its "
                      f"images pass through {image_pct} of theirs (as coarse as a Stable "
                      "Diffusion latent). It degrades where small text loses its strokes."),
    ]
    if tesseract:
        runs.insert(1, DemoRun("Tesseract", "text-specialist", "tesseract", only(TEXT_TASKS),
                               about="Tesseract (LSTM) reading every image at full "
                                     "resolution."))
    return [r for r in runs if r.tasks]


def _run(demo: DemoRun, data: Any, output: Path, console: Console,
         limits: dict[str, int]) -> None:
    from harmonybench.runner import RunConfig, TaskInput, run

    inputs = []
    for task in demo.tasks:
        annotations, images = data.tasks[task]
        inputs.append(TaskInput(task, annotations, images,
                                limit=limits["image" if task in IMAGE_TASKS else "text"]))
    console.print(f"[bold]{demo.name}[/] ({demo.model}) on {', '.join(demo.tasks)}")
    start = time.perf_counter()
    result = run(RunConfig(model=demo.model, model_args=dict(demo.args), tasks=inputs,
                           output=output / "runs", batch_size=8))
    demo.seconds = time.perf_counter() - start
    demo.folder = result.folder
    how = "reused (finished before)" if result.reused else "done"
    console.print(f"  {how} in {demo.seconds:.1f} s -> {result.folder}")


def write_spec(runs: Sequence[DemoRun], path: Path) -> Path:
    """The leaderboard spec: each demo model with its run folder and role.

    Run folders are written relative to the spec's own folder, the way the spec reader
    (:func:`harmonybench.degradation.load_spec`) resolves them, whatever the working directory.
    """
    models = []
    base = path.parent.resolve()
    for demo in runs:
        if demo.folder is None:
            raise HarmonyBenchError(f"demo run {demo.name!r} has no run folder")
        run = Path(os.path.relpath(demo.folder.resolve(), base)).as_posix()
        entry: dict[str, Any] = {"name": demo.name, "run": run, "role": demo.role}
        if demo.about:
            entry["about"] = demo.about
        models.append(entry)
    spec = {"title": "harmonybench demo: a stand-in unified system against specialists",
            "models": models}
    return write_output(path, yaml.safe_dump(spec, sort_keys=False), what="the demo spec")


def demo_command(
    output: Annotated[Path, typer.Option(help="Where data, runs and reports go.")] = Path(
        "demo-output"),
    quick: Annotated[bool, typer.Option(help="A smaller data set (under a minute).")] = False,
    fresh: Annotated[bool, typer.Option(
        help="Delete OUTPUT first (otherwise finished runs are reused).")] = False,
) -> None:
    """Generate demo data, run offline models, write the leaderboard and a comparison."""
    setup_logging(False)
    console = Console(stderr=True)
    started = time.perf_counter()
    with report_errors(), disk_errors("the demo's files"):
        if fresh and output.exists():
            shutil.rmtree(output)
        output.mkdir(parents=True, exist_ok=True)
        from harmonybench.demo.data import generate

        console.rule("1. demo data")
        data = generate(output / "data", quick=quick)
        for task, count in sorted(data.items.items()):
            console.print(f"  {task:<14} {count:>4} items  {data.tasks[task][0]}")
        for note in data.notes:
            console.print(f"  note: {note}")
        console.rule("2. runs")
        runs = plan(list(data.tasks), shutil.which("tesseract") is not None)
        if shutil.which("tesseract") is None:
            console.print("  note: tesseract is not installed (Debian: apt-get install "
                          "tesseract-ocr); its runs are skipped")
        limits = QUICK_LIMITS if quick else FULL_LIMITS
        console.print(f"  at most {limits['text']} samples per text-out task, "
                      f"{limits['image']} per image-out task")
        for demo in runs:
            _run(demo, data, output, console, limits)
        console.rule("3. leaderboard and comparison")
        reports = _reports(runs, output)
        _print_story(reports["spec"], console)
    console.rule("where everything is")
    for label, path in reports.items():
        typer.echo(f"{label:<22} {path}")
    typer.echo(f"{'finished in':<22} {time.perf_counter() - started:.1f} s")


def _print_story(spec: Path, console: Console) -> None:
    """The mean degradation per output modality, as the leaderboard has it."""
    from harmonybench.cli.leaderboard import build_report

    report = build_report([], spec)
    if report.degradation is None:
        return
    for mean in report.degradation.means:
        console.print(f"  {mean.model}: {mean.modality}-out degrades {mean.mean:+.1f} % against "
                      f"the specialists, over {len(mean.tasks)} task(s)")


def _reports(runs: Sequence[DemoRun], output: Path) -> dict[str, Path]:
    from harmonybench.cli.leaderboard import Format, leaderboard_command
    from harmonybench.compare import compare_runs
    from harmonybench.compare_report import markdown_summary

    reports = output / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    spec = write_spec(runs, reports / "spec.yaml")
    board_md = reports / "leaderboard.md"
    board_html = reports / "leaderboard.html"
    plot = reports / "degradation.png"
    # the spec names every run; passing them again would add each model twice
    leaderboard_command(runs=[], spec=spec, fmt=Format.md, out=board_md, plot=plot,
                        default_only=True)
    leaderboard_command(runs=[], spec=spec, fmt=Format.html, out=board_html)
    out = {"data": output / "data", "runs": output / "runs", "leaderboard (md)": board_md,
           "leaderboard (html)": board_html, "degradation plot": plot, "spec": spec}
    # the gate's view of the story: the unified stand-in against each specialist it covers
    unified = next((r for r in runs if r.role == "unified"), None)
    if unified is not None and unified.folder is not None:
        sections = [f"# harmonybench compare: {unified.name} against each specialist", "",
                    "Each section is `harmonybench compare SPECIALIST_RUN UNIFIED_RUN` on the "
                    "tasks both ran: the regression gate a checkpoint would face.", ""]
        for specialist in runs:
            if specialist is unified or specialist.folder is None or \
                    not set(specialist.tasks) & set(unified.tasks):
                continue
            sections.append(f"## {unified.name} vs {specialist.name}\n")
            try:
                comparison = compare_runs(specialist.folder, unified.folder, resamples=2000)
            except HarmonyBenchError as exc:
                sections.append(f"compare refused: {exc}\n")
            else:
                sections.append(markdown_summary(comparison))
        (reports / "compare.md").write_text("\n".join(sections), encoding="utf-8")
        out["compare"] = reports / "compare.md"
    return out
