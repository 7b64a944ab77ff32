"""``anytext-t2i`` and ``anytext-edit``: text rendering in generated and edited images.

**anytext-t2i** reads AnyText-benchmark's ``test1k.json`` (tyxsspa/AnyText, read by
``eval/anytext_singleGPU.py`` ``load_data``/``get_item`` at 3d4a260c67d9)::

    {"data_root": "/path/to/imgs",
     "data_list": [{"img_name": "001253546.jpg", "caption": "...",
                    "annotations": [{"polygon": [[x, y], ...], "text": "WINNER",
                                     "language": "Latin", "valid": true, "pos": 7}]}]}

``load`` takes the file or the folder holding it (``benchmark/laion_word``). Sample ids are
``img_name`` (an id given twice is an error). As the reference, a ``*`` in a caption becomes a
space, ``annotations`` may be absent (no lines), and a line with an empty polygon or
``valid: false`` is not scored (:func:`~harmonybench.targets.target_lines`: also
the first 20 lines, texts cut to 20 characters). ``valid``, ``pos`` and ``language`` may be
left out here (the reference needs ``valid`` and ``pos``). The ground-truth image, when the
file exists, is ``sample.images[0]`` (the default FID reference); it is looked for in the
``images`` argument, else ``data_root`` (relative to the JSON file's folder) when that folder
exists, else ``imgs/`` beside the JSON file, else that folder. The image is never given to
the model.

**anytext-edit** reads TextHarmony's editing set (bytedance/TextHarmony
``TextHarmony/configs/release/edit_gt.json`` and ``edit_annt.json`` at f98ac34b206f): 219
laion_word images with one line each. ``load`` takes ``edit_gt.json`` (AnyText's format,
usually without ``data_root``) or its folder; ``edit_annt.json`` is read from beside it, or
from the ``instructions=PATH`` option. Each ``edit_gt.json`` record must have exactly one
scored line. ``edit_annt.json`` (optional) is TextHarmony's inference list, in the same order;
its ``sentences[0]`` must be the instruction ``Fill the masked part in this image with
"<text>".`` for that record's text, and its ``images[0]`` is the masked input image
(``<laion_word>/edit_images/<stem>_mask.jpg``, not part of the public benchmark). The masked
input is looked for at that path, relative to ``edit_annt.json``'s folder, and as
``edit_images/<name>`` beside the ground-truth image folder or the JSON files. **Where it is
absent, it is built** from the ground-truth image: the line's polygon (pixels of the image) is
filled (``cv2.fillPoly``, 255), dilated by ``mask_dilation`` pixels (default 4, a square
``(2d+1)x(2d+1)`` neighbourhood) and painted neutral grey ``(128, 128, 128)`` (what AnyText's
editing mode feeds its encoder: ``(x / 127.5 - 1) * (1 - mask)`` is 0, mid-grey, inside the
mask). The mask (white = region to repaint, the dilated polygon) is always built that way:
the release ships no mask files. Both are PNG files in ``masked_dir`` (option), by default
``$XDG_CACHE_HOME/harmonybench/anytext-edit/<digest>`` (``~/.cache`` without
``XDG_CACHE_HOME``), where the digest covers ``edit_gt.json``'s bytes and the building
settings; a file already there is reused (the input's name also carries the ground-truth
file's size and modification time). ``sample.metadata["masked_input"]`` says which:
``"edit_annt.json"`` or ``"built from GT polygon"``.

**Prompts** (the reference's T2I prompt construction for TextHarmony is unknown, §1.3 of the
reference notes, so ``default`` is harmonybench's own rule):

- t2i ``default`` (``T2I_DEFAULT``): the caption with the scored texts (cut to 20 characters)
  in double quotes, by :func:`~harmonybench.tasks.anytext_prompts.quote_texts`: for each text
  in line order, its first occurrence in the caption, case-insensitively, not overlapping one
  already quoted and not inside a longer word (an ASCII letter or digit on both sides of the
  boundary rejects a match), is replaced by the text itself in double quotes (``"... 2017 winner"``
  with ``WINNER`` gives ``... 2017 "WINNER"``: the annotation's case, which Sen.ACC checks); texts
  not found are appended as ``, with the words "A", "B"``.
- t2i ``textharmony``: ``Generate an image according to the caption. {quoted caption}``
  (TextHarmony's instruction, ``docs/examples/example.json``, with the same quoting).
- t2i ``anytext``: AnyText's evaluation prompt (``get_item`` + ``get_caption_pos`` with
  ``prob = 0``): the caption, then ``, content and position of the texts are `` and one ``*``
  per line as ``* , * .``; the caption alone when there is no line. The reference draws the
  connecting phrase at random from 10; this uses the first, always. AnyText's pipeline then
  swaps each ``*`` for the glyph embedding of ``layout.texts[k]`` and appends
  ``a_prompt`` itself (``, best quality, extremely detailed``), which is not in the prompt.
- edit ``default`` and ``textharmony``: ``Fill the masked part in this image with "{text}".``
  (``edit_annt.json``); edit ``anytext``: the caption with one ``*``, as for t2i.

**Generation settings**: ``anytext`` family: AnyText's (``eval/anytext_singleGPU.py``: 4
images per prompt, 20 DDIM steps, CFG 9.0, 512x512, seed 100 for every prompt, its negative
prompt); ``textharmony`` family: TextHarmony's (``896-moe-eval.yaml``: 1 image, 30 steps,
guidance 7.5, 512x512). ``default`` follows the task's default protocol: AnyText's for t2i
(without the fixed seed and negative prompt: per-sample seeds), TextHarmony's for editing.

**Requests** follow the image-out contract (:mod:`harmonybench.layout`): t2i ``question`` =
the caption; ``layout`` (:class:`~harmonybench.layout.TextLayout`, filled at load as
``Sample.layout``) = ``texts`` (the scored texts), ``polygons``, ``width``/``height`` (the
polygons' frame: 512x512 for t2i, the ground-truth image's size for editing), ``caption``,
``quoted_caption`` and ``image_name`` (``img_name``); editing adds the layout's ``edit_text``
(the full text), ``images = (masked input,)`` and ``mask``. ``metadata`` keeps ``img_name``,
``caption`` and ``subset`` (editing: also its instruction and how the input was made) for
reading. The ground-truth image path is never in a request. A polygon the layout refuses (not
``[x, y]`` number pairs, fewer than 3 points) stops the load with a
:class:`~harmonybench.errors.DataError` naming the file, the sample and the field.

**Protocols**: t2i ``anytext`` (default; Sen.ACC and NED) and ``textharmony``; editing
``textharmony`` (default; NED) and ``anytext``. Extraction reads every target line of every
output image with the task's reader (:mod:`harmonybench.tasks.imageout`). Dataset scores:
FID (reference: ``fid_reference=DIR``, AnyText's convention being the benchmark's ``FID/``
folder; else the ground-truth images), CLIPScore with ``clip=PATH`` (caption: the raw
caption), and for editing the background preservation (the ``background`` dataset protocol
on :meth:`~harmonybench.tasks.anytext_edit.AnyTextEdit.edit_images`).

**Subset**: ``laion_word``/``wukong_word`` from the ``subset`` option, else a folder of that
name in the data path, else in ``data_root``; kept in ``sample.metadata["subset"]``. The
leaderboard matches published numbers by the subset in the run's data path.

**Modules**: this one holds the t2i task; :mod:`~harmonybench.tasks.anytext_edit` the editing
task, :mod:`~harmonybench.tasks.anytext_edit_inputs` its built inputs and masks,
:mod:`~harmonybench.tasks.anytext_files` the file reader and
:mod:`~harmonybench.tasks.anytext_prompts` the prompts and generation settings of both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from harmonybench.layout import sample_layout
from harmonybench.schema import ImageRef, Output, Sample
from harmonybench.targets import target_lines
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.anytext_files import (
    anytext_subset,
    find_json,
    gt_image_root,
    read_anytext_file,
)
from harmonybench.tasks.anytext_prompts import (
    ANYTEXT_FAMILY,
    ANYTEXT_GENERATION,
    ANYTEXT_TEMPLATE,
    T2I_DEFAULT,
    T2I_TEXTHARMONY,
    TEXTHARMONY_GENERATION,
    anytext_family_prompt,
    quote_texts,
)
from harmonybench.tasks.imageout import ImageOutTask


class AnyTextT2I(ImageOutTask):
    """AnyText-benchmark text-to-image: AnyText's Sen.ACC/NED of OCR'd lines, FID, CLIPScore.

    Options (besides :class:`~harmonybench.tasks.imageout.ImageOutTask`'s): ``subset``
    (``laion_word``/``wukong_word``; otherwise found in the data path).
    """

    name: ClassVar[str] = "anytext-t2i"
    summary: ClassVar[str] = (
        "AnyText-benchmark T2I: OCR accuracy (Sen.ACC, NED) of rendered text lines, FID, CLIP"
    )
    kind = "t2i"
    default_protocol: ClassVar[str] = "anytext"
    protocols: ClassVar[tuple[str, ...]] = ("anytext", "textharmony")
    prompts = frozen({"default": T2I_DEFAULT, "textharmony": T2I_TEXTHARMONY,
                      "anytext": ANYTEXT_TEMPLATE})
    generation = ANYTEXT_GENERATION
    family_generation = frozen({"anytext": ANYTEXT_FAMILY,
                                "textharmony": TEXTHARMONY_GENERATION})

    def __init__(self, subset: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.subset = str(subset).strip() if subset else None

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read ``test1k.json`` (or the folder holding it); see the module docstring.

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """
        self.check_reader()
        file = find_json(path, "test1k.json", "AnyText-benchmark annotations")
        data_root, items = read_anytext_file(file)
        root = gt_image_root(file, data_root, images)
        subset = anytext_subset(self.subset, file, data_root)
        samples = []
        for item in items:
            target = {"lines": [dict(line) for line in item.lines]}
            base = Sample(id=item.img_name, task=self.name, question=item.caption,
                          target=target)
            selected = target_lines(base)
            gt = root / item.img_name
            texts = tuple(ln.text for ln in selected)
            layout = sample_layout(
                file, item.img_name, texts=texts, polygons=tuple(ln.polygon for ln in selected),
                width=512, height=512, caption=item.caption,
                quoted_caption=quote_texts(item.caption, texts), image_name=item.img_name,
            )
            metadata: dict[str, Any] = {"img_name": item.img_name, "caption": item.caption}
            if subset:
                metadata["subset"] = subset
            samples.append(Sample(
                id=item.img_name, task=self.name, question=item.caption, target=target,
                images=(ImageRef(path=str(gt), name=item.img_name),) if gt.is_file() else (),
                metadata=metadata, layout=layout,
            ))
        return samples

    def prompt(self, sample: Sample, template: PromptTemplate) -> str:
        """AnyText's placeholder prompt for the ``anytext`` family, else the template filled
        (:meth:`ImageOutTask.prompt <harmonybench.tasks.imageout.ImageOutTask.prompt>`)."""
        anytext = anytext_family_prompt(sample, template)
        return anytext if anytext is not None else super().prompt(sample, template)

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The reader's text for every target line of every generated image."""
        if sample is None:
            raise ValueError("anytext-t2i extraction needs the sample (its target lines)")
        return self.read_line_images(output, sample)
