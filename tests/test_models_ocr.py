"""The OCR-engine adapters: reading order, request handling, Tesseract and RapidOCR on
rendered text (``tests/render.py``), specs and errors."""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import ImageOps
from rapidfuzz.distance import Levenshtein
from render import font_path, place_lines, render_text, save_png

from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.ocr import (
    EngineUnavailableError,
    OCREngineModel,
    OCRLine,
    box_polygon,
    join_lines,
    reading_order,
)
from harmonybench.models.tesseract_engine import TesseractModel, parse_tsv
from harmonybench.schema import ImageRef, Output, Request, RequestKind

HAS_TESSERACT = shutil.which("tesseract") is not None
HAS_RAPIDOCR = all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime"))
needs_tesseract = pytest.mark.skipif(not HAS_TESSERACT,
                                     reason="tesseract binary not installed (apt tesseract-ocr)")
needs_rapidocr = pytest.mark.skipif(not HAS_RAPIDOCR, reason="rapidocr/onnxruntime not installed")

WORDS = ["CENTRE", "hello", "Invoice 2024-0117", "Total: $42.50", "the quick brown fox"]


def line(text: str, left: float, top: float, right: float, bottom: float,
         confidence: float = 0.9) -> OCRLine:
    return OCRLine(text, box_polygon(left, top, right, bottom), confidence)


def request(sample_id: str, images: Sequence[ImageRef] = (),
            kind: RequestKind = "recognition") -> Request:
    return Request(sample_id=sample_id, task="t", kind=kind, prompt="what is written?",
                   template_id="t/default@1", template_hash="h",
                   question="what is written?", images=tuple(images))


def generate(model: OCREngineModel, requests: Sequence[Request]) -> list[Output]:
    return model.generate(requests, GenerationContext(image_dir=Path(".")))


def png(tmp_path: Path, text: str | list[str], **kwargs: Any) -> ImageRef:
    name = re.sub(r"\W+", "_", str(text))[:40] + ".png"
    return ImageRef(path=str(save_png(render_text(text, **kwargs), tmp_path / name)))


def cer(prediction: str, reference: str) -> float:
    return Levenshtein.distance(prediction, reference) / max(1, len(reference))


# ----------------------------------------------------------------------------- render helper


def test_render_makes_tight_crops_and_multiline_images() -> None:
    assert Path(font_path()).name == "DejaVuSans.ttf"
    tight = render_text("CENTRE", size=40, margin=0)
    padded = render_text("CENTRE", size=40, margin=10)
    assert padded.size == (tight.size[0] + 20, tight.size[1] + 20)
    ink = ImageOps.invert(tight.convert("L"))
    assert ink.getbbox() == (0, 0, *tight.size), "a tight crop has ink on every edge"
    two = render_text(["first line", "second line"], size=28)
    assert two.size[1] > 2 * 28 and two.mode == "RGB"
    with pytest.raises(ValueError):
        render_text(["", " "])


# ----------------------------------------------------------------------------- reading order


def test_reading_order_rows_top_to_bottom_then_left_to_right() -> None:
    lines = [
        line("world", 120, 8, 200, 36),       # same row as "hello", a few pixels higher
        line("second", 10, 60, 100, 90),
        line("hello", 10, 10, 100, 38),
        line("right", 300, 58, 380, 86),      # same row as "second", a little higher
    ]
    assert [ln.text for ln in reading_order(lines)] == ["hello", "world", "second", "right"]
    assert join_lines(lines) == "hello world second right"
    assert join_lines([line("  a ", 0, 0, 1, 1), line(" ", 5, 0, 6, 1)]) == "a"
    assert reading_order([]) == [] and join_lines([]) == ""


def test_reading_order_keeps_separate_rows_apart() -> None:
    upper = line("upper", 200, 0, 260, 20)
    lower = line("lower", 0, 30, 60, 50)
    assert [ln.text for ln in reading_order([lower, upper])] == ["upper", "lower"]


