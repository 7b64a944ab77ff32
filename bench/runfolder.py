"""The run folder: ``run.json``, one folder per task (journals, images), ``scores.json``.

The run id is derived from the model spec and the task specs (names, versions, prompt template
hashes, generation settings, data file hashes, limit, seed), so the same command resumes the same
folder, and anything that changes the answers makes a new one. Where files live is not part of
it: the data is identified by its sha256 and the image folder by its place beside the data file
(:data:`LOCATION_KEYS` are left out), so the same data under another output folder or another
working directory gives the same id.

Paths that one command writes and another reads (``run.json``'s data and image folders) are
recorded twice: absolute, and relative to the run folder (``*_from_run``); readers try the
relative one first (:func:`recorded_path`), so a run folder moved together with its data, or
read from another working directory, still finds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from harmonybench.errors import DataError
from harmonybench.resultfiles import (
    RunInfo,
    ScoresFile,
    TaskSpec,
    read_run_info,
    read_scores,
    write_run_info,
    write_scores,
)
from harmonybench.schema import short_hash

RUN_JSON = "run.json"
SCORES_JSON = "scores.json"
TRACKED_PACKAGES: tuple[str, ...] = (
    "harmonybench", "torch", "transformers", "diffusers", "peft", "accelerate", "datasets",
    "rapidocr", "onnxruntime", "pytesseract", "torchmetrics", "numpy", "pillow", "rapidfuzz",
)


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """The sha256 of a file's bytes; of a folder, of its files' relative names and bytes."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that can change a score, plus Python's."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def slug(text: str) -> str:
    """A file-system-safe short name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return cleaned[:48] or "run"


LOCATION_KEYS: tuple[str, ...] = ("data", "images", "data_from_run", "images_from_run")
"""Task spec keys that say where files are, not what they are: not part of the run id."""


def run_id(model_spec: dict[str, Any], task_specs: list[dict[str, Any]]) -> str:
    """``<model name>-<hash>``: stable for the same model and task specs, wherever they live.

    The model spec's ``transport`` entry (a served model's address and client settings,
    :meth:`harmonybench.model.ModelAdapter.spec`) is not part of the hash."""
    tasks = [{k: v for k, v in spec.items() if k not in LOCATION_KEYS} for spec in task_specs]
    model = {k: v for k, v in model_spec.items() if k != "transport"}
    identity = {"model": model, "tasks": tasks}
    location = model_spec.get("location") or ""
    name = Path(str(location)).name if location else ""
    base = slug(f"{model_spec.get('adapter', 'model')}-{name}" if name else
                str(model_spec.get("adapter", "model")))
    return f"{base}-{short_hash(identity, 10)}"


def images_from_data(data: Path, images: Path | None) -> str | None:
    """The image folder seen from the data file's folder (part of the run id: it tells two
    image folders for one annotation file apart without naming the machine's layout)."""
    if images is None:
        return None
    return Path(os.path.relpath(images.resolve(), data.resolve().parent)).as_posix()


def location_spec(root: Path, data: Path, images: Path | None) -> dict[str, str | None]:
    """Where a task's files are, for ``run.json``: absolute and relative to the run folder
    (:data:`LOCATION_KEYS`, none of them part of the run id)."""
    base = root.resolve()
    data_abs = data.resolve()
    images_abs = images.resolve() if images is not None else None
    return {
        "data": str(data_abs),
        "data_from_run": Path(os.path.relpath(data_abs, base)).as_posix(),
        "images": str(images_abs) if images_abs else None,
        "images_from_run": (Path(os.path.relpath(images_abs, base)).as_posix()
                            if images_abs else None),
    }


def recorded_path(root: Path, spec: TaskSpec, key: Literal["data", "images"]) -> Path | None:
    """A path ``run.json`` recorded under ``key`` (``data`` or ``images``), as it is found now.

    The path relative to the run folder (``{key}_from_run``) comes first, then the absolute one
    (older run folders hold only ``key``, as given on the command line). ``None`` when the spec
    records none; the first candidate when none exists (the caller says it is gone).
    """
    candidates: list[Path] = []
    relative = spec.data_from_run if key == "data" else spec.images_from_run
    if relative:
        candidates.append(root / relative)
    given = spec.data if key == "data" else spec.images
    if given:
        candidates.append(Path(given).expanduser())
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[0] if candidates else None


@dataclass(frozen=True)
class RunFolder:
    """Paths inside one run folder."""

    root: Path

    @property
    def run_json(self) -> Path:
        """``run.json``."""
        return self.root / RUN_JSON

    @property
    def scores_json(self) -> Path:
        """``scores.json``."""
        return self.root / SCORES_JSON

    def task_dir(self, task: str) -> Path:
        """The task's folder (journals per rank, generated images)."""
        return self.root / task

    def image_dir(self, task: str) -> Path:
        """Where image-out adapters write a task's images."""
        return self.root / task / "images"

    def read_run_info(self) -> RunInfo:
        """The typed ``run.json`` (:func:`harmonybench.resultfiles.read_run_info`)."""
        if not self.run_json.exists():
            raise DataError(self.root, "is not a run folder (no run.json)")
        return read_run_info(self.run_json)

    def read_scores(self) -> ScoresFile:
        """The typed ``scores.json`` of a finished (or rescored) run."""
        if not self.scores_json.is_file():
            raise DataError(self.root, "has no scores.json (the run has not finished; run it "
                                       "again to resume, or `harmonybench rescore` it)")
        return read_scores(self.scores_json)

    def write_run_info(self, info: RunInfo) -> None:
        """Write ``run.json`` atomically."""
        write_run_info(self.run_json, info)

    def write_scores(self, scores: ScoresFile) -> None:
        """Write ``scores.json`` atomically."""
        write_scores(self.scores_json, scores)


@dataclass(frozen=True)
class RunFiles:
    """A finished run folder's ``run.json`` and ``scores.json``, read and validated."""

    folder: RunFolder
    info: RunInfo
    scores: ScoresFile


def read_run_files(path: str | Path) -> RunFiles:
    """Read a run folder's ``run.json`` and ``scores.json`` (every run reader starts here).

    Raises:
        DataError: no run folder, no ``scores.json``, or a file that does not validate.
    """
    folder = RunFolder(Path(path).expanduser())
    return RunFiles(folder, folder.read_run_info(), folder.read_scores())


def command_line() -> list[str]:
    """The command line of this process, for ``run.json``."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
