"""The OCR reader interface that image-out metrics take as an argument.

A reader turns image crops into text. RapidOCR's bundled PP-OCR and Tesseract implement it (in
``harmonybench.models``); any callable ``crop -> text`` can be wrapped with
:class:`CallableReader`. A reader's :attr:`~TextReader.identity` (name and version) is recorded
with every score it produced, since an OCR-based accuracy is only meaningful with its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PIL import Image


@runtime_checkable
class TextReader(Protocol):
    """Reads the text of image crops, one string per crop."""

    @property
    def identity(self) -> str:
        """Name and version, e.g. ``"rapidocr 3.10.0 (PP-OCRv6_rec_small)"``."""
        ...

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        """The text of each crop (``""`` when nothing is read)."""
        ...


class CallableReader:
    """Wraps any ``crop -> text`` callable as a :class:`TextReader`.

    Args:
        fn: called once per crop.
        identity: how scores produced with it are labelled (name and version).
    """

    def __init__(self, fn: Callable[[Image.Image], str], identity: str) -> None:
        self._fn = fn
        self._identity = identity

    @property
    def identity(self) -> str:
        """The label given at construction."""
        return self._identity

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        """``fn`` applied to each crop."""
        return [self._fn(crop) for crop in crops]