def test_parse_tsv_groups_words_into_lines() -> None:
    tsv = "\n".join([
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext",
        "1\t1\t0\t0\t0\t0\t0\t0\t182\t92\t-1\t",
        "4\t1\t1\t1\t1\t0\t13\t12\t112\t21\t-1\t",
        "5\t1\t1\t1\t1\t1\t13\t12\t53\t21\t96.0\tfirst",
        "5\t1\t1\t1\t1\t2\t79\t12\t46\t21\t94.0\tline",
        "5\t1\t1\t1\t1\t3\t130\t12\t5\t21\t-1\t ",
        "5\t1\t1\t1\t2\t1\t13\t59\t96\t21\t90.0\tsecond",
        "",
    ])
    lines = parse_tsv(tsv)
    assert [ln.text for ln in lines] == ["first line", "second"]
    assert lines[0].polygon == ((13.0, 12.0), (125.0, 12.0), (125.0, 33.0), (13.0, 33.0))
    assert lines[0].confidence == pytest.approx(0.95)
    assert parse_tsv("") == []
    with pytest.raises(ValueError, match="header"):
        parse_tsv("not\ta\ttsv\n")


# ----------------------------------------------------------------------------- base adapter


class ScriptedEngine(OCREngineModel):
    """An engine that reads the image's width as text, and fails on narrow images."""

    name: ClassVar[str] = "scripted"

    def read(self, image: Any) -> list[OCRLine]:
        if image.size[0] < 5:
            raise RuntimeError("too narrow")
        return [line("b", 50, 0, 90, 10, 0.5), line(f"w{image.size[0]}", 0, 0, 40, 10)]

    def engine_spec(self) -> dict[str, Any]:
        return {"name": "scripted", "version": "1"}


def test_base_adapter_answers_each_request(tmp_path: Path) -> None:
    from PIL import Image

    wide = tmp_path / "wide.png"
    Image.new("RGB", (20, 10), "white").save(wide)
    narrow = tmp_path / "narrow.png"
    Image.new("RGB", (2, 10), "white").save(narrow)
    model = ScriptedEngine()
    outs = generate(model, [
        request("ok", [ImageRef(path=str(wide))]),
        request("vqa", [ImageRef(path=str(wide))], kind="vqa"),
        request("none"),
        request("two", [ImageRef(path=str(wide))] * 2),
        request("missing", [ImageRef(path=str(tmp_path / "nope.png"))]),
        request("fails", [ImageRef(path=str(narrow))]),
    ])
    assert [o.sample_id for o in outs] == ["ok", "vqa", "none", "two", "missing", "fails"]
    assert outs[0].text == "w20 b" and outs[0].ok
    assert outs[0].metadata == {"ocr_lines": 2, "ocr_min_confidence": 0.5}
    assert outs[1].unsupported and "does not serve 'vqa'" in (outs[1].error or "")
    assert outs[2].error == "recognition request has no image"
    assert "has 2" in (outs[3].error or "")
    assert "cannot open image" in (outs[4].error or "")
    assert outs[5].error == "scripted failed: RuntimeError: too narrow"
    assert not any(o.unsupported for o in outs[2:])
    assert model.spec()["engine"] == {"name": "scripted", "version": "1"}
    assert model.kinds == frozenset({"recognition"})
    with pytest.raises(ModelArgError, match="takes no location"):
        ScriptedEngine("some/path")


# ----------------------------------------------------------------------------- tesseract


@needs_tesseract
def test_tesseract_reads_clean_words_exactly(tmp_path: Path) -> None:
    model = TesseractModel()
    refs = [png(tmp_path, w, size=32, margin=6) for w in WORDS]
    refs.append(png(tmp_path, "CENTRE", size=40, margin=0))
    outs = generate(model, [request(str(i), [r]) for i, r in enumerate(refs)])
    assert [o.text for o in outs] == [*WORDS, "CENTRE"]
    assert all(0.5 < o.metadata["ocr_min_confidence"] <= 1 for o in outs)


@needs_tesseract
def test_tesseract_block_mode_reads_lines_in_order(tmp_path: Path) -> None:
    model = TesseractModel(psm="6")
    outs = generate(model, [request("p", [png(tmp_path, ["first line", "second line"])])])
    assert outs[0].text == "first line second line"
    columns = place_lines([("left top", 10, 10), ("right top", 260, 12),
                           ("left bottom", 10, 80)], (460, 130))
    ref = ImageRef(path=str(save_png(columns, tmp_path / "columns.png")))
    lines = TesseractModel(psm="11").read(ref.open())
    assert join_lines(lines) == "left top right top left bottom"


