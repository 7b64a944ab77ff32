"""``anytext-edit``: TextHarmony's text-editing set, scored by OCR on the edited line.

The data, the inputs built where ``edit_annt.json`` gives none, the prompts and the dataset
scores are described in :mod:`harmonybench.tasks.anytext`; the inputs are built by
:mod:`harmonybench.tasks.anytext_edit_inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.dataset_protocol import EditImages
from harmonybench.errors import DataError
from harmonybench.layout import sample_layout
from harmonybench.schema import ImageRef, Output, Record, Sample, short_hash
from harmonybench.targets import target_lines
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.anytext_edit_inputs import (
    DEFAULT_DILATION,
    edit_mask,
    find_masked,
    mask_cache_dir,
    masked_input,
    read_instructions,
    write_png,
)
from harmonybench.tasks.anytext_files import (
    anytext_subset,
    find_json,
    gt_image_root,
    read_anytext_file,
)
from harmonybench.tasks.anytext_prompts import (
    ANYTEXT_FAMILY,
    ANYTEXT_TEMPLATE,
    EDIT_INSTRUCTION,
    TEXTHARMONY_GENERATION,
    anytext_family_prompt,
)
from harmonybench.tasks.imageout import ImageOutTask
from harmonybench.tasks.imageout_common import TaskOptionError, parse_choice, parse_int

BACKGROUND_MODES: tuple[str, ...] = ("on", "off")
"""Values of the ``background`` option: compute background preservation, or not."""


class AnyTextEdit(ImageOutTask):
    """TextHarmony's editing set: NED of the edited line, background preservation, FID, CLIP.

    Options (besides :class:`~harmonybench.tasks.imageout.ImageOutTask`'s):
    ``instructions`` (``edit_annt.json`` when not beside ``edit_gt.json``), ``masked_dir``
    (where built inputs and masks go), ``mask_dilation`` (pixels, default 4), ``subset``,
    ``background`` (``on``, default, or ``off``: whether the ``background`` protocol, masked
    PSNR/SSIM outside the edit mask, is computed when the run is scored; ``off`` leaves it out
    of ``scores.json``, as ``fid=off`` does FID).
    """

    name: ClassVar[str] = "anytext-edit"
    summary: ClassVar[str] = (
        "TextHarmony editing set (219 laion_word lines): NED of the edited text, background"
    )
    kind = "edit"
    default_protocol: ClassVar[str] = "textharmony"
    protocols: ClassVar[tuple[str, ...]] = ("textharmony", "anytext")
    dataset_protocols: ClassVar[tuple[str, ...]] = (*ImageOutTask.dataset_protocols,
                                                    "background")
    """FID and CLIPScore, and background preservation outside the editing mask (PSNR in dB
    and SSIM, Wang et al. 2004; see :meth:`edit_images`)."""
    prompts = frozen({"default": EDIT_INSTRUCTION, "textharmony": EDIT_INSTRUCTION,
                      "anytext": ANYTEXT_TEMPLATE})
    generation = TEXTHARMONY_GENERATION
    family_generation = frozen({"anytext": ANYTEXT_FAMILY,
                                "textharmony": TEXTHARMONY_GENERATION})

    def __init__(
        self,
        instructions: str | None = None,
        masked_dir: str | None = None,
        mask_dilation: str | int = DEFAULT_DILATION,
        subset: str | None = None,
        background: str = "on",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.instructions = Path(instructions).expanduser() if instructions else None
        if self.instructions is not None and not self.instructions.is_file():
            raise TaskOptionError(f"--task-arg instructions={instructions!r}: not a file")
        self.masked_dir = Path(masked_dir).expanduser() if masked_dir else None
        self.mask_dilation = parse_int("mask_dilation", mask_dilation, low=0)
        self.subset = str(subset).strip() if subset else None
        self.background = parse_choice("background", background, BACKGROUND_MODES)

    # -- loading ---------------------------------------------------------------------------

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read ``edit_gt.json`` (and ``edit_annt.json``); build missing inputs and the masks.

        Raises:
            DataError: naming the file, the record and the field of the first bad item; a
                record without exactly one scored line; a ground-truth image that is missing
                where no masked input exists.
        """
        from PIL import Image

        self.check_reader()
        file = find_json(path, "edit_gt.json", "TextHarmony's editing ground truth")
        data_root, items = read_anytext_file(file)
        root = gt_image_root(file, data_root, images)
        annt, instructions = read_instructions(
            self.instructions or file.with_name("edit_annt.json"), file, len(items))
        cache = mask_cache_dir(file, self.masked_dir, self.mask_dilation)
        subset = anytext_subset(self.subset, file, data_root, root)
        samples = []
        for item, instruction in zip(items, instructions, strict=True):
            rec = item.rec
            target = {"lines": [dict(line) for line in item.lines]}
            base = Sample(id=item.img_name, task=self.name, question=item.caption,
                          target=target)
            selected = target_lines(base)
            if len(selected) != 1:
                raise rec.error(f"an editing record needs exactly one scored line (valid, "
                                f"with a polygon), found {len(selected)}", "annotations")
            full_text = target_lines(base, truncate=False)[0].text
            expected = EDIT_INSTRUCTION.render(text=full_text)
            if instruction.sentence is not None and instruction.sentence != expected:
                assert annt is not None
                raise DataError(annt, f"instruction {instruction.sentence!r} does not match "
                                f"{file.name}'s text: expected {expected!r}",
                                record=f"record {rec.index}", field="sentences")
            gt = root / item.img_name
            masked = (find_masked(instruction.masked, annt, [root, root.parent, file.parent])
                      if instruction.masked and annt is not None else None)
            if not gt.is_file() and masked is None:
                raise rec.error(f"the ground-truth image {gt} is missing and there is no masked "
                                "input to edit (pass the image folder as images)", "img_name")
            sized = gt if gt.is_file() else masked
            assert sized is not None
            with Image.open(sized) as opened:
                size = opened.size
            stem = Path(item.img_name).stem
            mask_path = cache / f"{stem}_mask.png"
            polygon = selected[0].polygon
            if not mask_path.is_file():
                write_png(Image.fromarray(edit_mask(size, polygon, self.mask_dilation),
                                           mode="L"), mask_path)
            if masked is not None:
                input_path, how = masked, "edit_annt.json"
            else:
                stat = gt.stat()
                tag = short_hash([stat.st_size, stat.st_mtime_ns], 8)
                input_path = cache / f"{stem}_input_{tag}.png"
                how = "built from GT polygon"
                if not input_path.is_file():
                    write_png(masked_input(gt, mask_path), input_path)
            layout = sample_layout(
                file, item.img_name, texts=(selected[0].text,), polygons=(polygon,),
                width=size[0], height=size[1], caption=item.caption, edit_text=full_text,
                image_name=item.img_name,
            )
            metadata: dict[str, Any] = {
                "img_name": item.img_name,
                "caption": item.caption,
                "text": full_text,
                "instruction": expected,
                "masked_input": how,
                "mask": str(mask_path),
                "mask_dilation": self.mask_dilation,
            }
            if gt.is_file():
                metadata["gt_image"] = str(gt)
            if subset:
                metadata["subset"] = subset
            samples.append(Sample(
                id=item.img_name, task=self.name, question=item.caption, target=target,
                images=(ImageRef(path=str(input_path), name=Path(input_path).name),),
                metadata=metadata, layout=layout,
            ))
        return samples

    # -- requests and extraction -----------------------------------------------------------

    def prompt(self, sample: Sample, template: PromptTemplate) -> str:
        """The instruction (the layout's ``edit_text`` in TextHarmony's form), or AnyText's
        prompt with one placeholder for the ``anytext`` family."""
        anytext = anytext_family_prompt(sample, template)
        return anytext if anytext is not None else super().prompt(sample, template)

    def edit_mask(self, sample: Sample) -> ImageRef:
        """The mask built at load (the dilated polygon, white)."""
        return ImageRef(path=str(sample.metadata["mask"]), name="mask")

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The reader's text for the edited line of every output image."""
        if sample is None:
            raise ValueError("anytext-edit extraction needs the sample (its target line)")
        return self.read_line_images(output, sample)

    # -- dataset scores --------------------------------------------------------------------

    def default_fid_reference(self, samples: Sequence[Sample]) -> tuple[list[str], str]:
        """The ground-truth images of the edited samples."""
        paths = [str(s.metadata["gt_image"]) for s in samples if s.metadata.get("gt_image")]
        return paths, "the ground-truth images"

    def edit_images(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> tuple[EditImages, ...]:
        """Each sample that has its ground-truth image: the original, the (dilated) editing
        mask and the edited images (scored by the ``background`` protocol,
        :class:`~harmonybench.metrics.background.BackgroundPreservation`)."""
        return tuple(
            EditImages(original=str(s.metadata["gt_image"]), mask=str(s.metadata["mask"]),
                       edited=tuple(r.images))
            for s, r in zip(samples, records, strict=True)
            if s.metadata.get("gt_image") and s.metadata.get("mask"))

    def enabled_dataset_protocols(self) -> tuple[str, ...]:
        """CLIPScore and FID as for every image-out task, then ``background`` (unless
        ``background=off``)."""
        own = ("background",) if self.background == "on" else ()
        return (*super().enabled_dataset_protocols(), *own)
