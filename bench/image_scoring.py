"""``harmonybench score --predictions DIR``: a folder of generated images, scored like a run.

For an image-out task (``anytext-t2i``, ``anytext-edit``, ``mario-eval``), ``DIR`` holds the
images another tool generated, named by one of :mod:`harmonybench.image_files`'s schemes
(AnyText's ``<stem>_<j>.jpg``, TextHarmony's ``gen_img_*/<i>_0_<k>.png``, ``<stem>_mask.jpg``,
harmonybench's ``<id>_<k>.png``; the sample's position ``i`` is its place in the annotation file).
Each sample's images become the output a run would have journaled, and go through the same
stage as ``run`` and ``rescore``: :func:`~harmonybench.scoring.score_records` (the task's OCR
extraction, then the protocols), then :func:`~harmonybench.summary.summarize_task` (the
reduction over the scored samples and the dataset-level scores: FID, CLIPScore, background
preservation). ``score --predictions DIR`` and ``run --model replay-images:DIR`` therefore give
the same numbers for the same folder and count.

**How many images per sample**: the task's protocol count (``num_images`` of its default
generation settings: 4 for ``anytext-t2i`` and ``mario-eval``, AnyText's and TextDiffuser's
protocols; 1 for ``anytext-edit``, TextHarmony's), or ``--images-per-sample N``. Extra images
are ignored (the first of AnyText's 4 for a 1-image protocol). When no sample has that many,
the folder does not match the count: one error says what was found (``every sample has 1
image``) and names ``--images-per-sample N``; nothing is scored.

**Failures**: a sample whose images are not there (or cannot be read) is a failure, as in a
run: left out of the reduction and counted (``failed`` in ``--json``), never scored 0 in
silence. When no sample is scored at all the command fails (a :class:`DataError`, exit 2),
never a table of zeros.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
from harmonybench.image_files import (
    SCHEME_NAMES,
    ImageFolder,
    ImageKey,
    MissingImagesError,
)
from harmonybench.protocol import BaseProtocol
from harmonybench.schema import IMAGE_OUT_KINDS, Record, Sample
from harmonybench.scoring import ScoreReport, require_ground_truth, score_records
from harmonybench.summary import summarize_task
from harmonybench.task import Task

COUNT_OPTION = "--images-per-sample {n}"
"""The option named when a folder holds another number of images per sample."""

SCORE_RUN_ID = "score"
"""The ``run_id`` of the records built here (they are never journaled)."""


def is_image_task(task: Task) -> bool:
    """Whether ``task`` asks for images (so ``--predictions`` may be a folder of them)."""
    return task.kind in IMAGE_OUT_KINDS


def protocol_count(task: Task) -> int:
    """How many images per prompt the task's protocol generates (``num_images``, else 1)."""
    value = task.generation_for().get("num_images", 1)
    return int(value) if isinstance(value, int | float) and value >= 1 else 1


def _found_counts(failures: Sequence[MissingImagesError]) -> str:
    counts = Counter(f.found for f in failures)
    if len(counts) == 1:
        (found, _), = counts.items()
        return f"every sample has {found} image{'s' if found != 1 else ''}"
    parts = [f"{n} sample{'s' if n != 1 else ''} with {found}"
             for found, n in sorted(counts.items(), key=lambda item: -item[1])]
    return ", ".join(parts)


def _no_match(folder: Path, task: Task, count: int, given: bool,
              failures: Sequence[MissingImagesError]) -> DataError:
    """The error for a folder where no sample has ``count`` images."""
    present = [f for f in failures if f.found]
    if not present:
        return DataError(folder, f"no images for any of the {len(failures)} samples of "
                         f"{task.name}; for the first: {failures[0]}")
    asked = (f"the {count} images per sample --images-per-sample asks" if given else
             f"{count} images (the {task.name} protocol generates {count} per prompt)")
    common = Counter(f.found for f in present).most_common(1)[0][0]
    schemes = Counter(f.scheme for f in present if f.scheme is not None)
    naming = SCHEME_NAMES[schemes.most_common(1)[0][0]] if schemes else "?"
    return DataError(folder, f"no sample has {asked}: {_found_counts(failures)} ({naming}); "
                     f"{COUNT_OPTION.format(n=common)} scores {common} per sample")


def folder_records(task: Task, samples: Sequence[Sample], folder: Path, count: int,
                   *, given: bool = False) -> list[Record]:
    """One record per sample: its ``count`` images found in ``folder``, or its failure.

    Raises:
        DataError: ``folder`` is not a folder, or no sample has ``count`` images (the message
            says what was found and names ``--images-per-sample``).
    """
    if not folder.is_dir():
        raise DataError(folder, "is not a folder of images")
    images = ImageFolder(folder)
    records: list[Record] = []
    failures: list[MissingImagesError] = []
    for index, sample in enumerate(samples):
        record = Record(run_id=SCORE_RUN_ID, task=task.name, sample_id=sample.id,
                        request_hash="", template_id="", template_hash="",
                        generation={"num_images": count})
        try:
            found = images.lookup(ImageKey.of_sample(sample, index), count, COUNT_OPTION)
        except MissingImagesError as exc:
            record.error = str(exc)
            failures.append(exc)
        else:
            record.images = [str(p) for p in found.paths]
            record.metadata = {"scheme": found.scheme, "replayed": [
                p.relative_to(folder).as_posix() for p in found.paths]}
        records.append(record)
    if samples and len(failures) == len(samples):
        raise _no_match(folder, task, count, given, failures)
    return records


def score_image_folder(
    task: Task,
    samples: Sequence[Sample],
    folder: str | Path,
    protocols: Sequence[BaseProtocol[Any]],
    *,
    images_per_sample: int | None = None,
    source: str | Path | None = None,
) -> ScoreReport:
    """Score the images of ``folder`` as the outputs of ``samples`` (see the module docstring).

    Args:
        task: an image-out task.
        samples: its annotation samples, in file order.
        folder: the folder of generated images.
        protocols: the protocols to score under.
        images_per_sample: images per sample (default :func:`protocol_count`).
        source: the annotation file (for messages).

    Raises:
        DataError: no ground truth, no matching images, or nothing scored.
    """
    root = Path(folder).expanduser()
    require_ground_truth(task, samples, source)
    count = images_per_sample or protocol_count(task)
    records = folder_records(task, samples, root, count, given=images_per_sample is not None)
    score_records(task, list(zip(records, samples, strict=True)), protocols)
    entry = summarize_task(task, samples, records, protocols)
    if not entry["scored"]:
        first = "; ".join(entry["errors"][:2])
        raise DataError(root, f"{entry.get('note', 'nothing scored')} (first: {first})")
    failed = [r.sample_id for r in records if r.failed or not r.scored]
    naming = Counter(str(r.metadata["scheme"]) for r in records if "scheme" in r.metadata)
    return ScoreReport(
        task=task.name, n=len(samples), scores=entry["protocols"],
        metrics_info=entry["metrics_info"], failed=failed,
        detail={"images_per_sample": count, "scored": entry["scored"],
                "naming": dict(naming.most_common()), "errors": entry["errors"]},
    )
