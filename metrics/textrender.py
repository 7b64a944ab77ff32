"""OCR-based text-rendering accuracy of generated images: ``anytext``, ``textharmony``, ``mario``.

These protocols score *readings*: what an OCR reader read in the images a model generated for
one prompt. Reading is the task's extraction step (it needs the images and a
:class:`~harmonybench.reader.TextReader`: :func:`harmonybench.crop.read_lines` reads the
ground-truth line regions); the protocols only compare strings, so a journal can be re-scored
under any of them without the images or the reader.

**The answer** (the extracted answer the protocols receive), one per prompt::

    {"reader": "rapidocr 3.10.0 (PP-OCRv6_rec_small)",      # the reader's identity
     "images": [{"lines": ["text read in line 0", ...]},   # one entry per generated image;
                {"lines": [...]}, ...],                    #   lines[k] read in target line k
     "words": [["whole", "image", "words"], ...]}          # per image, whole-image OCR words

``images`` is what ``anytext`` and ``textharmony`` need: for every generated image of the prompt
(AnyText generates 4 per prompt, TextHarmony 1), the text read in each ground-truth line region,
in the order of :func:`~harmonybench.targets.target_lines`. ``words`` is what ``mario``
needs: for every generated image, the words a whole-image OCR (detection + recognition) found,
one string per word.
``reader`` names the reader; it is kept in the journal with the answer. An empty string as the
answer (what the scoring stage passes for a missing prediction) reads as one image in which
nothing was read.

**The ground truth** is ``sample.target``:

- AnyText-style data (``anytext``, ``textharmony``)::

      {"lines": [{"text": "WINNER", "polygon": [[209, 426], [209, 380], [438, 380], [438, 426]],
                  "valid": true}, ...]}

  one entry per annotation of AnyText's ``test1k.json`` (or TextHarmony's ``edit_gt.json``),
  in file order; ``valid`` may be left out (true).
  :func:`~harmonybench.targets.target_lines` selects the lines the reference scores: it skips
  a line whose ``polygon`` is empty or whose ``valid`` is false, keeps the first 20
  (``max_lines``) and truncates each text to its first 20 characters
  (``max_chars``). The task crops exactly these lines, in this order.
- MARIO-Eval (``mario``): ``{"words": ["hello", "world"]}``, the prompt's keywords as
  :func:`~harmonybench.targets.mario_keywords` extracts them from the prompt line.

**Per-sample values** (``evaluate``) are the sample's own means (the first key, for paired
comparisons) plus sufficient statistics (sums and counts); ``reduce`` adds them up over the
dataset, so the dataset numbers are the references' micro averages (over all lines of all
images of all prompts, or over all images), not means of per-prompt means. ``reduce`` also
reports the counts ``lines``/``images``. A prompt with no scored line (every annotation
invalid) adds nothing to the line averages; its own per-sample value is 0.0.
"""

from __future__ import annotations

import string
from abc import abstractmethod
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from rapidfuzz.distance import Levenshtein

from harmonybench.errors import DataError
from harmonybench.meaning import COUNT, FRACTION, MAIN, SUM, MetricTable, declare
from harmonybench.protocol import BaseProtocol
from harmonybench.schema import Sample
from harmonybench.targets import target_lines

Reading = Mapping[str, Any]
"""The extracted answer these protocols score (layout in the module docstring)."""

NED_EPSILON = 1e-5
"""Added to the longer length in the NED denominator (``get_ld`` in the references)."""

PRF_EPSILON = 1e-8
"""Added to the denominators of MARIO's precision, recall and F (``ocr_eval.py``)."""

PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x20, 0x7F))
"""The characters of AnyText's English dictionary ``ocr_weights/en_dict.txt`` (95 entries:
printable ASCII, space included)."""

_ASCII_ALNUM = frozenset(string.ascii_lowercase + string.digits)


def _where(sample: Sample) -> dict[str, str]:
    return {"record": f"sample {sample.id}"}


def ned(prediction: str, target: str) -> float:
    """``1 - Lev(prediction, target) / (max(len) + 1e-5)``: 1.0 for equal strings (also empty).

    The references' ``get_ld`` (unit-cost Levenshtein distance, lengths in symbols).
    """
    distance = Levenshtein.distance(prediction, target)
    return 1.0 - distance / (max(len(prediction), len(target)) + NED_EPSILON)


def load_dictionary(path: str | Path) -> frozenset[str]:
    """The characters of a PP-OCR dictionary file, as AnyText's ``TextRecognizer`` reads it.

    One entry per line (the line without its ``\\n``/``\\r\\n``), plus the space that
    ``get_char_dict`` appends. Pass the result to :class:`AnyTextOCR` to score Chinese
    (``ppocr_keys_v1.txt`` for wukong_word).

    Raises:
        DataError: the file cannot be read as UTF-8.
    """
    try:
        raw = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read the dictionary: {exc}") from exc
    entries = [line.rstrip("\n").rstrip("\r") for line in raw.split("\n")]
    if raw.endswith("\n"):
        entries.pop()
    return frozenset([*entries, " "])


