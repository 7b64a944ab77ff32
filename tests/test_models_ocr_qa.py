"""The OCR-only VQA baseline and the compose adapter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from render import render_text, save_png

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.compose import ComposedModel
from harmonybench.models.ocr_lines import OCRLine, box_polygon
from harmonybench.models.ocr_qa import OCRQuestionAnswering, answer_from_lines, key_values
from harmonybench.schema import ImageRef, Request


def line(text: str, top: float, height: float = 20, left: float = 0) -> OCRLine:
    return OCRLine(text, box_polygon(left, top, left + 10 * len(text), top + height), 0.9)


RECEIPT = [line("CORNER SHOP", 0, 40), line("Invoice No: INV-0117", 50),
           line("Date: 2024-03-05", 80), line("Total: $42.50", 110), line("thank you", 140)]


@pytest.mark.parametrize(
    ("question", "answer", "rule"),
    [
        ("What is the invoice number?", "INV-0117", "key-value"),
        ("what is the value for 'Total'? Answer this question using the text in the image "
         "directly.", "$42.50", "key-value"),
        ("What is the date on the receipt?", "2024-03-05", "key-value"),
        ("What is the name of the shop?", "CORNER SHOP", "prominent"),
        ("How much was paid?", "$42.50", "money"),
    ],
)
def test_rules(question: str, answer: str, rule: str) -> None:
    assert answer_from_lines(question, RECEIPT) == (answer, rule)


def test_key_on_the_line_above_and_empty_reading() -> None:
    lines = [line("Account holder:", 0), line("Alice Warren", 25)]
    assert ("Account holder", "Alice Warren") in key_values(lines)
    assert answer_from_lines("who is the account holder?", lines)[0] == "Alice Warren"
    assert answer_from_lines("what year?", []) == ("", "empty")
    years = [line("EST. 1998", 0), line("OPEN DAILY", 30, 40)]
    assert answer_from_lines("What year was it established?", years) == ("1998", "year")


def _request(kind: str, image: Path, question: str = "What is the invoice number?") -> Request:
    return Request(sample_id=kind, task="t", kind=kind,  # type: ignore[arg-type]
                   prompt=question, template_id="t", template_hash="0", question=question,
                   images=(ImageRef(path=str(image)),))


def test_reads_a_rendered_receipt(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr")
    page = save_png(render_text(["CORNER SHOP", "Invoice No: INV-0117", "Total: 42.50"],
                                size=28, margin=12), tmp_path / "receipt.png")
    model = OCRQuestionAnswering()
    ctx = GenerationContext(image_dir=tmp_path)
    word = save_png(render_text("CENTRE", size=32, margin=4), tmp_path / "word.png")
    out = model.generate([_request("vqa", page), _request("t2i", page),
                          _request("recognition", word)], ctx)
    assert out[0].text is not None and out[0].text.replace(" ", "") == "INV-0117"
    assert out[0].metadata["rule"] == "key-value"
    assert out[1].unsupported and not model.supports("t2i")
    assert out[2].text == "CENTRE", "recognition goes to the engine"
    assert model.spec()["engine"]["name"] == "rapidocr"


def test_compose_routes_by_kind_and_keeps_order(tmp_path: Path) -> None:
    composed = ComposedModel(text="null", image="null", **{"text.text": "from text"})
    ctx = GenerationContext(image_dir=tmp_path)
    image = tmp_path / "x.png"
    render_text("x").save(image)
    out = composed.generate([_request("t2i", image), _request("vqa", image)], ctx)
    assert [o.sample_id for o in out] == ["t2i", "vqa"]
    assert out[0].unsupported, "null serves no image kinds"
    assert out[1].text == "from text"
    spec = composed.spec()
    assert spec["text"]["adapter"] == "null" and spec["image"]["adapter"] == "null"
    assert composed.supports("vqa") and not composed.supports("t2i")


def test_compose_argument_errors() -> None:
    with pytest.raises(ModelArgError, match="needs both"):
        ComposedModel(text="null")
    with pytest.raises(ModelArgError, match="unknown --model-arg"):
        ComposedModel(text="null", image="null", colour="red")
    with pytest.raises(ModelArgError, match="cannot itself be compose"):
        ComposedModel(text="compose", image="null")


def test_tesseract_engine_option(tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    model = OCRQuestionAnswering(engine="tesseract")
    page = save_png(render_text(["Total: 42.50"], size=32, margin=16), tmp_path / "p.png")
    out = model.generate([_request("vqa", page, "What is the total?")],
                         GenerationContext(image_dir=tmp_path))
    assert out[0].text == "42.50"


def test_resolution_handicap_loses_detail_and_keeps_the_frame() -> None:
    from PIL import Image

    from harmonybench.models.resolution import at_resolution

    sharp = render_text("small print", size=12, margin=2).convert("RGB")
    assert at_resolution(sharp, 1.0) is sharp
    seen = at_resolution(sharp, 0.25)
    assert seen.size == sharp.size, "coordinates stay in the image's own pixel frame"
    assert seen.tobytes() != sharp.tobytes()
    # a flat image has no detail to lose
    flat = Image.new("RGB", (40, 30), "white")
    assert at_resolution(flat, 0.25).tobytes() == flat.tobytes()


def test_compose_handicaps_reach_the_parts(tmp_path: Path) -> None:
    """text_input_scale changes what the text part sees, image_output_scale what it wrote."""
    pytest.importorskip("rapidocr")
    from PIL import Image

    word = save_png(render_text("CENTRE", size=10, margin=2), tmp_path / "word.png")
    ctx = GenerationContext(image_dir=tmp_path / "out")
    sharp = ComposedModel(text="rapidocr", image="render")
    coarse = ComposedModel(text="rapidocr", image="render", text_input_scale="0.2",
                           image_output_scale="0.1")
    assert sharp.generate([_request("recognition", word)], ctx)[0].text == "CENTRE"
    assert coarse.generate([_request("recognition", word)], ctx)[0].text != "CENTRE"
    assert coarse.spec()["args"]["text_input_scale"] == "0.2"
    box = [[40, 40], [470, 40], [470, 200], [40, 200]]
    t2i = Request(sample_id="p", task="anytext-t2i", kind="t2i", prompt='"Sale"',
                  template_id="t", template_hash="0",
                  layout=TextLayout(texts=("Sale",), polygons=(box,), width=512, height=512))
    (drawn,) = sharp.generate([t2i], GenerationContext(image_dir=tmp_path / "sharp"))
    (blurred,) = coarse.generate([t2i], GenerationContext(image_dir=tmp_path / "coarse"))
    a = Image.open(drawn.images[0]).convert("L")
    b = Image.open(blurred.images[0]).convert("L")
    assert a.size == b.size and a.tobytes() != b.tobytes()
    with pytest.raises(ModelArgError, match=r"factor in \(0, 1\]"):
        ComposedModel(text="null", image="null", image_output_scale="0")
