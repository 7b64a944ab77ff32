"""The ground truth of image-out samples: the text lines AnyText scores and MARIO's keywords.

Both the tasks (which crop the lines out of generated images and build prompts from them) and
the text-rendering protocols of :mod:`harmonybench.metrics.textrender` (which score what was read
in them) select the same lines, so the selection lives here in the core, where both may import it.

AnyText-style ground truth is ``sample.target = {"lines": [{"text", "polygon", "valid"}, ...]}``
(layout in :mod:`harmonybench.metrics.textrender`); :func:`target_lines` selects the lines the
reference scores. MARIO-Eval's ground truth is the prompt's quoted keywords,
:func:`mario_keywords`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harmonybench.errors import DataError
from harmonybench.schema import Sample

MAX_LINES = 20
"""AnyText's ``max_lines``: only the first 20 selected lines of a prompt are scored."""

MAX_CHARS = 20
"""AnyText's ``max_chars``: ground-truth texts are cut to their first 20 characters."""

_KEYWORD = re.compile(r"'([^'\n]*)'")


@dataclass(frozen=True)
class TargetLine:
    """One ground-truth text line: its text as scored, its polygon (pixels) and the
    annotation's ``language`` (AnyText's ``"Latin"``/``"Chinese"``; ``None`` when absent)."""

    text: str
    polygon: tuple[tuple[float, float], ...]
    language: str | None = None


def _where(sample: Sample) -> dict[str, str]:
    return {"record": f"sample {sample.id}"}


def target_lines(sample: Sample, *, truncate: bool = True) -> list[TargetLine]:
    """The lines AnyText's evaluation scores for ``sample``, in order.

    As ``load_data``/``get_item`` in tyxsspa/AnyText ``eval/anytext_singleGPU.py``
    (3d4a260c67d9): annotations with an empty polygon or ``valid`` false are skipped, the first
    :data:`MAX_LINES` of the rest are kept, and each text is cut to its first :data:`MAX_CHARS`
    characters (code points). The task crops these lines; the protocols score them.

    Args:
        sample: an AnyText-style sample (``target = {"lines": [...]}``).
        truncate: cut texts to :data:`MAX_CHARS` (``False`` gives the full annotation text,
            for building prompts).

    Raises:
        DataError: ``target`` or a line is missing or malformed.
    """
    target = sample.target
    lines = target.get("lines") if isinstance(target, Mapping) else None
    if not isinstance(lines, Sequence) or isinstance(lines, str):
        raise DataError(sample.task, "expected target = {'lines': [{'text', 'polygon'}, ...]}",
                        field="target.lines", **_where(sample))
    selected: list[TargetLine] = []
    for k, line in enumerate(lines):
        field = f"target.lines[{k}]"
        if not isinstance(line, Mapping):
            raise DataError(sample.task, "a line must be an object with 'text' and 'polygon'",
                            field=field, **_where(sample))
        text, polygon = line.get("text"), line.get("polygon")
        if not isinstance(text, str):
            raise DataError(sample.task, f"text {text!r} is not a string",
                            field=f"{field}.text", **_where(sample))
        if not isinstance(polygon, Sequence) or isinstance(polygon, str):
            raise DataError(sample.task, f"polygon {polygon!r} is not a list of [x, y] points",
                            field=f"{field}.polygon", **_where(sample))
        language = line.get("language")
        if language is not None and not isinstance(language, str):
            raise DataError(sample.task, f"language {language!r} is not a string",
                            field=f"{field}.language", **_where(sample))
        if len(polygon) == 0 or line.get("valid", True) is False:
            continue
        try:
            points = tuple((float(p[0]), float(p[1])) for p in polygon)
        except (TypeError, ValueError, IndexError) as exc:
            raise DataError(sample.task, f"polygon {polygon!r} is not a list of [x, y] points",
                            field=f"{field}.polygon", **_where(sample)) from exc
        selected.append(TargetLine(text[:MAX_CHARS] if truncate else text, points, language))
        if len(selected) == MAX_LINES:
            break
    return selected


def mario_keywords(prompt: str) -> list[str]:
    """The words MARIO-Eval expects in the image: single-quoted spans of the prompt, split.

    As ``get_key_words`` applied to ``line.strip().lower()`` in microsoft/unilm
    ``textdiffuser/eval/ocr_eval.py`` (768a3c873f59): the prompt is stripped and lowercased,
    every shortest ``'...'`` span on one line is taken left to right, and each is split on
    whitespace. An apostrophe inside a word opens or closes a span like any quote
    (``"'don't go'"`` gives ``["don"]``).
    """
    words: list[str] = []
    for span in _KEYWORD.findall(prompt.strip().lower()):
        words.extend(span.split())
    return words
