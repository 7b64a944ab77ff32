"""The 2023 MultimodalOCR study's answer files (Liu et al., *On the Hidden Mystery of OCR in
Large Multimodal Models*, arXiv 2305.07895 v1): task ``mmocr-2023``.

Format read by :meth:`MMOCR2023.load` (Yuliang-Liu/MultimodalOCR ``answer_save/<model>/`` at
e22b12b169ad, written by ``eval.py``'s ``evaluate_VQA``/``evaluate_OCR``/``evaluate_Formula``):
a JSON list of ``{"question", "answer" (the model's raw output), "gt_answers" (a string or a
list), "image_path", "model_name"}``, one file per dataset, **named by the dataset**
(``textVQA.json``, ``ct80.json``, ``HME.json``...; the scoring rule depends on it, see
:mod:`harmonybench.metrics.mmocr2023`). The ground truth is inside the answer file, and so is
the prediction: ``harmonybench score`` needs no ``--predictions``, and ``--model replay:FILE``
replays it.

``--data`` is one answer file, or a model's folder: every ``<dataset>.json`` directly in it,
in name order (``result.json`` and ``result1.json``, the study's scores, are skipped; so are
sub-folders such as ``opt/opt_hugging``). Sample ids are ``<dataset>/<position>``; the metadata
keeps ``dataset`` (the file name) and ``model_name``. The ``answer`` field is read by the
prediction readers (:mod:`harmonybench.answer_files`), not by the task.
Image paths (``./data/ct80/timage/001.jpg``, relative to the study's checkout) resolve against
``--images``, else the answer file's folder; no image is needed to score or replay.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harmonybench.answer_files import mmocr_answer_files
from harmonybench.errors import DataError
from harmonybench.schema import Sample
from harmonybench.task import PromptTemplate, Task, frozen
from harmonybench.tasks.common import Draft, build_samples
from harmonybench.tasks.records import image_file, image_root, read_document


class MMOCR2023(Task):
    """The 2023 study's answer files, scored by its ``eval.py`` (default protocol
    ``mmocr-2023``; ``mmocr-2023-space`` is MiniGPT4's ``result1.json`` variant).

    Prompts: ``default`` is the record's question as the study asked it (``eval.py`` passes
    the dataset's question, or ``what is written in the image?`` for recognition).
    """

    name: ClassVar[str] = "mmocr-2023"
    summary: ClassVar[str] = (
        "MultimodalOCR 2023 study answer files (GT inside; dataset from the file name)"
    )
    default_protocol: ClassVar[str] = "mmocr-2023"
    protocols: ClassVar[tuple[str, ...]] = ("mmocr-2023", "mmocr-2023-space")
    prompts = frozen({"default": PromptTemplate("mmocr-2023/default@1", "{question}")})
    generation = frozen({"max_new_tokens": 128, "do_sample": False})

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read one answer file or a model's folder of them (see the module docstring).

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """
        source = Path(path).expanduser()
        drafts: list[Draft] = []
        for file in mmocr_answer_files(source):
            doc = read_document(file)
            if not isinstance(doc.value, list):
                raise DataError(file, "expected a JSON list of answer records")
            root = image_root(file, images)
            for rec in doc.records(doc.value):
                drafts.append(Draft(
                    rec=rec,
                    id=f"{file.stem}/{rec.index}",
                    question=rec.text("question"),
                    answers=rec.answers("gt_answers"),
                    images=(image_file(rec, "image_path", root),),
                    metadata={"dataset": file.stem, **rec.meta("model_name")},
                    answers_field="gt_answers",
                ))
        return build_samples(self.name, drafts, source)
