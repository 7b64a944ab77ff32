"""The answer of the text-rendering protocols (a *reading*), checked.

The layout is described in :mod:`harmonybench.metrics.textrender`; both the line protocols
there and :mod:`harmonybench.metrics.textrender_mario` read it through these helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harmonybench.errors import DataError
from harmonybench.schema import Sample

Reading = Mapping[str, Any]
"""The extracted answer these protocols score (layout in
:mod:`harmonybench.metrics.textrender`)."""


def where(sample: Sample) -> dict[str, str]:
    """The ``record`` argument of a :class:`DataError` about ``sample``."""
    return {"record": f"sample {sample.id}"}


def reading_images(prediction: Reading | str, sample: Sample, key: str) -> list[Any]:
    """The per-image list under ``key`` (``images`` or ``words``), checked to be non-empty."""
    if isinstance(prediction, str) and prediction == "":
        return [None]
    if not isinstance(prediction, Mapping):
        raise DataError(sample.task, f"answer {prediction!r} is not a reading "
                        "({'reader', 'images', 'words'})", field="answer", **where(sample))
    reader = prediction.get("reader")
    if reader is not None and not isinstance(reader, str):
        raise DataError(sample.task, f"reader {reader!r} is not a string",
                        field="answer.reader", **where(sample))
    images = prediction.get(key)
    if not isinstance(images, Sequence) or isinstance(images, str) or not images:
        raise DataError(sample.task, f"the answer has no {key!r} list (one entry per image)",
                        field=f"answer.{key}", **where(sample))
    return list(images)


def reading_strings(value: Any, sample: Sample, field: str) -> list[str]:
    """``value`` as a list of strings (``field`` names it in the error)."""
    if (not isinstance(value, Sequence) or isinstance(value, str)
            or not all(isinstance(v, str) for v in value)):
        raise DataError(sample.task, f"{value!r} is not a list of strings", field=field,
                        **where(sample))
    return list(value)
