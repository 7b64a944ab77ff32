"""The fonts the ``render`` adapter draws with: matplotlib's DejaVu Sans, a CJK font found
through fontconfig for texts that need one, and the FreeType faces loaded once per adapter;
the adapter is :mod:`harmonybench.models.render`."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import ImageFont

CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
"""CJK font families looked up with ``fc-match``, in order."""

CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3000, 0x30FF),    # CJK symbols and punctuation, hiragana, katakana
    (0x3100, 0x31FF),    # bopomofo, hangul compatibility jamo, kanbun, CJK strokes
    (0x3400, 0x4DBF),    # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # hangul syllables
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFF00, 0xFFEF),    # half-width and full-width forms
    (0x20000, 0x3134F),  # CJK unified ideographs extensions B-G
)
"""Code point ranges that make a text need a CJK font."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a character in :data:`CJK_RANGES`."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in CJK_RANGES)


@dataclass(frozen=True)
class FontFile:
    """A font file and the face index inside it (collections hold several faces)."""

    path: str
    index: int = 0

    def identity(self) -> dict[str, Any]:
        """Path, face index and the file's sha256 (16 hex digits)."""
        digest = hashlib.sha256(Path(self.path).read_bytes()).hexdigest()[:16]
        return {"path": self.path, "index": self.index, "sha256": digest}


def default_font() -> FontFile:
    """DejaVu Sans, the file matplotlib ships."""
    from matplotlib import font_manager

    return FontFile(str(font_manager.findfont("DejaVu Sans", fallback_to_default=True)))


def find_cjk_font(families: Sequence[str] = CJK_FAMILIES) -> FontFile | None:
    """The first of ``families`` that ``fc-match`` resolves to itself; None when none does."""
    binary = shutil.which("fc-match")
    if binary is None:
        return None
    for family in families:
        try:
            done = subprocess.run(
                [binary, "-f", "%{file}\n%{index}\n%{family}", family],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        lines = done.stdout.split("\n")
        if done.returncode != 0 or len(lines) < 3:
            continue
        names = {name.strip().casefold() for name in lines[2].split(",")}
        if family.casefold() in names and Path(lines[0]).is_file():
            index = int(lines[1]) if lines[1].strip().isdigit() else 0
            return FontFile(lines[0], index)
    return None


class FontCache:
    """FreeType faces by (file, size), loaded once per adapter."""

    def __init__(self) -> None:
        self._faces: dict[tuple[str, int, int], ImageFont.FreeTypeFont] = {}

    def get(self, font: FontFile, size: int) -> ImageFont.FreeTypeFont:
        """``font`` at ``size`` pixels."""
        key = (font.path, font.index, size)
        face = self._faces.get(key)
        if face is None:
            from PIL import ImageFont

            face = ImageFont.truetype(font.path, size, index=font.index)
            self._faces[key] = face
        return face
