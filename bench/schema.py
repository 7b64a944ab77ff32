"""The records that flow through an evaluation: Sample, Request, Output, Record.

The flow (``DESIGN.md``): ``task.load`` gives :class:`Sample` objects, ``task.request`` turns
one into a :class:`Request`, a model adapter answers a batch of requests with :class:`Output`
objects, the task extracts an answer, protocols score it, and a :class:`Record` is journaled.

Raw output and scores live in separate fields of :class:`Record`, so a metric fix never needs
inference again. :class:`Record` is a journal line, defined with the other result files in
:mod:`harmonybench.resultmodels` and re-exported here.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from harmonybench.errors import ImageError
from harmonybench.layout import TextLayout
from harmonybench.resultmodels import LEGACY_SCORING_FAILED as LEGACY_SCORING_FAILED
from harmonybench.resultmodels import Record as Record
from harmonybench.resultmodels import Scores as Scores

if TYPE_CHECKING:
    from PIL import Image

RequestKind = Literal[
    "vqa", "recognition", "grounding", "detection", "spotting", "t2i", "edit"
]
"""What a request asks of a model. Text-out kinds first, image-out kinds last."""

REQUEST_KINDS: tuple[RequestKind, ...] = (
    "vqa", "recognition", "grounding", "detection", "spotting", "t2i", "edit"
)
TEXT_OUT_KINDS: frozenset[RequestKind] = frozenset(
    {"vqa", "recognition", "grounding", "detection", "spotting"}
)
IMAGE_OUT_KINDS: frozenset[RequestKind] = frozenset({"t2i", "edit"})


def canonical_json(value: Any) -> str:
    """Serialise ``value`` deterministically (sorted keys, no spaces) for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def short_hash(value: Any, length: int = 12) -> str:
    """A short sha256 hex digest of ``value``'s canonical JSON (or of a ``str`` as is)."""
    text = value if isinstance(value, str) else canonical_json(value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class ImageRef:
    """A lazily opened image: a file path, or encoded bytes (hub parquet rows embed bytes).

    Args:
        path: where the image lives on disk, when it is a file.
        data: the encoded image bytes (PNG, JPEG, ...), when it came embedded in a table.
        name: a display name (the dataset's own relative path), used in messages.
    """

    path: str | None = None
    data: bytes | None = field(default=None, repr=False)
    name: str | None = None

    def __post_init__(self) -> None:
        if self.path is None and self.data is None:
            raise ValueError("ImageRef needs a path or data")

    def open(self) -> Image.Image:
        """Open the image with PIL and convert it to RGB.

        Raises:
            ImageError: the file is missing, is not an image or is damaged; the message names
                the file (:meth:`describe`) and why.
        """
        from PIL import Image, UnidentifiedImageError

        try:
            if self.data is not None:
                img = Image.open(io.BytesIO(self.data))
            else:
                assert self.path is not None
                img = Image.open(self.path)
            return img.convert("RGB")
        except FileNotFoundError as exc:
            raise ImageError(self.describe(), "no such file") from exc
        except UnidentifiedImageError as exc:
            raise ImageError(self.describe(), "not an image PIL can read (corrupt, empty or "
                                              "another format)") from exc
        except Exception as exc:  # truncated data, a broken PNG chunk, a decompression bomb
            raise ImageError(self.describe(), f"{type(exc).__name__}: {exc}") from exc

    def describe(self) -> str:
        """The path, or the dataset's name for embedded bytes."""
        return self.path or self.name or f"<{len(self.data or b'')} embedded bytes>"

    def to_json(self) -> str:
        """How the image is named in records and hashes (never the bytes themselves)."""
        if self.path is not None:
            return self.path
        digest = hashlib.sha256(self.data or b"").hexdigest()[:16]
        return f"{self.name or 'embedded'}#sha256:{digest}"


@dataclass(frozen=True)
class Sample:
    """One evaluation item, as loaded from a benchmark's own annotation file.

    Args:
        id: a stable string: the dataset's question id where it has one, otherwise the
            0-based position in the annotation file.
        task: the task name that loaded it.
        question: the question, or the prompt for generation tasks.
        answers: the ground-truth answers (all of them; VQA tasks have several).
        images: the input images.
        target: structured ground truth that is not text (boxes, polygons, masks), if any.
        metadata: everything else the file says about the item (category, source dataset...).
        layout: what an image-out sample asks a model to write, where, on which canvas
            (:mod:`harmonybench.layout`); ``None`` for text-out samples.
    """

    id: str
    task: str
    question: str | None
    answers: tuple[str, ...] = ()
    images: tuple[ImageRef, ...] = ()
    target: Mapping[str, Any] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    layout: TextLayout | None = None


def has_ground_truth(sample: Sample) -> bool:
    """Whether the sample can be scored (test splits ship questions without answers)."""
    return bool(sample.answers) or sample.target is not None


@dataclass(frozen=True)
class Request:
    """What a model adapter is asked to do for one sample.

    ``prompt`` is the rendered prompt of ``template_id``; ``question`` is kept as well so that
    adapters with a prompt format of their own (Monkey, TextHarmony) can build theirs, and then
    report the template they used in :attr:`Output.template_id`.

    Image requests carry their texts, polygons, canvas and captions in :attr:`layout` (the
    task/model contract, :mod:`harmonybench.layout`); ``metadata`` is the sample's own, for
    reading, and is not part of :meth:`hash`.
    """

    sample_id: str
    task: str
    kind: RequestKind
    prompt: str
    template_id: str
    template_hash: str
    question: str | None = None
    index: int | None = None
    """The sample's 0-based position in the task's data (for positional prediction files)."""
    images: tuple[ImageRef, ...] = ()
    mask: ImageRef | None = None
    seed: int | None = None
    generation: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    layout: TextLayout | None = None
    """What an image request asks to write, where and on which canvas (``None``: text-out)."""

    def hash(self) -> str:
        """A digest of everything that determines the model's answer to this request.

        The layout is included when there is one (a request without it hashes as before, so
        text-out runs keep their hashes).
        """
        content: dict[str, Any] = {
            "task": self.task,
            "kind": self.kind,
            "prompt": self.prompt,
            "template": [self.template_id, self.template_hash],
            "images": [im.to_json() for im in self.images],
            "mask": self.mask.to_json() if self.mask else None,
            "seed": self.seed,
            "generation": dict(self.generation),
        }
        if self.layout is not None:
            content["layout"] = self.layout.to_json()
        return short_hash(content, length=16)


@dataclass(frozen=True)
class Output:
    """A model adapter's answer to one request.

    Exactly one of ``text``/``images`` is expected for a successful output; ``error`` is set
    instead when the adapter failed on this sample (the run loop records it, never scores it).
    ``unsupported`` marks a request kind the adapter cannot serve.
    """

    sample_id: str
    text: str | None = None
    images: tuple[str, ...] = ()
    error: str | None = None
    unsupported: bool = False
    latency_s: float = 0.0
    template_id: str | None = None
    template_hash: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the adapter produced an answer."""
        return self.error is None and not self.unsupported


def as_path(value: str | Path) -> Path:
    """``Path(value)`` with ``~`` expanded."""
    return Path(value).expanduser()
