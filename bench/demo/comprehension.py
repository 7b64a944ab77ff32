"""Demo data for the comprehension tasks: TextVQA, DocVQA and OCRBench, in their own formats.

- ``textvqa/TextVQA_0.5.1_val.json`` (``{"dataset_type": "val", "data": [...]}``, ten answers
  per question) with ``textvqa/train_images/<image_id>.jpg``: shop signs, street signs and
  price tags, one question each; the ten answers vary as human annotators' do (letter case,
  a trailing full stop, synonyms and partial answers).
- ``docvqa/val_v1.0.json`` (the RRC ``{"data": [...]}`` file) with ``docvqa/documents/*.png``:
  invoices and receipts with key-value lines, two questions per document.
- ``ocrbench/OCRBench.json`` with ``ocrbench/OCRBench_Images/``: a list mixing OCRBench v1's
  recognition, KIE, scene-VQA and document-VQA categories under their real ``type`` and
  ``dataset_name`` values and question templates (Yuliang-Liu/MultimodalOCR
  ``OCRBench/OCRBench/OCRBench.json`` @794c36d), with the image paths laid out as each source
  dataset's are there.

Question ids start at 900000 so they never look like a real benchmark's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from harmonybench.demo.common import Context, Written, write_json
from harmonybench.demo.content import (
    COMPANIES,
    FORM_KEYS,
    ITEMS,
    PEOPLE,
    PRODUCTS,
    SHOPS,
    STREETS,
    WORDS,
    annotator_answers,
    date,
    digits,
    hex_id,
    money,
    nonsense,
    pick,
    pick_distinct,
)
from harmonybench.demo.render import save_image
from harmonybench.demo.scenes import document, price_tag, shop_sign, street_sign, word_crop

FIRST_QUESTION_ID = 900000
"""Question ids of the demo start here."""

KIE_SUFFIX = " Answer this question using the text in the image directly."
"""OCRBench's KIE questions end with this sentence."""

_SIGN_EXTRAS: tuple[str | None, ...] = ("OPEN DAILY", "SINCE 1998", "EST 2004", None, None)


# ----------------------------------------------------------------------------- scene questions


@dataclass(frozen=True)
class SceneQuestion:
    """A scene picture with one question about its text.

    Args:
        image: the picture.
        question: the question, lower case as TextVQA's mostly are.
        answer: the answer as the picture writes it.
        variants: other answers annotators give (synonyms, partial answers); repeats and
            copies of ``answer`` are dropped.
        classes: Open Images classes for TextVQA's ``image_classes``.
        agree: how many of ten annotators give ``answer``.
    """

    image: Image.Image
    question: str
    answer: str
    variants: tuple[str, ...]
    classes: tuple[str, ...]
    agree: int

    def __post_init__(self) -> None:
        distinct = tuple(v for v in dict.fromkeys(self.variants) if v != self.answer)
        object.__setattr__(self, "variants", distinct)


def scene_question(ctx: Context, rng: np.random.Generator, kind: int) -> SceneQuestion:
    """A shop sign (``kind % 3 == 0``), street sign (1) or price tag (2) and its question."""
    family = int(rng.integers(0, len(ctx.fonts.latin)))
    if kind % 3 == 0:
        name = pick(rng, SHOPS)
        extra = pick(rng, _SIGN_EXTRAS)
        image, _ = shop_sign(ctx.fonts, rng, name, extra, family=family)
        questions = ("what is the name of this shop?", "what is the name of the store?",
                     "what does the sign say?")
        question = pick(rng, questions if extra is None else questions[:2])
        words = name.split()
        variants = (" ".join(words[:2]).lower(), f"the {name.lower()}", words[0].lower())
        return SceneQuestion(image, question, name.lower(), variants, ("Building", "Sign"),
                             int(rng.integers(6, 9)))
    if kind % 3 == 1:
        street, spelled = pick(rng, STREETS)
        image, _ = street_sign(ctx.fonts, rng, street, family=family)
        question = pick(rng, ("what street is this?", "what is the name of the street?",
                              "what street name is on the sign?"))
        variants = (spelled, street.split()[0].lower(), f"{street.lower()}.")
        return SceneQuestion(image, question, street.lower(), variants,
                             ("Street sign", "Sign"), int(rng.integers(5, 8)))
    product = pick(rng, PRODUCTS)
    price = "$" + money(rng, 0.5, 20.0)
    image, _ = price_tag(ctx.fonts, rng, product, price, family=family)
    question = pick(rng, (f"how much do the {product.lower()} cost?",
                          "what is the price on the tag?", "how much is it?"))
    return SceneQuestion(image, question, price, (price[1:], f"{price[1:]} dollars"),
                         ("Price tag", "Food"), int(rng.integers(5, 8)))


