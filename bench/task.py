"""The task interface: a benchmark family's loader, prompts, request kind and answer extraction.

A task reads the benchmark's own annotation files (and, for hub datasets, the parquet layouts the
community publishes, read through ``datasets`` from a local folder), turns each item into a
:class:`~harmonybench.schema.Sample`, builds the :class:`~harmonybench.schema.Request` a model
answers, and extracts the answer a protocol scores from the model's
:class:`~harmonybench.schema.Output`.
"""

from __future__ import annotations

import string
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from harmonybench.dataset_protocol import DatasetInputs
from harmonybench.schema import Output, Record, Request, RequestKind, Sample, short_hash

Modality = Literal["text", "image"]


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt template with a stable id; its hash is recorded with every request.

    ``template`` uses ``str.format`` fields, typically ``{question}``.
    """

    id: str
    template: str

    @property
    def hash(self) -> str:
        """sha256 (12 hex digits) of the template text."""
        return short_hash(self.template)

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``{field}`` names the template uses."""
        return tuple(
            name for _, name, _, _ in string.Formatter().parse(self.template) if name
        )

    def render(self, **values: Any) -> str:
        """Fill the template; a missing field raises ``KeyError`` naming it."""
        return self.template.format(**values)


def frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view of ``mapping`` (class-level defaults are never mutated)."""
    return MappingProxyType(dict(mapping))


class Task(ABC):
    """A benchmark family. Subclasses are registered by :attr:`name`.

    Class attributes describe the task; :meth:`load` is the only method every task must write.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    summary: ClassVar[str]
    modality: ClassVar[Modality] = "text"
    kind: ClassVar[RequestKind] = "vqa"
    default_protocol: ClassVar[str]
    protocols: ClassVar[tuple[str, ...]]
    prompts: ClassVar[Mapping[str, PromptTemplate]]
    """Prompt templates by family (``default``, ``monkey``, ...); ``default`` must exist."""
    generation: ClassVar[Mapping[str, Any]] = frozen({"max_new_tokens": 32, "do_sample": False})
    """Default generation settings (overridable per model family and by the user)."""
    family_generation: ClassVar[Mapping[str, Mapping[str, Any]]] = frozen({})
    """Generation settings that a prompt family's reference script uses instead."""
    frame_protocols: ClassVar[Mapping[str, str]] = frozen({})
    """The protocol to headline for a model answering in a given coordinate frame (see
    :attr:`harmonybench.model.ModelAdapter.frame`); empty for tasks without coordinates."""
    dataset_protocols: ClassVar[tuple[str, ...]] = ()
    """The dataset-level protocols this task can compute (FID, CLIPScore, background
    preservation; :data:`harmonybench.registries.DATASET_PROTOCOLS`), as :attr:`protocols`
    lists the per-sample ones. Which of them run is :meth:`enabled_dataset_protocols`."""
    positional_ids: ClassVar[bool] = False
    """Whether sample ids are positions in the file (OCRBench: its ``id`` field repeats), so
    that prediction files in the official "annotations plus ``predict``" layout are matched by
    position."""

    @abstractmethod
    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read the annotation file or folder at ``path``.

        Args:
            path: an official annotation file, or a folder of the hub's parquet files.
            images: the image folder that relative image paths are resolved against;
                by default the annotation file's folder.

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """

    def headline_protocol(self, frame: str | None = None) -> str:
        """The protocol whose main metric represents this task for a model answering in
        ``frame`` (the default protocol when the frame is unknown or not listed)."""
        return self.frame_protocols.get(frame or "", self.default_protocol)

    def template(self, family: str = "default") -> PromptTemplate:
        """The prompt template for ``family``, falling back to ``default``."""
        return self.prompts.get(family, self.prompts["default"])

    def prompt_setting(self) -> str | None:
        """The prompt setting a score depends on beyond the template (TextVQA: whether the
        prompt carries OCR tokens), recorded in ``run.json`` and shown beside the task's
        scores on the leaderboard; ``None`` for tasks without such settings."""
        return None

    def prompt_fields(self, sample: Sample) -> dict[str, Any]:
        """Template fields beyond ``{question}`` filled from ``sample`` (none by default)."""
        return {}

    def generation_for(self, family: str = "default") -> dict[str, Any]:
        """Generation settings for ``family``: the task's defaults updated by the family's."""
        settings = dict(self.generation)
        settings.update(self.family_generation.get(family, {}))
        return settings

    def request(
        self,
        sample: Sample,
        family: str = "default",
        generation: Mapping[str, Any] | None = None,
        seed: int | None = None,
        index: int | None = None,
    ) -> Request:
        """Build the request for ``sample`` with the ``family`` prompt template.

        ``index`` is the sample's position in the loaded data, passed through to adapters that
        replay positional prediction files."""
        tpl = self.template(family)
        settings = self.generation_for(family)
        if generation:
            settings.update(generation)
        return Request(
            sample_id=sample.id,
            task=self.name,
            kind=self.kind,
            prompt=tpl.render(question=sample.question or "", **self.prompt_fields(sample)),
            template_id=tpl.id,
            template_hash=tpl.hash,
            question=sample.question,
            index=index,
            images=sample.images,
            seed=seed,
            generation=settings,
            metadata=dict(sample.metadata),
            layout=sample.layout,
        )

    def enabled_dataset_protocols(self) -> tuple[str, ...]:
        """The dataset-level protocols to compute with this task's options, in the order
        ``scores.json`` lists them (by default every one of :attr:`dataset_protocols`)."""
        return self.dataset_protocols

    def dataset_inputs(
        self, samples: Sequence[Sample], records: Sequence[Record]
    ) -> DatasetInputs:
        """What the dataset-level protocols score (:mod:`harmonybench.dataset_protocol`).

        ``samples`` and ``records`` are the scored ones, aligned. By default each record's
        images and the sample's question as its caption; image-out tasks add their FID
        reference, the edit originals and the options naming the models.
        """
        return DatasetInputs(task=self.name,
                             generated=tuple(tuple(r.images) for r in records),
                             captions=tuple(s.question or "" for s in samples))

    def answer_reader(self) -> str | None:
        """The identity of the reader :meth:`extract` reads outputs with (image-out tasks: the
        OCR engine, version and models), recorded as the answer's ``reader``; ``None`` for
        tasks that extract text answers."""
        return None

    def reusable_answer(self, answer: Any) -> bool:
        """Whether ``rescore`` may keep a journaled answer instead of extracting it again.

        Only readings of the reader :meth:`answer_reader` names (no OCR again); text answers
        are cheap to extract, and a fixed extraction rule must reach old runs.
        """
        reader = self.answer_reader()
        return reader is not None and isinstance(answer, Mapping) \
            and answer.get("reader") == reader

    def extract(self, output: Output, sample: Sample | None = None) -> Any:
        """The answer a protocol scores: the output text as the model wrote it.

        Protocols apply their reference's own normalisation (some references measure the raw
        prediction's length, so nothing is stripped here). ``""`` when there is no text.
        Image-out tasks return structured readings (the OCR of each target region), which
        are journaled so that re-scoring never needs the reader again.
        """
        return output.text or ""
