"""Reading the community's hub parquet layouts from a local folder or the offline HF cache.

:func:`find_hub_split` and :func:`hub_records` read a folder of hub parquet files
(``<split>-00000-of-00004.parquet``, optionally under a config folder) through ``datasets`` in
streaming mode, so nothing is copied into a cache (records are ``"row 7"``, 0-based within
their parquet file); embedded image bytes become :class:`~harmonybench.schema.ImageRef` data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef, as_path
from harmonybench.tasks.records import Rec

_FILE_SUFFIXES = frozenset({".json", ".jsonl", ".parquet"})
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class HubSplit:
    """The parquet files of one split of a hub dataset folder.

    Args:
        root: the folder (or file) that was given.
        split: the split's name (``validation``, ``test``...).
        files: its parquet files, in name order.
    """

    root: Path
    split: str
    files: tuple[Path, ...]


def resolve_source(path: str | Path) -> Path:
    """A local path, or the cached snapshot folder of a hub dataset id (``owner/name``).

    Hub ids are resolved with ``huggingface_hub.snapshot_download(local_files_only=True)``:
    nothing is downloaded; the dataset must already be in the Hugging Face cache.

    Raises:
        DataError: neither a local file or folder nor a cached hub dataset.
    """
    local = as_path(path)
    if local.exists():
        return local
    text = str(path)
    if not _HUB_ID.match(text) or local.suffix in _FILE_SUFFIXES:
        raise DataError(local, "no such file or folder")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(text, repo_type="dataset", local_files_only=True))
    except Exception as exc:  # LocalEntryNotFoundError, offline mode, bad id
        raise DataError(
            local,
            f"no such file or folder, and hub dataset {text!r} is not in the local Hugging "
            f"Face cache ({type(exc).__name__})",
        ) from exc


def is_hub_source(path: Path) -> bool:
    """Whether ``path`` is a parquet file or a folder holding parquet files."""
    if path.is_file():
        return path.suffix == ".parquet"
    return path.is_dir() and any(path.rglob("*.parquet"))


def split_of(file: Path) -> str:
    """The split a hub parquet file belongs to.

    ``validation-00000-of-00002.parquet`` -> ``validation``; the parquet-converter layout
    ``default/test/0000.parquet`` -> ``test`` (the folder name when the file name has none).
    """
    head = file.stem.split("-")[0]
    return head if head[:1].isalpha() else file.parent.name


def find_hub_split(
    source: Path,
    splits: Sequence[str],
    config: str | None = None,
    other_configs: Sequence[str] = (),
) -> HubSplit:
    """Pick the evaluation split of a hub dataset folder.

    Args:
        source: a parquet file (used as it is) or a folder searched recursively.
        splits: the split names to use, in order of preference.
        config: the config folder to prefer (``DocVQA``), when the dataset has several.
        other_configs: config folders to ignore (``InfographicVQA`` for DocVQA).

    Raises:
        DataError: no parquet file of any of ``splits``.
    """
    if source.is_file():
        return HubSplit(source, split_of(source), (source,))
    files = sorted(source.rglob("*.parquet"))

    def under(file: Path, name: str) -> bool:
        parts = [p.lower() for p in file.relative_to(source).parts[:-1]]
        return name.lower() in parts

    if config is not None:
        ours = [f for f in files if under(f, config)]
        files = ours or [f for f in files if not any(under(f, c) for c in other_configs)]
    by_split: dict[str, list[Path]] = {}
    for file in files:
        by_split.setdefault(split_of(file), []).append(file)
    for split in splits:
        if split in by_split:
            return HubSplit(source, split, tuple(by_split[split]))
    found = ", ".join(sorted(by_split)) or "none"
    where = f" for config {config!r}" if config else ""
    raise DataError(
        source,
        f"no parquet files of split {' or '.join(splits)}{where} (splits found: {found})",
    )


def hub_records(split: HubSplit, image_keys: Sequence[str] = ("image",)) -> Iterator[Rec]:
    """The rows of ``split``, read through ``datasets`` in streaming mode.

    Image columns named in ``image_keys`` are read undecoded (``{"bytes", "path"}``) so that
    the encoded bytes are kept as they are.

    Raises:
        DataError: a file that is not readable parquet.
    """
    import datasets

    index = 0
    for file in split.files:
        try:
            data = datasets.load_dataset(
                "parquet", data_files=[str(file)], split="train", streaming=True
            )
            features = data.features or {}
            for key in image_keys:
                if isinstance(features.get(key), datasets.Image):
                    data = data.cast_column(key, datasets.Image(decode=False))
            rows = iter(data)
            row = 0
            while True:
                try:
                    item = next(rows)
                except StopIteration:
                    break
                yield Rec(file, f"row {row}", item, index)
                row += 1
                index += 1
        except DataError:
            raise
        except Exception as exc:  # pyarrow.ArrowInvalid, schema casts, corrupt files
            raise DataError(file, f"not a readable parquet file: {exc}") from exc


def hub_image(rec: Rec, key: str, root: Path) -> ImageRef:
    """The image in a hub row: embedded bytes, or a path for path-backed rows.

    Accepts the ``datasets.Image`` struct (``{"bytes", "path"}``) and plain binary columns.
    """
    value = rec.require(key)
    if isinstance(value, (bytes, bytearray)):
        return ImageRef(data=bytes(value), name=f"{rec.where} of {rec.path.name}")
    if isinstance(value, Mapping):
        data, name = value.get("bytes"), value.get("path")
        if isinstance(data, (bytes, bytearray)) and data:
            return ImageRef(data=bytes(data), name=name or f"{rec.where} of {rec.path.name}")
        if isinstance(name, str) and name:
            rel = Path(name)
            return ImageRef(path=str(rel if rel.is_absolute() else root / rel), name=name)
    raise rec.error("no image bytes or path", key)