def collapse_unknown(text: str, dictionary: frozenset[str]) -> str:
    """``text`` with every character outside ``dictionary`` replaced by a space.

    AnyText's NED maps characters to dictionary ids and every unknown character to the last id,
    which is the space that ``get_char_dict`` appends to the dictionary. The id sequence is
    therefore the character sequence with unknown characters turned into spaces, and the
    Levenshtein distance over ids equals the distance over these strings.
    """
    return "".join(c if c in dictionary else " " for c in text)


def textharmony_normalize(text: str) -> str:
    """Lowercase (Unicode ``str.lower``), then keep only ASCII letters and digits.

    As bytedance/TextHarmony ``image_eval/eval_dgocr.py`` (f98ac34b206f): ``.lower()`` then
    ``curses.ascii.isalpha``/``isdigit`` per character, which accept only ``a-z``, ``A-Z``
    and ``0-9`` (``"Ö"`` is dropped; the Kelvin sign lowercases to an ASCII ``k`` and stays).
    """
    return "".join(c for c in text.lower() if c in _ASCII_ALNUM)


def _images(prediction: Reading | str, sample: Sample, key: str) -> list[Any]:
    """The per-image list under ``key`` (``images`` or ``words``), checked to be non-empty."""
    if isinstance(prediction, str) and prediction == "":
        return [None]
    if not isinstance(prediction, Mapping):
        raise DataError(sample.task, f"answer {prediction!r} is not a reading "
                        "({'reader', 'images', 'words'})", field="answer", **_where(sample))
    reader = prediction.get("reader")
    if reader is not None and not isinstance(reader, str):
        raise DataError(sample.task, f"reader {reader!r} is not a string",
                        field="answer.reader", **_where(sample))
    images = prediction.get(key)
    if not isinstance(images, Sequence) or isinstance(images, str) or not images:
        raise DataError(sample.task, f"the answer has no {key!r} list (one entry per image)",
                        field=f"answer.{key}", **_where(sample))
    return list(images)


def _strings(value: Any, sample: Sample, field: str) -> list[str]:
    if (not isinstance(value, Sequence) or isinstance(value, str)
            or not all(isinstance(v, str) for v in value)):
        raise DataError(sample.task, f"{value!r} is not a list of strings", field=field,
                        **_where(sample))
    return list(value)


class _LineProtocol(BaseProtocol[Reading | str]):
    """Line-level OCR scoring of AnyText-style data (``images[i].lines`` vs the target lines)."""

    computes_sen_acc: ClassVar[bool] = True

    def exact_form(self, text: str) -> str:
        """The string Sen.ACC compares (the raw text)."""
        return text

    @abstractmethod
    def ned_form(self, text: str) -> str:
        """The string NED compares."""

    def evaluate(self, prediction: Reading | str, sample: Sample) -> dict[str, float]:
        """Per-sample means and sums over every line of every image.

        Raises:
            DataError: the target or the answer is malformed, or an image was read in a
                different number of lines than the target has.
        """
        targets = [line.text for line in target_lines(sample)]
        exact_targets = [self.exact_form(t) for t in targets]
        ned_targets = [self.ned_form(t) for t in targets]
        images = _images(prediction, sample, "images")
        exact = similar = 0.0
        for i, image in enumerate(images):
            field = f"answer.images[{i}].lines"
            if image is None:
                read = [""] * len(targets)
            elif isinstance(image, Mapping):
                read = _strings(image.get("lines"), sample, field)
            else:
                raise DataError(sample.task, f"image entry {image!r} is not {{'lines': [...]}}",
                                field=f"answer.images[{i}]", **_where(sample))
            if len(read) != len(targets):
                raise DataError(sample.task, f"{len(read)} lines read for {len(targets)} "
                                "target lines", field=field, **_where(sample))
            for k, text in enumerate(read):
                exact += float(self.exact_form(text) == exact_targets[k])
                similar += ned(self.ned_form(text), ned_targets[k])
        lines = len(targets) * len(images)
        values = {"ned": similar / lines if lines else 0.0}
        if self.computes_sen_acc:
            values["sen_acc"] = exact / lines if lines else 0.0
            values["sen_acc_sum"] = exact
        values.update({"ned_sum": similar, "lines": float(lines), "images": float(len(images))})
        return {self.metric: values.pop(self.metric), **values}

    def score(self, prediction: Reading | str, sample: Sample) -> float:
        """The sample's own mean of :attr:`metric` over its lines (0.0 without lines)."""
        return self.evaluate(prediction, sample)[self.metric]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """Micro averages over all lines of all images of all prompts, and the counts."""
        lines = sum(v["lines"] for v in values)
        out: dict[str, Any] = {}
        if self.computes_sen_acc:
            out["sen_acc"] = sum(v["sen_acc_sum"] for v in values) / lines if lines else 0.0
        out["ned"] = sum(v["ned_sum"] for v in values) / lines if lines else 0.0
        out["lines"] = int(lines)
        out["images"] = int(sum(v["images"] for v in values))
        return {self.metric: out.pop(self.metric), **out}