def write_textvqa(ctx: Context) -> Written:
    """``textvqa/TextVQA_0.5.1_val.json`` and ``textvqa/train_images/``."""
    folder = ctx.root / "textvqa"
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i in range(ctx.count):
        rng = ctx.rng("textvqa", i)
        item = scene_question(ctx, rng, i)
        image_id = hex_id(rng)
        while image_id in seen:
            image_id = hex_id(rng)
        seen.add(image_id)
        save_image(item.image, folder / "train_images" / f"{image_id}.jpg")
        records.append({
            "question": item.question,
            "image_id": image_id,
            "image_classes": list(item.classes),
            "flickr_original_url": "",
            "flickr_300k_url": "",
            "image_width": item.image.width,
            "image_height": item.image.height,
            "answers": annotator_answers(rng, item.answer, item.variants, agree=item.agree),
            "question_tokens": item.question.rstrip("?").split(),
            "question_id": FIRST_QUESTION_ID + i,
            "set_name": "val",
        })
    path = write_json(folder / "TextVQA_0.5.1_val.json", {
        "dataset_type": "val", "dataset_name": "textvqa", "dataset_version": "0.5.1",
        "data": records,
    })
    return Written(path, None, len(records))


# ----------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Doc:
    """A document picture and the questions it answers.

    Args:
        image: the page.
        fields: question -> (answers, DocVQA question type), in a fixed order.
    """

    image: Image.Image
    fields: tuple[tuple[str, tuple[str, ...], str], ...]


def _line_items(rng: np.random.Generator) -> tuple[list[tuple[str, str]], int]:
    """2 to 4 invoice lines ``(description, amount)`` and their sum in cents."""
    rows = []
    total = 0
    for name in pick_distinct(rng, ITEMS, int(rng.integers(2, 5))):
        qty = int(rng.integers(1, 5))
        unit = int(rng.integers(150, 2500))
        total += qty * unit
        rows.append((f"{name}  {qty} x {unit // 100}.{unit % 100:02d}",
                     f"{qty * unit // 100}.{qty * unit % 100:02d}"))
    return rows, total


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def invoice(ctx: Context, rng: np.random.Generator) -> Doc:
    """An invoice: company, number, date, line items, subtotal, tax and total."""
    company = pick(rng, COMPANIES)
    number = f"INV-{digits(rng, 5)}"
    when = date(rng)
    items, subtotal = _line_items(rng)
    tax = subtotal * 8 // 100
    total = subtotal + tax
    rows = [(company, ""), (f"Invoice No: {number}", ""), (f"Date: {when}", ""), ("-", ""),
            *items, ("-", ""), ("Subtotal", _cents(subtotal)), ("Tax 8%", _cents(tax)),
            ("TOTAL", f"${_cents(total)}")]
    image = document(ctx.fonts, rng, rows, family=int(rng.integers(0, 2)), title="INVOICE")
    fields = (
        ("What is the invoice number?", (number,), "form"),
        ("What is the date of the invoice?", (when,), "form"),
        ("What is the total amount?", (f"${_cents(total)}", _cents(total)), "table/list"),
        ("Which company issued the invoice?", (company,), "layout"),
        ("How much is the tax?", (_cents(tax), f"${_cents(tax)}"), "table/list"),
    )
    return Doc(image, fields)


