"""What the demo images say: vocabularies, seeded choices and annotator-style answer variants.

Nothing here draws. Every choice goes through a :class:`numpy.random.Generator` made by
:func:`item_rng` from the demo seed, a stream name and the item's index, so item ``i`` of a
task is the same whether the quick or the full demo is generated (the quick tree's items are
the first items of the full one) and adding a task never changes another task's items.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

WORDS: tuple[str, ...] = (
    "CENTRE", "under", "Coffee", "OPEN", "Station", "market", "Garden", "LIBRARY", "Parking",
    "bakery", "EXIT", "Hotel", "museum", "Theatre", "bridge", "PHARMACY", "Welcome", "harbor",
    "SCHOOL", "Gallery", "kitchen", "Studio", "CINEMA", "orchard", "Bicycle", "POST", "Tunnel",
    "river", "Stadium", "FLOWERS", "College", "laundry", "Airport", "bistro", "TICKETS",
    "Plaza", "forest", "Hospital", "Castle", "SUMMER", "Lantern", "winter", "Office", "PIZZA",
    "Academy", "violet", "Central", "NORTH", "Avenue", "silver",
)
"""Single words for recognition crops and scenes (real words, mixed case, 4+ characters)."""

LINES: tuple[str, ...] = (
    "No Parking", "Exit 12", "Fresh Bread", "City Hall", "Open Daily", "Bus Stop",
    "Main Street", "Free WiFi", "Sale 50%", "Gate B7", "Room 204", "Keep Left",
)
"""Short lines (two words) for recognition crops."""

CJK_LINES: tuple[str, ...] = (
    "欢迎光临", "北京西站", "禁止吸烟", "营业时间", "出口", "停车场", "人民公园", "小心地滑",
)
"""Chinese lines for recognition crops, drawn only when a CJK font is installed."""

SHOPS: tuple[str, ...] = (
    "Blue Door Bakery", "Corner Cafe", "Green Leaf Market", "Sunset Books", "Harbor Fish",
    "Golden Noodle", "Lucky Laundry", "Pine Pharmacy", "Red Apple Deli", "Moonlight Diner",
    "City Bikes", "Oak Hardware", "Silver Spoon", "River Tailor", "Maple Florist",
    "Northside Pizza",
)
"""Shop names on signs (TextVQA-style scenes)."""

STREETS: tuple[tuple[str, str], ...] = (
    ("Maple Ave", "maple avenue"), ("Elm St", "elm street"), ("King St", "king street"),
    ("Park Blvd", "park boulevard"), ("Mill Rd", "mill road"), ("Bridge Ln", "bridge lane"),
    ("Oak Ave", "oak avenue"), ("Queen St", "queen street"), ("Lake Rd", "lake road"),
)
"""Street signs as written and spelled out (the spelled-out form is a synonym answer)."""

PRODUCTS: tuple[str, ...] = (
    "APPLES", "BANANAS", "COFFEE", "BREAD", "CHEESE", "TOMATOES", "ORANGES", "HONEY", "RICE",
    "TEA", "MILK", "EGGS",
)
"""Products on price tags."""

COMPANIES: tuple[str, ...] = (
    "Harbor Supply Co.", "Northwind Traders", "Acme Office Ltd", "Bluebird Catering",
    "Summit Hardware", "Riverside Print", "Lakeview Foods", "Orchid Electric",
    "Granite Builders", "Meadow Stationers",
)
"""Company names on invoices and receipts."""

ITEMS: tuple[str, ...] = (
    "Paper A4", "Ink black", "Stapler", "Folders", "Coffee", "Sandwich", "Cable 2m",
    "Lamp", "Notebook", "Markers", "Tape", "Batteries",
)
"""Line items on invoices and receipts."""

FORM_KEYS: tuple[tuple[str, str], ...] = (
    ("Name:", "names"), ("Phone:", "phone"), ("Date:", "date"), ("Total:", "total"),
    ("Order No:", "order"),
)
"""FUNSD-style form keys and what kind of value each takes."""

PEOPLE: tuple[str, ...] = (
    "ANNA LEE", "JOHN SMITH", "MARIA GARCIA", "DAVID CHEN", "SARAH BROWN", "OMAR KHAN",
    "LUCY WANG", "PETER NOVAK",
)
"""Names for form fields."""

POSTER_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("a poster", "in large letters"), ("a simple sign", "in plain type"),
    ("a book cover", "in a clean font"), ("a t-shirt print", "in bold letters"),
    ("a flat graphic", "with a few dots"), ("a banner", "in big type"),
    ("a label", "in sans serif letters"), ("a minimal card", "in large print"),
)
"""Captions of the generation prompts: what the image is and one detail (nothing about
colours, which the pictures draw at random)."""

BACKGROUNDS: tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...] = (
    ((235, 240, 250), (190, 205, 230)), ((250, 245, 230), (225, 210, 180)),
    ((225, 245, 230), (180, 215, 190)), ((245, 230, 235), (215, 185, 195)),
    ((240, 240, 240), (200, 200, 200)), ((30, 40, 60), (60, 80, 110)),
    ((60, 30, 30), (110, 60, 50)), ((20, 60, 50), (40, 100, 80)),
)
"""Gradient backgrounds, light ones first then dark ones."""

DARK_INK: tuple[tuple[int, int, int], ...] = (
    (15, 15, 15), (20, 40, 120), (120, 20, 20), (20, 90, 40), (70, 30, 100),
)
"""Text colours on light backgrounds."""

LIGHT_INK: tuple[tuple[int, int, int], ...] = (
    (250, 250, 250), (255, 230, 120), (200, 235, 255), (255, 210, 200),
)
"""Text colours on dark backgrounds."""


def stream_id(name: str) -> int:
    """A stable number for the stream ``name`` (CRC-32; Python's ``hash`` varies per run)."""
    return zlib.crc32(name.encode("utf-8"))


def item_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    """The generator of item ``index`` of ``stream`` under the demo ``seed``."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream_id(stream), index]))


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of ``options``, chosen by ``rng``."""
    return options[int(rng.integers(len(options)))]


def pick_distinct(rng: np.random.Generator, options: Sequence[T], count: int) -> list[T]:
    """``count`` different elements of ``options`` (in the order drawn)."""
    order = rng.permutation(len(options))[:count]
    return [options[int(i)] for i in order]


def uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """A float in ``[low, high)``, rounded to 2 decimals (stable across platforms' printing)."""
    return round(float(rng.uniform(low, high)), 2)


def colours(rng: np.random.Generator) -> tuple[tuple[tuple[int, int, int], tuple[int, int, int]],
                                                 tuple[int, int, int]]:
    """A background gradient and a text colour that contrasts with it."""
    light = bool(rng.random() < 0.7)
    half = len(BACKGROUNDS) // 2 + 1
    background = pick(rng, BACKGROUNDS[:half] if light else BACKGROUNDS[half:])
    ink = pick(rng, DARK_INK if light else LIGHT_INK)
    return background, ink


def vary_case(rng: np.random.Generator, text: str) -> str:
    """``text`` as typed by one annotator: as is, lower case, upper case or title case."""
    return pick(rng, (text, text.lower(), text.upper(), text.title()))


def annotator_answers(
    rng: np.random.Generator,
    answer: str,
    variants: Sequence[str] = (),
    *,
    agree: int = 7,
) -> list[str]:
    """Ten TextVQA-style human answers to a question whose answer is ``answer``.

    ``agree`` annotators give ``answer`` itself in their own letter case, one of them perhaps
    with a trailing full stop (both normalise away under the VQA protocols); the rest give one
    of ``variants`` (synonyms, partial answers) or, without variants, a lower-case copy.
    The order of the ten answers is shuffled.
    """
    out = [vary_case(rng, answer) for _ in range(agree)]
    if agree >= 2 and rng.random() < 0.5:
        out[1] = out[1] + "."
    rest = 10 - agree
    for _ in range(rest):
        out.append(pick(rng, variants) if variants else answer.lower())
    order = rng.permutation(len(out))
    return [out[int(i)] for i in order]


def money(rng: np.random.Generator, low: float, high: float) -> str:
    """An amount with two decimals (``"42.50"``)."""
    cents = int(rng.integers(int(low * 100), int(high * 100)))
    return f"{cents // 100}.{cents % 100:02d}"


def date(rng: np.random.Generator) -> str:
    """A ``DD/MM/YYYY`` date."""
    return (f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/"
            f"{int(rng.integers(2015, 2025))}")


def digits(rng: np.random.Generator, count: int) -> str:
    """A string of ``count`` digits not starting with 0."""
    first = str(int(rng.integers(1, 10)))
    return first + "".join(str(int(d)) for d in rng.integers(0, 10, size=count - 1))


def nonsense(rng: np.random.Generator, length: int) -> str:
    """A pronounceable-looking non-word of lower-case letters (Non-Semantic Text)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(letters[int(i)] for i in rng.integers(0, 26, size=length))


def hex_id(rng: np.random.Generator, length: int = 16) -> str:
    """A lower-case hexadecimal id like TextVQA's ``image_id``."""
    return "".join("0123456789abcdef"[int(i)] for i in rng.integers(0, 16, size=length))