class AnyTextOCR(_LineProtocol):
    """AnyText's Sen.ACC and NED (``anytext``).

    Reference: tyxsspa/AnyText ``eval/eval_dgocr.py`` with ``eval/anytext_singleGPU.py`` and
    ``cldm/recognizer.py``, commit 3d4a260c67d9.

    - **Lines**: :func:`~harmonybench.targets.target_lines` (valid lines with a polygon, first
      20, texts cut to 20 characters). The *prediction* is never cut: a reading of all 26
      letters of a 26-letter annotation fails Sen.ACC against the 20-letter ground truth.
    - **Sen.ACC**: ``prediction == ground truth``, case-sensitive, no normalisation, no strip
      (readings are compared exactly as the reader returned them).
    - **NED**: ``1 - Lev / (max(len) + 1e-5)``. The reference computes it over dictionary ids;
      here over characters after :func:`collapse_unknown`, which is the same: distinct known
      characters have distinct ids, and every unknown character gets the id of the space
      appended to the dictionary. So with every character in the dictionary the two are equal
      character for character; an unknown character (``é`` under the English dictionary)
      counts as a space, equal to any other unknown character and to a real space. The
      default dictionary is the English one (:data:`PRINTABLE_ASCII`, laion_word); pass
      ``dictionary=load_dictionary("ppocr_keys_v1.txt")`` for wukong_word.
    - **Averaging**: over all lines of all images (4 per prompt in AnyText) of all prompts.
      A prompt without lines adds nothing.
    - Empty strings: an empty reading of an empty ground truth is a match (NED 1.0); an empty
      reading of a non-empty one scores NED ``1 - n / (n + 1e-5)``, about 0.

    Args:
        dictionary: the recognizer dictionary's characters (:func:`load_dictionary`).
    """

    name: ClassVar[str] = "anytext"
    metric: ClassVar[str] = "sen_acc"
    metrics: ClassVar[MetricTable] = declare(
        sen_acc=MAIN, ned=FRACTION, lines=COUNT, images=COUNT, sen_acc_sum=SUM, ned_sum=SUM)
    reference: ClassVar[str] = (
        "tyxsspa/AnyText eval/eval_dgocr.py, eval/anytext_singleGPU.py @ 3d4a260c67d9"
    )
    summary: ClassVar[str] = (
        "AnyText Sen.ACC (exact line match) and NED over OCR of rectified line crops"
    )

    def __init__(self, dictionary: frozenset[str] = PRINTABLE_ASCII) -> None:
        self.dictionary = dictionary

    def ned_form(self, text: str) -> str:
        """:func:`collapse_unknown` with the dictionary."""
        return collapse_unknown(text, self.dictionary)


class TextHarmonyOCR(_LineProtocol):
    """TextHarmony's NED (``textharmony``).

    Reference: bytedance/TextHarmony ``image_eval/eval_dgocr.py``, commit f98ac34b206f (a fork
    of AnyText's scorer).

    - **Lines**: as ``anytext`` (:func:`~harmonybench.targets.target_lines`: the same
      ``get_item``, texts cut to 20 characters *before* normalising).
    - **Normalisation** of both strings: :func:`textharmony_normalize` (lowercase, keep ASCII
      letters and digits only; punctuation, spaces and non-ASCII letters are dropped).
    - **NED** as ``anytext``, over the normalised strings. Those hold only ``a-z0-9``, all in
      the dictionary, so ids and characters give the same distance exactly.
    - No Sen.ACC (the reference's list stays empty, and it prints ``lines=0``); ``lines``
      here is the real count.
    - **Averaging**: over all lines of all images (TextHarmony scores 1 image per prompt).
    """

    name: ClassVar[str] = "textharmony"
    metric: ClassVar[str] = "ned"
    metrics: ClassVar[MetricTable] = declare(ned=MAIN, lines=COUNT, images=COUNT, ned_sum=SUM)
    reference: ClassVar[str] = "bytedance/TextHarmony image_eval/eval_dgocr.py @ f98ac34b206f"
    summary: ClassVar[str] = (
        "TextHarmony NED: AnyText's line NED after lowercasing and keeping ASCII alphanumerics"
    )
    computes_sen_acc: ClassVar[bool] = False

    def ned_form(self, text: str) -> str:
        """:func:`textharmony_normalize`."""
        return textharmony_normalize(text)


