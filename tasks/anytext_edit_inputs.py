"""The inputs of ``anytext-edit``: instructions, masked input images and editing masks.

``edit_annt.json`` gives each record's instruction and masked input; where the masked input is
absent it is built from the ground-truth image, and the mask always is (the rules are in
:mod:`harmonybench.tasks.anytext`). Built files are PNGs in a cache folder named by a digest
of ``edit_gt.json`` and the building settings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonybench.errors import DataError
from harmonybench.schema import short_hash
from harmonybench.tasks.records import read_document

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

EDIT_FILL = (128, 128, 128)
"""The neutral grey that fills the masked region of a built editing input."""

DEFAULT_DILATION = 4
"""Pixels the polygon is grown by for the editing mask."""

MASK_VERSION = 1
"""Part of the cache folder's digest: bumped when built inputs or masks change."""


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/harmonybench`` (``~/.cache/harmonybench`` without it)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "harmonybench"


def edit_mask(
    size: tuple[int, int], polygon: Sequence[Sequence[float]], dilation: int
) -> npt.NDArray[np.uint8]:
    """The editing mask: ``polygon`` filled (255) in a ``size`` image, grown by ``dilation``."""
    import cv2
    import numpy as np

    from harmonybench.crop import polygon_mask

    mask = polygon_mask(size, polygon)
    if dilation > 0:
        kernel = np.ones((2 * dilation + 1, 2 * dilation + 1), dtype=np.uint8)
        mask = np.asarray(cv2.dilate(mask, kernel), dtype=np.uint8)
    return mask


def write_png(image: Any, path: Path) -> None:
    """Write a PIL image atomically (a temporary name, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    image.save(partial, format="PNG")
    os.replace(partial, path)


@dataclass(frozen=True)
class Instruction:
    """One ``edit_annt.json`` record: its instruction and masked-input path (``None``: absent)."""

    sentence: str | None
    masked: str | None


def read_instructions(
    annt: Path, gt_file: Path, count: int
) -> tuple[Path | None, list[Instruction]]:
    """``edit_annt.json``'s instruction and masked-input path per record, if the file ``annt``
    is there (``None`` entries without it).

    Raises:
        DataError: not TextHarmony's list, another number of records than ``gt_file``'s
            ``count``, or a record without its instruction.
    """
    if not annt.is_file():
        return None, [Instruction(None, None)] * count
    doc = read_document(annt)
    records = doc.record_list()
    if records is None:
        raise DataError(annt, "expected TextHarmony's list of {'sentences', 'images', ...}")
    if len(records) != count:
        raise DataError(annt, f"has {len(records)} records, {gt_file.name} has {count} "
                        "(they must be in the same order)")
    out = []
    for rec in records:
        sentences = rec.require("sentences")
        if not (isinstance(sentences, list) and sentences and isinstance(sentences[0], str)):
            raise rec.error("expected a list of sentences, the instruction first",
                            "sentences")
        imgs = rec.data.get("images")
        masked = imgs[0] if isinstance(imgs, list) and imgs and isinstance(imgs[0], str) \
            else None
        out.append(Instruction(sentences[0], masked))
    return annt, out


def find_masked(given: str, annt: Path, roots: Sequence[Path]) -> Path | None:
    """The masked input ``given`` in ``edit_annt.json``: as given (relative to its folder),
    else by name in ``edit_images/`` of one of ``roots``; ``None`` where it is in none."""
    path = Path(given).expanduser()
    candidates = [path] if path.is_absolute() else [annt.parent / path]
    candidates += [root / "edit_images" for root in roots]
    candidates = [candidates[0]] + [c / path.name for c in candidates[1:]]
    return next((c for c in candidates if c.is_file()), None)


def mask_cache_dir(gt_file: Path, masked_dir: Path | None, dilation: int) -> Path:
    """Where built inputs and masks of ``gt_file`` go: ``masked_dir`` (else
    :func:`default_cache` ``/anytext-edit``), then a digest of the file and the settings."""
    from harmonybench.runfolder import sha256_file

    digest = short_hash({"edit_gt": sha256_file(gt_file), "dilation": dilation,
                         "fill": list(EDIT_FILL), "version": MASK_VERSION})
    return (masked_dir or default_cache() / "anytext-edit") / digest


def masked_input(gt: Path, mask_path: Path) -> Any:
    """The ground-truth image with the mask's region painted :data:`EDIT_FILL`."""
    from PIL import Image

    with Image.open(gt) as opened:
        image = opened.convert("RGB")
    with Image.open(mask_path) as opened:
        mask = opened.convert("L")
    image.paste(Image.new("RGB", image.size, EDIT_FILL), mask=mask)
    return image