def receipt(ctx: Context, rng: np.random.Generator) -> Doc:
    """A till receipt in a monospaced font: shop, address, receipt number, date, total."""
    company = pick(rng, COMPANIES).upper()
    street = f"{int(rng.integers(2, 200))} {pick(rng, STREETS)[0]}"
    number = digits(rng, 5)
    when = date(rng)
    items, subtotal = _line_items(rng)
    rows = [(street, ""), (f"Receipt No: {number}", ""), (f"Date: {when}", ""), ("-", ""),
            *items, ("-", ""), ("TOTAL", _cents(subtotal)), ("THANK YOU", "")]
    image = document(ctx.fonts, rng, rows, family=2, title=company, width=380, size=16)
    fields = (
        ("What is the receipt number?", (number,), "form"),
        ("What is the date on the receipt?", (when,), "form"),
        ("What is the total?", (_cents(subtotal),), "table/list"),
        ("What is the name of the shop?", (company, company.title()), "layout"),
        ("What is the address on the receipt?", (street,), "layout"),
    )
    return Doc(image, fields)


def write_docvqa(ctx: Context) -> Written:
    """``docvqa/val_v1.0.json`` and ``docvqa/documents/``: two questions per document."""
    folder = ctx.root / "docvqa"
    records: list[dict[str, Any]] = []
    doc_index = 0
    while len(records) < ctx.count:
        rng = ctx.rng("docvqa", doc_index)
        doc = invoice(ctx, rng) if doc_index % 2 == 0 else receipt(ctx, rng)
        name = f"demo{doc_index:04d}_1"
        save_image(doc.image, folder / "documents" / f"{name}.png")
        for question, answers, qtype in pick_distinct(rng, doc.fields, 2):
            if len(records) == ctx.count:
                break
            records.append({
                "questionId": FIRST_QUESTION_ID + len(records),
                "question": question,
                "question_types": [qtype],
                "image": f"documents/{name}.png",
                "docId": 9000 + doc_index,
                "ucsf_document_id": f"demo{doc_index:04d}",
                "ucsf_document_page_no": "1",
                "answers": list(answers),
                "data_split": "val",
            })
        doc_index += 1
    path = write_json(folder / "val_v1.0.json", {
        "dataset_name": "docvqa", "dataset_split": "val", "dataset_version": "1.0",
        "data": records,
    })
    return Written(path, None, len(records))


# ----------------------------------------------------------------------------- OCRBench

OCRBENCH_MIX: tuple[tuple[str, str], ...] = (
    ("Regular Text Recognition", "IIIT5K"),
    ("Scene Text-centric VQA", "textVQA"),
    ("Key Information Extraction", "SROIE"),
    ("Digit String Recognition", "ORAND"),
    ("Doc-oriented VQA", "docVQA"),
    ("Irregular Text Recognition", "IC15_1811"),
    ("Key Information Extraction", "FUNSD"),
    ("Non-Semantic Text Recognition", "NonSemanticText"),
    ("Regular Text Recognition", "svt"),
    ("Scene Text-centric VQA", "STVQA"),
)
"""OCRBench ``(type, dataset_name)`` pairs the demo cycles through."""

_READ = "what is written in the image?"
_NUMBER = "what is the number in the image?"


def _sroie(ctx: Context, rng: np.random.Generator) -> tuple[Image.Image, str, str | list[str]]:
    """A SROIE-style receipt and one of SROIE's four KIE questions."""
    company = pick(rng, COMPANIES).upper()
    address = f"{int(rng.integers(2, 200))} {pick(rng, STREETS)[1].upper()}"
    when = date(rng)
    items, total = _line_items(rng)
    rows = [(address, ""), (f"DATE: {when}", ""), ("-", ""), *items, ("-", ""),
            ("TOTAL", _cents(total))]
    image = document(ctx.fonts, rng, rows, family=2, title=company, width=380, size=16)
    choice = int(rng.integers(0, 4))
    question, answer = (
        ("what is the name of the company that issued this receipt?", company),
        ("when was this receipt issued?", when),
        ("where was this receipt issued?", address),
        ("what is the total amount of this receipt?", _cents(total)),
    )[choice]
    return image, question + KIE_SUFFIX, answer