class MarioOCR(BaseProtocol[Reading | str]):
    """MARIO-Eval OCR precision, recall, F-measure and accuracy (``mario``).

    Reference: microsoft/unilm ``textdiffuser/eval/ocr_eval.py``, commit 768a3c873f59.

    Per generated image, with ``pred`` the whole-image OCR words and ``gt`` the prompt's
    keywords (:func:`~harmonybench.targets.mario_keywords`), both stripped and lowercased:

    - **matching** is a multiset intersection: each predicted word still present in the
      remaining ground truth removes one copy from it (``["hi", "hi"]`` against ``["hi"]``
      matches once);
    - ``P = matched / (len(pred) + 1e-8)``, ``R = matched / (len(gt) + 1e-8)`` (so 0 for an
      empty side, and ``1 / (1 + 1e-8)`` rather than 1 for a perfect image);
    - **accuracy** is 1 when ``"".join(sorted(pred)) == "".join(sorted(gt))``: the sorted words
      are concatenated *without* a separator, so ``["ab", "c"]`` equals ``["a", "bc"]``, and an
      image with no words for a prompt with no keywords is correct;
    - empty strings among the predicted words count as words (the reference reads OCR files
      line by line), so the reader should not emit them.

    P, R and accuracy are averaged over all images of all prompts (4 per prompt in MARIO-Eval);
    **F** is ``2PR / (P + R + 1e-8)`` of the *averaged* P and R, not a mean of per-image F.
    The per-sample value (:attr:`metric`) is the prompt's mean accuracy over its images.
    """

    name: ClassVar[str] = "mario"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(
        accuracy=MAIN, precision=FRACTION, recall=FRACTION, f=FRACTION, images=COUNT,
        precision_sum=SUM, recall_sum=SUM, accuracy_sum=SUM)
    reference: ClassVar[str] = "microsoft/unilm textdiffuser/eval/ocr_eval.py @ 768a3c873f59"
    summary: ClassVar[str] = "MARIO-Eval OCR precision/recall/F/accuracy of prompt keywords"

    @staticmethod
    def image_scores(predicted: Sequence[str], keywords: Sequence[str]) -> tuple[
        float, float, float
    ]:
        """``(precision, recall, accuracy)`` of one image (the reference's ``get_p_r_acc``)."""
        pred = [p.strip().lower() for p in predicted]
        gt = [g.strip().lower() for g in keywords]
        matched = sum((Counter(pred) & Counter(gt)).values())
        precision = matched / (len(pred) + PRF_EPSILON)
        recall = matched / (len(gt) + PRF_EPSILON)
        accuracy = float("".join(sorted(pred)) == "".join(sorted(gt)))
        return precision, recall, accuracy

    @staticmethod
    def f_measure(precision: float, recall: float) -> float:
        """``2PR / (P + R + 1e-8)``."""
        return 2 * precision * recall / (precision + recall + PRF_EPSILON)

    def _keywords(self, sample: Sample) -> list[str]:
        target = sample.target
        words = target.get("words") if isinstance(target, Mapping) else None
        if words is None:
            raise DataError(sample.task, "expected target = {'words': [keywords]}",
                            field="target.words", **_where(sample))
        return _strings(words, sample, "target.words")

    def evaluate(self, prediction: Reading | str, sample: Sample) -> dict[str, float]:
        """The prompt's mean accuracy, and P/R/accuracy sums over its images.

        Raises:
            DataError: the target or the answer is malformed.
        """
        keywords = self._keywords(sample)
        images = _images(prediction, sample, "words")
        sums = [0.0, 0.0, 0.0]
        for i, words in enumerate(images):
            read = [] if words is None else _strings(words, sample, f"answer.words[{i}]")
            for j, value in enumerate(self.image_scores(read, keywords)):
                sums[j] += value
        n = len(images)
        return {"accuracy": sums[2] / n, "precision_sum": sums[0], "recall_sum": sums[1],
                "accuracy_sum": sums[2], "images": float(n)}

    def score(self, prediction: Reading | str, sample: Sample) -> float:
        """The prompt's mean accuracy over its images."""
        return self.evaluate(prediction, sample)[self.metric]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """P, R and accuracy averaged over all images; F from the averaged P and R."""
        images = sum(v["images"] for v in values)
        if not images:
            return {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f": 0.0, "images": 0}
        precision = sum(v["precision_sum"] for v in values) / images
        recall = sum(v["recall_sum"] for v in values) / images
        return {
            "accuracy": sum(v["accuracy_sum"] for v in values) / images,
            "precision": precision,
            "recall": recall,
            "f": self.f_measure(precision, recall),
            "images": int(images),
        }
