"""TextHarmony's checkpoint and config files: split weight parts joined once, the YAML config
as the attribute dicts the released code reads; the adapter is
:mod:`harmonybench.models.textharmony`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harmonybench.model import ModelArgError
from harmonybench.schema import short_hash

DEFAULT_CONFIG = Path("TextHarmony") / "configs" / "release" / "896-moe-eval.yaml"
MODEL_FILE = Path("TextHarmony") / "models" / "TextHarmony.py"
PART_SUFFIX = re.compile(r"^[a-z]{2}$")
_CHUNK = 16 * 1024 * 1024


def _part_suffix(index: int) -> str:
    return chr(ord("a") + index // 26) + chr(ord("a") + index % 26)


def find_parts(target: Path) -> list[Path]:
    """The split parts of ``target`` (``target`` + ``aa``, ``ab``, ...) in order.

    Raises:
        ModelArgError: when the parts do not run from ``aa`` without a gap.
    """
    if not target.parent.is_dir():
        return []
    found = sorted(
        p for p in target.parent.iterdir()
        if p.name.startswith(target.name) and PART_SUFFIX.match(p.name[len(target.name):])
        and p.is_file()
    )
    for index, part in enumerate(found):
        expected = target.parent / f"{target.name}{_part_suffix(index)}"
        if part != expected:
            raise ModelArgError(
                f"checkpoint parts of {target}: {expected.name} is missing "
                f"(found {', '.join(p.name for p in found)})"
            )
    return found


def concatenate_parts(parts: Sequence[Path], target: Path) -> Path:
    """Join ``parts`` into ``target`` (streamed), unless a complete ``target`` exists.

    Complete means: its size is the sum of the parts' sizes. The join is written to
    ``target.partial`` and renamed when its size checks out, so an interrupted join is never
    mistaken for a complete one.

    Raises:
        ModelArgError: when the folder lacks space or the joined size is wrong.
    """
    total = sum(part.stat().st_size for part in parts)
    if target.is_file() and target.stat().st_size == total:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < total:
        raise ModelArgError(
            f"checkpoint: joining {len(parts)} parts needs {total} bytes in {target.parent}, "
            f"only {free} free (use --model-arg cache_dir=DIR)"
        )
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
    size = partial.stat().st_size
    if size != total:
        partial.unlink()
        raise ModelArgError(f"checkpoint: joined {size} bytes into {target}, expected {total}")
    os.replace(partial, target)
    return target


def resolve_checkpoint(value: str, cache_dir: str | None = None) -> Path:
    """The ``pytorch_model.bin`` for ``--model-arg checkpoint=value``.

    ``value`` may be the ``.bin`` file, a folder holding it (or its parts), the ``.bin`` path
    when only its parts ``.binaa``, ``.binab``, ... exist, or one of the parts. Parts are
    joined in order into the ``.bin`` next to them, or, with ``cache_dir``, into
    ``cache_dir/<digest of the parts' paths and sizes>/<name>``; an existing complete join is
    reused. A ``.bin`` with no parts next to it is used as it is.

    Raises:
        ModelArgError: when nothing usable is found, or the join cannot be written.
    """
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / "pytorch_model.bin"
    elif PART_SUFFIX.match(path.name[-2:]) and path.name[:-2].endswith(".bin"):
        path = path.with_name(path.name[:-2])  # one of the parts was named
    parts = find_parts(path)
    if not parts:
        if path.is_file():
            return path
        raise ModelArgError(
            f"--model-arg checkpoint={value!r}: neither {path} nor its split parts "
            f"{path.name}aa, {path.name}ab, ... exist"
        )
    if cache_dir:
        digest = short_hash([[str(p.resolve()), p.stat().st_size] for p in parts])
        target = Path(cache_dir).expanduser() / digest / path.name
    else:
        target = path
        if not os.access(target.parent, os.W_OK):
            raise ModelArgError(
                f"checkpoint: {target.parent} is not writable, so the parts cannot be joined "
                "there; give --model-arg cache_dir=DIR"
            )
    return concatenate_parts(parts, target)


class AttrDict(dict[str, Any]):
    """A dict whose keys are also attributes (what the released code expects of its config)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(key) from exc


def to_attrdict(value: Any, repo: Path) -> Any:
    """Nested :class:`AttrDict`, with ``./relative`` strings made absolute under ``repo``.

    The scripts run from the repository root, so the config's ``./assets/...`` paths are
    relative to it; here they are resolved against ``repo`` whatever the working directory.
    """
    if isinstance(value, Mapping):
        return AttrDict({str(k): to_attrdict(v, repo) for k, v in value.items()})
    if isinstance(value, list):
        return [to_attrdict(v, repo) for v in value]
    if isinstance(value, str) and value.startswith("./"):
        return str((repo / value).resolve())
    return value
