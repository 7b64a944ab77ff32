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

**Languages** (:mod:`harmonybench.metrics.textrender_chars`): every ground-truth line is
``en`` or ``zh`` (:func:`~harmonybench.metrics.textrender_chars.line_language`: the
annotation's ``language``, else the text). ``anytext`` scores a ``zh`` line with AnyText's
Chinese dictionary and an ``en`` line with the English one, and also reports each language
alone: ``sen_acc_en``, ``ned_en``, ``lines_en``, ``sen_acc_zh``, ``ned_zh``, ``lines_zh``
(only for the languages present). They are flat numeric keys beside ``sen_acc``/``ned``, not a
nested mapping, because every reader of ``scores.json`` (tables, gates, the leaderboard)
shows numeric values and skips the rest, and each is declared in :attr:`AnyTextOCR.metrics`.
``textharmony`` scores ``en`` lines only (its normalisation deletes every Chinese character,
so a Chinese line would compare two empty strings) and counts the others as
``lines_skipped``. A file mixing laion_word and wukong_word lines needs no splitting.

**Modules**: this one holds the line protocols and registers all three names;
:mod:`~harmonybench.metrics.textrender_mario` MARIO's protocol,
:mod:`~harmonybench.metrics.textrender_readings` the answer's checks and
:mod:`~harmonybench.metrics.textrender_chars` the dictionaries, languages and string forms.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.meaning import COUNT, FRACTION, MAIN, SUM, MetricTable, declare
from harmonybench.metrics.textrender_chars import (
    LANGUAGES,
    NED_EPSILON,
    PRINTABLE_ASCII,
    Language,
    chinese_dictionary,
    collapse_unknown,
    line_language,
    load_dictionary,
    ned,
    textharmony_normalize,
)
from harmonybench.metrics.textrender_mario import PRF_EPSILON, MarioOCR
from harmonybench.metrics.textrender_readings import (
    Reading,
    reading_images,
    reading_strings,
    where,
)
from harmonybench.protocol import BaseProtocol
from harmonybench.schema import Sample
from harmonybench.targets import target_lines

__all__ = [
    "NED_EPSILON", "PRF_EPSILON", "PRINTABLE_ASCII", "AnyTextOCR", "MarioOCR", "Reading",
    "TextHarmonyOCR", "collapse_unknown", "load_dictionary", "ned", "textharmony_normalize",
]


def _per_language(**infos: Any) -> dict[str, Any]:
    """``{f"{name}_{language}": info}`` for every language."""
    return {f"{name}_{lang}": info for name, info in infos.items() for lang in LANGUAGES}


class _LineProtocol(BaseProtocol[Reading | str]):
    """Line-level OCR scoring of AnyText-style data (``images[i].lines`` vs the target lines)."""

    computes_sen_acc: ClassVar[bool] = True
    scored_languages: ClassVar[tuple[Language, ...]] = LANGUAGES
    """The languages whose lines are scored; the others are counted as ``lines_skipped``."""

    def exact_form(self, text: str) -> str:
        """The string Sen.ACC compares (the raw text)."""
        return text

    @abstractmethod
    def ned_form(self, text: str, language: Language) -> str:
        """The string NED compares for a line in ``language``."""

    def evaluate(self, prediction: Reading | str, sample: Sample) -> dict[str, float]:
        """Per-sample means and sums over every scored line of every image.

        Raises:
            DataError: the target or the answer is malformed, or an image was read in a
                different number of lines than the target has.
        """
        lines = target_lines(sample)
        languages = [line_language(line) for line in lines]
        exact_targets = [self.exact_form(line.text) for line in lines]
        ned_targets = [self.ned_form(line.text, lang) for line, lang in zip(
            lines, languages, strict=True)]
        images = reading_images(prediction, sample, "images")
        sums = {key: 0.0 for lang in LANGUAGES for key in (f"exact_{lang}", f"ned_{lang}")}
        for i, image in enumerate(images):
            field = f"answer.images[{i}].lines"
            if image is None:
                read = [""] * len(lines)
            elif isinstance(image, Mapping):
                read = reading_strings(image.get("lines"), sample, field)
            else:
                raise DataError(sample.task, f"image entry {image!r} is not {{'lines': [...]}}",
                                field=f"answer.images[{i}]", **where(sample))
            if len(read) != len(lines):
                raise DataError(sample.task, f"{len(read)} lines read for {len(lines)} "
                                "target lines", field=field, **where(sample))
            for k, text in enumerate(read):
                lang = languages[k]
                if lang in self.scored_languages:
                    sums[f"exact_{lang}"] += float(self.exact_form(text) == exact_targets[k])
                    sums[f"ned_{lang}"] += ned(self.ned_form(text, lang), ned_targets[k])
        counts = {lang: float(languages.count(lang) * len(images))
                  for lang in self.scored_languages}
        scored = sum(counts.values())
        similar = sum(sums[f"ned_{lang}"] for lang in self.scored_languages)
        exact = sum(sums[f"exact_{lang}"] for lang in self.scored_languages)
        values = {"ned": similar / scored if scored else 0.0}
        if self.computes_sen_acc:
            values["sen_acc"] = exact / scored if scored else 0.0
            values["sen_acc_sum"] = exact
        values.update({"ned_sum": similar, "lines": scored, "images": float(len(images))})
        if len(self.scored_languages) < len(LANGUAGES):
            values["lines_skipped"] = float(len(lines) * len(images)) - scored
        else:
            for lang in LANGUAGES:
                values.update({f"sen_acc_sum_{lang}": sums[f"exact_{lang}"],
                               f"ned_sum_{lang}": sums[f"ned_{lang}"],
                               f"lines_{lang}": counts[lang]})
        return {self.metric: values.pop(self.metric), **values}

    def score(self, prediction: Reading | str, sample: Sample) -> float:
        """The sample's own mean of :attr:`metric` over its lines (0.0 without lines)."""
        return self.evaluate(prediction, sample)[self.metric]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """Micro averages over all lines of all images of all prompts, the counts, and per
        language present (``anytext``) the same averages over that language's lines."""
        lines = sum(v["lines"] for v in values)
        out: dict[str, Any] = {}
        if self.computes_sen_acc:
            out["sen_acc"] = sum(v["sen_acc_sum"] for v in values) / lines if lines else 0.0
        out["ned"] = sum(v["ned_sum"] for v in values) / lines if lines else 0.0
        out["lines"] = int(lines)
        out["images"] = int(sum(v["images"] for v in values))
        if len(self.scored_languages) < len(LANGUAGES):
            out["lines_skipped"] = int(sum(v.get("lines_skipped", 0.0) for v in values))
        else:
            for lang in LANGUAGES:
                count = sum(v.get(f"lines_{lang}", 0.0) for v in values)
                if count:
                    out[f"sen_acc_{lang}"] = sum(v[f"sen_acc_sum_{lang}"] for v in values) / count
                    out[f"ned_{lang}"] = sum(v[f"ned_sum_{lang}"] for v in values) / count
                    out[f"lines_{lang}"] = int(count)
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
      counts as a space, equal to any other unknown character and to a real space.
    - **Dictionary**: the reference takes ``en_dict.txt`` (:data:`PRINTABLE_ASCII`) for
      laion_word and ``ppocr_keys_v1.txt`` (6623 characters, shipped:
      :func:`~harmonybench.metrics.textrender_chars.chinese_dictionary`) for wukong_word, one
      per file. Here it is chosen **per line** by its language (module docstring): a wrong
      Chinese reading scores NED about 0 as in the reference, not ~0.8 as it would with every
      Han character collapsed to a space. ``ppocr_keys_v1.txt`` holds all printable ASCII but
      the space, so a Latin line of a wukong_word file scores the same under either dictionary
      unless the reading holds a character outside printable ASCII (the reference keeps it
      distinct, here it is unknown). Passing ``dictionary`` uses that one for every line,
      as the reference does for one file.
    - **Averaging**: over all lines of all images (4 per prompt in AnyText) of all prompts,
      and per language over that language's lines. A prompt without lines adds nothing.
    - Empty strings: an empty reading of an empty ground truth is a match (NED 1.0); an empty
      reading of a non-empty one scores NED ``1 - n / (n + 1e-5)``, about 0.

    Args:
        dictionary: one dictionary for every line (:func:`load_dictionary`); by default
            English lines use :data:`PRINTABLE_ASCII` and Chinese ones ``ppocr_keys_v1.txt``.
    """

    name: ClassVar[str] = "anytext"
    metric: ClassVar[str] = "sen_acc"
    metrics: ClassVar[MetricTable] = declare(
        sen_acc=MAIN, ned=FRACTION, lines=COUNT, images=COUNT, sen_acc_sum=SUM, ned_sum=SUM,
        **_per_language(sen_acc=FRACTION, ned=FRACTION, lines=COUNT, sen_acc_sum=SUM,
                        ned_sum=SUM))
    reference: ClassVar[str] = (
        "tyxsspa/AnyText eval/eval_dgocr.py, eval/anytext_singleGPU.py @ 3d4a260c67d9"
    )
    summary: ClassVar[str] = (
        "AnyText Sen.ACC (exact line match) and NED over OCR of rectified line crops"
    )

    def __init__(self, dictionary: frozenset[str] | None = None) -> None:
        self.dictionary = dictionary
        self._chinese: frozenset[str] | None = None

    def dictionary_for(self, language: Language) -> frozenset[str]:
        """The dictionary a line in ``language`` is scored with."""
        if self.dictionary is not None:
            return self.dictionary
        if language == "en":
            return PRINTABLE_ASCII
        if self._chinese is None:
            self._chinese = chinese_dictionary()
        return self._chinese

    def ned_form(self, text: str, language: Language) -> str:
        """:func:`collapse_unknown` with the line's dictionary."""
        return collapse_unknown(text, self.dictionary_for(language))


class TextHarmonyOCR(_LineProtocol):
    """TextHarmony's NED (``textharmony``), over Latin lines.

    Reference: bytedance/TextHarmony ``image_eval/eval_dgocr.py``, commit f98ac34b206f (a fork
    of AnyText's scorer).

    - **Lines**: as ``anytext`` (:func:`~harmonybench.targets.target_lines`: the same
      ``get_item``, texts cut to 20 characters *before* normalising), **Latin lines only**:
      TextHarmony scores laion_word alone, and its normalisation deletes every Chinese
      character, so a Chinese line would compare two empty strings (NED 1.0 whatever was
      rendered). Chinese lines are counted as ``lines_skipped``, not scored.
    - **Normalisation** of both strings: :func:`textharmony_normalize` (lowercase, keep ASCII
      letters and digits only; punctuation, spaces and non-ASCII letters are dropped).
    - **NED** as ``anytext``, over the normalised strings. Those hold only ``a-z0-9``, all in
      the dictionary, so ids and characters give the same distance exactly.
    - No Sen.ACC (the reference's list stays empty, and it prints ``lines=0``); ``lines``
      here is the real count of scored (Latin) lines.
    - **Averaging**: over all lines of all images (TextHarmony scores 1 image per prompt).
    """

    name: ClassVar[str] = "textharmony"
    metric: ClassVar[str] = "ned"
    metrics: ClassVar[MetricTable] = declare(ned=MAIN, lines=COUNT, images=COUNT, ned_sum=SUM,
                                             lines_skipped=COUNT)
    reference: ClassVar[str] = "bytedance/TextHarmony image_eval/eval_dgocr.py @ f98ac34b206f"
    summary: ClassVar[str] = (
        "TextHarmony NED: AnyText's line NED after lowercasing and keeping ASCII alphanumerics"
    )
    computes_sen_acc: ClassVar[bool] = False
    scored_languages: ClassVar[tuple[Language, ...]] = ("en",)

    def ned_form(self, text: str, language: Language) -> str:
        """:func:`textharmony_normalize`."""
        return textharmony_normalize(text)