@needs_tesseract
def test_tesseract_spec_and_unsupported_kinds(tmp_path: Path) -> None:
    model = TesseractModel(lang="eng")
    engine = model.spec()["engine"]
    assert engine["name"] == "tesseract" and engine["lang"] == "eng" and engine["psm"] == 7
    assert re.match(r"^\d+\.\d+", engine["version"]), engine
    assert re.fullmatch(r"[0-9a-f]{16}", engine["traineddata"]["eng"]), engine
    outs = generate(model, [request("g", [png(tmp_path, "x")], kind="grounding")])
    assert outs[0].unsupported


@needs_tesseract
def test_tesseract_arguments_are_checked() -> None:
    with pytest.raises(ModelArgError, match="unknown --model-arg oem"):
        TesseractModel(oem="1")
    with pytest.raises(ModelArgError, match="psm=0: orientation"):
        TesseractModel(psm="0")
    with pytest.raises(ModelArgError, match="from 0 to 13"):
        TesseractModel(psm="7.5")
    with pytest.raises(ModelArgError, match="lang"):
        TesseractModel(lang="eng+")
    with pytest.raises(EngineUnavailableError, match="apt-get install tesseract-ocr-xyz-test"):
        TesseractModel(lang="eng+xyz_test")


def test_tesseract_missing_binary_says_what_to_install() -> None:
    with pytest.raises(EngineUnavailableError, match="apt-get install tesseract-ocr"):
        TesseractModel(binary="/nonexistent/tesseract")


# ----------------------------------------------------------------------------- rapidocr


@pytest.fixture(scope="module")
def rapid() -> Any:
    if not HAS_RAPIDOCR:
        pytest.skip("rapidocr/onnxruntime not installed")
    from harmonybench.models.rapidocr_engine import RapidOCRModel

    return RapidOCRModel()


@needs_rapidocr
def test_rapidocr_reads_words_with_low_error_rate(tmp_path: Path, rapid: Any) -> None:
    refs = [png(tmp_path, w, size=32, margin=6) for w in WORDS]
    refs.append(png(tmp_path, "CENTRE", size=40, margin=0))
    outs = generate(rapid, [request(str(i), [r]) for i, r in enumerate(refs)])
    rates = [cer(o.text or "", w) for o, w in zip(outs, [*WORDS, "CENTRE"], strict=True)]
    assert sum(rates) / len(rates) <= 0.05, [o.text for o in outs]
    assert max(rates) <= 0.2, [o.text for o in outs]


@needs_rapidocr
@pytest.mark.slow
def test_rapidocr_with_detector_joins_lines_in_reading_order(tmp_path: Path) -> None:
    from harmonybench.models.rapidocr_engine import RapidOCRModel

    model = RapidOCRModel(use_det="true")
    out = generate(model, [request("p", [png(tmp_path, ["first line", "second line"])])])[0]
    assert cer(out.text or "", "first line second line") <= 0.1, out.text
    assert model.spec()["engine"]["models"].keys() == {"det", "cls", "rec"}


@needs_rapidocr
def test_rapidocr_spec_and_unsupported_kinds(tmp_path: Path, rapid: Any) -> None:
    from importlib.metadata import version

    engine = rapid.spec()["engine"]
    assert engine["name"] == "rapidocr" and engine["version"] == version("rapidocr")
    assert engine["onnxruntime"] == version("onnxruntime")
    assert set(engine["models"]) == {"cls", "rec"}, "no detector with use_det=false"
    assert "PP-OCR" in engine["models"]["rec"]
    assert engine["use_det"] is False and engine["use_cls"] is True
    outs = generate(rapid, [request("s", [png(tmp_path, "x")], kind="spotting"),
                            request("v", [png(tmp_path, "x")], kind="vqa")])
    assert all(o.unsupported for o in outs)


def test_rapidocr_arguments_and_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from harmonybench.models import rapidocr_engine
    from harmonybench.models.rapidocr_engine import RapidOCRModel

    if HAS_RAPIDOCR:
        with pytest.raises(ModelArgError, match="unknown --model-arg ocr_version"):
            RapidOCRModel(ocr_version="PP-OCRv5")
        with pytest.raises(ModelArgError, match="use_cls"):
            RapidOCRModel(use_cls="maybe")
        with pytest.raises(ModelArgError, match="text_score"):
            RapidOCRModel(text_score="1.5")
    real = importlib.util.find_spec
    monkeypatch.setattr(rapidocr_engine.importlib.util, "find_spec",
                        lambda name, *a: None if name == "rapidocr" else real(name, *a))
    with pytest.raises(EngineUnavailableError, match=r"pip install 'rapidocr>=3,<4'"):
        RapidOCRModel()
