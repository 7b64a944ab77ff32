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
import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
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


def read_json(path: Path) -> Any:
    """A JSON file's content; unreadable or malformed files raise one DataError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", record=f"line {exc.lineno}") from exc
    except OSError as exc:
        raise DataError(path, f"cannot be read: {exc.strerror or exc}") from exc


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


def recorded_path(root: Path, spec: dict[str, Any], key: str) -> Path | None:
    """A path ``run.json`` recorded under ``key`` (``data`` or ``images``), as it is found now.

    The path relative to the run folder (``{key}_from_run``) comes first, then the absolute one
    (older run folders hold only ``key``, as given on the command line). ``None`` when the spec
    records none; the first candidate when none exists (the caller says it is gone).
    """
    candidates: list[Path] = []
    relative = spec.get(f"{key}_from_run")
    if isinstance(relative, str) and relative:
        candidates.append(root / relative)
    given = spec.get(key)
    if isinstance(given, str) and given:
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

    def read_run_json(self) -> dict[str, Any]:
        """The parsed ``run.json``."""
        if not self.run_json.exists():
            raise DataError(self.root, "is not a run folder (no run.json)")
        data = read_json(self.run_json)
        if not isinstance(data, dict):
            raise DataError(self.run_json, "must be a JSON object")
        return data

    def read_scores_json(self) -> dict[str, Any]:
        """The parsed ``scores.json`` of a finished (or rescored) run."""
        if not self.scores_json.is_file():
            raise DataError(self.root, "has no scores.json (the run has not finished; run it "
                                       "again to resume, or `harmonybench rescore` it)")
        scores = read_json(self.scores_json)
        if not isinstance(scores, dict) or not isinstance(scores.get("tasks"), dict):
            raise DataError(self.scores_json, "must be an object with a 'tasks' object",
                            field="tasks")
        return scores

    def write_json(self, path: Path, value: Any) -> None:
        """Write JSON atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)


def command_line() -> list[str]:
    """The command line of this process, for ``run.json``."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
