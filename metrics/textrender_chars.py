"""Character sets, languages and string forms of the text-rendering protocols.

:mod:`harmonybench.metrics.textrender` compares what an OCR reader read in a generated image
with the ground-truth line. How it compares depends on the line's language:

- **AnyText** (tyxsspa/AnyText ``eval/eval_dgocr.py``, 3d4a260c67d9) computes NED over the
  ids of a recognizer dictionary, ``en_dict.txt`` (:data:`PRINTABLE_ASCII`) for laion_word and
  ``ppocr_keys_v1.txt`` (:func:`chinese_dictionary`, shipped in ``metrics/data``) for
  wukong_word; the reference picks one per file (by the JSON path), harmonybench per line
  (:func:`line_language`), so a file mixing both needs no splitting.
- **TextHarmony** (bytedance/TextHarmony ``image_eval/eval_dgocr.py``, f98ac34b206f)
  lowercases and keeps ASCII letters and digits (:func:`textharmony_normalize`), which empties
  a Chinese line: it scores Latin lines only.

Languages are ``"en"`` (Latin script, AnyText's ``"language": "Latin"``) and ``"zh"``
(Chinese, ``"language": "Chinese"``): the two dictionaries the reference has.
"""

from __future__ import annotations

import string
from importlib import resources
from pathlib import Path
from typing import Literal

from rapidfuzz.distance import Levenshtein

from harmonybench.errors import DataError
from harmonybench.targets import TargetLine

Language = Literal["en", "zh"]
"""A line's language: ``en`` (Latin script) or ``zh`` (Chinese)."""

LANGUAGES: tuple[Language, ...] = ("en", "zh")
"""Every language, in the order scores are reported."""

ANNOTATED_LANGUAGES: dict[str, Language] = {"latin": "en", "chinese": "zh"}
"""AnyText's annotation ``language`` values (lowercased) and the language they mean."""

NED_EPSILON = 1e-5
"""Added to the longer length in the NED denominator (``get_ld`` in the references)."""

PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x20, 0x7F))
"""The characters of AnyText's English dictionary ``ocr_weights/en_dict.txt`` (95 entries:
printable ASCII, space included)."""

CHINESE_DICTIONARY_FILE = "ppocr_keys_v1.txt"
"""PaddleOCR's 6623-character dictionary, in ``harmonybench.metrics``'s ``data`` folder (its
source and licence are in the README beside it)."""

_ASCII_ALNUM = frozenset(string.ascii_lowercase + string.digits)

_HAN_RANGES = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),    # 々 〆 〇
    (0x3400, 0x4DBF),    # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # Extensions B-G, compatibility supplement
)


def ned(prediction: str, target: str) -> float:
    """``1 - Lev(prediction, target) / (max(len) + 1e-5)``: 1.0 for equal strings (also empty).

    The references' ``get_ld`` (unit-cost Levenshtein distance, lengths in symbols).
    """
    distance = Levenshtein.distance(prediction, target)
    return 1.0 - distance / (max(len(prediction), len(target)) + NED_EPSILON)


def load_dictionary(path: str | Path) -> frozenset[str]:
    """The characters of a PP-OCR dictionary file, as AnyText's ``TextRecognizer`` reads it.

    One entry per line (the line without its ``\\n``/``\\r\\n``), plus the space that
    ``get_char_dict`` appends.

    Raises:
        DataError: the file cannot be read as UTF-8.
    """
    try:
        raw = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read the dictionary: {exc}") from exc
    return _entries(raw)


def _entries(raw: str) -> frozenset[str]:
    entries = [line.rstrip("\n").rstrip("\r") for line in raw.split("\n")]
    if raw.endswith("\n"):
        entries.pop()
    return frozenset([*entries, " "])


def chinese_dictionary() -> frozenset[str]:
    """The characters of ``ppocr_keys_v1.txt`` (shipped), plus the appended space: AnyText's
    dictionary for wukong_word (6624 characters).

    Raises:
        DataError: the installed package lacks the file.
    """
    data = resources.files("harmonybench.metrics").joinpath("data", CHINESE_DICTIONARY_FILE)
    try:
        return _entries(data.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(data), f"cannot read the Chinese dictionary: {exc}") from exc


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


def is_han(char: str) -> bool:
    """Whether ``char`` is a Chinese character (a CJK ideograph or radical)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _HAN_RANGES)


def line_language(line: TargetLine) -> Language:
    """The language a ground-truth line is scored in.

    The annotation's ``language`` when it is AnyText's ``"Latin"`` or ``"Chinese"`` (any
    case); otherwise (absent, or another script) ``"zh"`` when the text holds a Chinese
    character (:func:`is_han`), else ``"en"``.
    """
    if line.language is not None:
        known = ANNOTATED_LANGUAGES.get(line.language.strip().lower())
        if known is not None:
            return known
    return "zh" if any(is_han(c) for c in line.text) else "en"
