"""Folders of images "generated elsewhere", named as other tools name them, for loaded samples.

Each image really shows the sample's texts in its layout's polygons (:func:`imagedata.draw_texts`,
which RapidOCR reads back), or other words for the samples in ``wrong``, so that scores can be
checked. The namings (facts from the tools' scripts, see :mod:`harmonybench.image_files`):

- ``anytext``: ``<stem of img_name>_<k>.jpg`` (tyxsspa/AnyText ``eval/anytext_singleGPU.py``);
- ``textharmony``: ``gen_img_<stamp>/<i>_0_<k>.png`` with ``i`` the sample's position
  (bytedance/TextHarmony ``inference.py``);
- ``mask``: ``<stem>_mask.jpg`` (the editing input's name in TextHarmony's ``edit_annt.json``),
  ``<stem>_mask_<k>.jpg`` for several;
- ``id``: ``<sample id>_<k>.png``, or ``<sample id>.png`` for one image (an id with ``/``, as
  MARIO-Eval's ``<Subset>/<i>``, names a sub-folder).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from imagedata import WORDS, draw_texts
from PIL import Image

from harmonybench.schema import Sample

NAMINGS = ("anytext", "textharmony", "mask", "id")
STAMP = "202411181200"


def picture(sample: Sample, wrong: bool = False) -> Image.Image:
    """The sample's texts drawn in its layout's polygons (other words when ``wrong``)."""
    layout = sample.layout
    assert layout is not None
    texts = list(layout.texts)
    if wrong:
        texts = [next(w for w in WORDS if w.lower() != t.lower()) for t in texts]
    return draw_texts(texts, layout.polygons, (layout.width, layout.height))


def file_name(sample: Sample, index: int, k: int, naming: str, count: int) -> str:
    """The relative file name of image ``k`` of the ``index``-th sample under ``naming``."""
    stem = Path(sample.layout.image_name or "").stem if sample.layout else ""
    if naming == "anytext":
        return f"{stem}_{k}.jpg"
    if naming == "textharmony":
        return f"gen_img_{STAMP}/{index}_0_{k}.png"
    if naming == "mask":
        return f"{stem}_mask.jpg" if count == 1 else f"{stem}_mask_{k}.jpg"
    if naming == "id":
        return f"{sample.id}.png" if count == 1 else f"{sample.id}_{k}.png"
    raise ValueError(naming)


def write_generated(folder: Path, samples: Sequence[Sample], naming: str, count: int = 1, *,
                    wrong: Collection[str] = (), skip: Collection[str] = ()) -> Path:
    """Write ``count`` images per sample into ``folder`` under ``naming``; returns ``folder``.

    Args:
        folder: where the images go (created).
        samples: the task's loaded samples, in file order.
        naming: one of :data:`NAMINGS`.
        count: images per sample.
        wrong: sample ids whose images show other words.
        skip: sample ids that get no image at all.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for index, sample in enumerate(samples):
        if sample.id in skip:
            continue
        image = picture(sample, wrong=sample.id in wrong)
        for k in range(count):
            path = folder / file_name(sample, index, k, naming, count)
            path.parent.mkdir(parents=True, exist_ok=True)
            image.save(path, quality=95)
    return folder


def write_doc_folders(root: Path) -> None:
    """``generated/`` of the user guide's sandbox (``docs/running.md``), for the demo data in
    ``root/data``: ``anytext`` (AnyText naming, 4 per prompt), ``textharmony`` (``gen_img_*``,
    1 per prompt), ``edits`` (``<stem>_mask.jpg``) and ``mario`` (``<Subset>/<i>.png``)."""
    from harmonybench.registries import get_task

    data, out = root / "data", root / "generated"
    t2i = get_task("anytext-t2i", {"fid": "off"}).load(data / "anytext" / "test1k.json")
    write_generated(out / "anytext", t2i, "anytext", 4)
    write_generated(out / "textharmony", t2i, "textharmony", 1)
    edits = get_task("anytext-edit", {"fid": "off"}).load(
        data / "anytext_edit" / "edit_gt.json")
    write_generated(out / "edits", edits, "mask", 1)
    mario = get_task("mario-eval", {"fid": "off"}).load(data / "mario" / "MARIOEval" / "DemoEval")
    write_generated(out / "mario", mario, "id", 1)