def _funsd(ctx: Context, rng: np.random.Generator) -> tuple[Image.Image, str, str | list[str]]:
    """A FUNSD-style form and a "what is the value for 'KEY'?" question."""
    values = {"names": pick(rng, PEOPLE), "phone": f"555-{digits(rng, 4)}", "date": date(rng),
              "total": money(rng, 10.0, 900.0), "order": digits(rng, 6)}
    keys = pick_distinct(rng, FORM_KEYS, 4)
    rows = [(f"{key} {values[kind]}", "") for key, kind in keys]
    image = document(ctx.fonts, rng, [("-", ""), *rows], family=int(rng.integers(0, 2)),
                     title="ORDER FORM")
    key, kind = keys[int(rng.integers(0, len(keys)))]
    return image, f"what is the value for '{key}'?{KIE_SUFFIX}", values[kind]


def ocrbench_item(
    ctx: Context, rng: np.random.Generator, category: str, dataset: str, serial: int,
) -> tuple[Image.Image, str, str, str | list[str]]:
    """One OCRBench item: ``(image, image_path, question, answers)``."""
    family = int(rng.integers(0, len(ctx.fonts.latin)))
    if dataset in {"IIIT5K", "svt"}:
        word = pick(rng, WORDS)
        path = (f"IIIT5K/test/{serial}_1.png" if dataset == "IIIT5K"
                else f"svt/image/img_{serial:04d}.jpg")
        return word_crop(ctx.fonts, rng, word, family=family), path, _READ, word
    if dataset == "IC15_1811":
        word = pick(rng, WORDS).upper()
        image = word_crop(ctx.fonts, rng, word, family=family, max_angle=12.0)
        return image, f"IC15_1811/imgs/{serial:09d}.jpg", _READ, word
    if dataset == "NonSemanticText":
        word = nonsense(rng, int(rng.integers(4, 7)))
        image = word_crop(ctx.fonts, rng, word, family=family)
        return image, f"NonSemanticText/images/0/{serial}.jpg", _READ, word
    if dataset == "ORAND":
        number = digits(rng, int(rng.integers(4, 7)))
        image = word_crop(ctx.fonts, rng, number, family=family)
        return image, f"ORAND/CAR-A/a_test_images/a_car_{serial:06d}.png", _NUMBER, number
    if dataset in {"textVQA", "STVQA"}:
        item = scene_question(ctx, rng, serial)
        answers: str | list[str] = item.answer
        path = f"textVQA/train_images/{hex_id(rng)}.jpg"
        if dataset == "STVQA":
            answers = [item.answer, *item.variants[:1]]
            path = f"STVQA/images/{serial}.jpg"
        return item.image, path, item.question, answers
    if dataset == "docVQA":
        doc = invoice(ctx, rng) if serial % 2 == 0 else receipt(ctx, rng)
        question, doc_answers, _ = pick(rng, doc.fields)
        answers = doc_answers[0] if len(doc_answers) == 1 else list(doc_answers)
        return doc.image, f"docVQA/val/documents/demo{serial:04d}_1.png", question, answers
    if dataset == "SROIE":
        image, question, answers = _sroie(ctx, rng)
        return image, f"SROIE/image/X{digits(rng, 11)}.jpg", question, answers
    if dataset == "FUNSD":
        image, question, answers = _funsd(ctx, rng)
        return image, f"FUNSD/testing_data/images/{digits(rng, 8)}_{serial}.png", question, \
            answers
    raise ValueError(f"no demo generator for OCRBench dataset {dataset!r}")


def write_ocrbench(ctx: Context, mix: Sequence[tuple[str, str]] = OCRBENCH_MIX) -> Written:
    """``ocrbench/OCRBench.json`` and ``ocrbench/OCRBench_Images/``."""
    folder = ctx.root / "ocrbench"
    records: list[dict[str, Any]] = []
    serials: dict[str, int] = {}
    for i in range(ctx.count):
        category, dataset = mix[i % len(mix)]
        serial = serials.get(dataset, 0)
        serials[dataset] = serial + 1
        rng = ctx.rng("ocrbench", i)
        image, image_path, question, answers = ocrbench_item(ctx, rng, category, dataset, serial)
        save_image(image, folder / "OCRBench_Images" / image_path)
        records.append({"dataset_name": dataset, "id": serial, "image_path": image_path,
                        "question": question, "answers": answers, "type": category})
    path = write_json(folder / "OCRBench.json", records)
    return Written(path, None, len(records))


__all__ = ["write_docvqa", "write_ocrbench", "write_textvqa"]
