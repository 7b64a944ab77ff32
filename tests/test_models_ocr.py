"""The OCR-engine adapters: reading order, request handling (recognition, grounding, detection,
spotting), word boxes and fuzzy matching, Tesseract and RapidOCR on rendered text
(``tests/render.py``, ``tests/perceptiondata.py``), specs and errors."""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import perceptiondata as pdata
import pytest
from PIL import Image, ImageOps
from rapidfuzz.distance import Levenshtein
from render import font_path, place_lines, render_text, save_png

from harmonybench.metrics.coords_parse import parse_shapes
from harmonybench.metrics.geometry_boxes import box_iou
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.ocr import OCREngineModel, query_word
from harmonybench.models.ocr_lines import (
    EngineUnavailableError,
    OCRLine,
    Page,
    box_polygon,
    detection_text,
    find_text,
    join_lines,
    page_from_lines,
    polygon_text,
    reading_order,
    split_words,
    spotting_text,
)
from harmonybench.models.tesseract_engine import TesseractModel, parse_tsv, parse_tsv_page
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
    assert model.kinds == frozenset({"recognition", "grounding", "detection", "spotting"})
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
    assert engine["page_psm"] == 11 and engine["level"] == "word"
    outs = generate(model, [request("g", [png(tmp_path, "x")], kind="vqa"),
                            request("t", [png(tmp_path, "x")], kind="t2i")])
    assert all(o.unsupported for o in outs)


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
    with pytest.raises(ModelArgError, match="page_psm=2: not implemented"):
        TesseractModel(page_psm="2")
    with pytest.raises(ModelArgError, match="level='page'"):
        TesseractModel(level="page")
    with pytest.raises(ModelArgError, match="match_threshold='101'"):
        TesseractModel(match_threshold="101")


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
    assert set(engine["page_models"]) == {"det", "cls", "rec"}, "pages run the detector"
    assert engine["match_threshold"] == 70.0
    outs = generate(rapid, [request("e", [png(tmp_path, "x")], kind="edit"),
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


# ----------------------------------------------------------------------------- region kinds


def region_request(sample_id: str, image: ImageRef, kind: RequestKind,
                   word: str | None = None, question: str | None = None) -> Request:
    metadata = {"word": word} if word is not None else {}
    return Request(sample_id=sample_id, task="t", kind=kind, prompt=question or "locate",
                   template_id="t/default@1", template_hash="h", question=question,
                   images=(image,), metadata=metadata)


def test_split_words_cuts_quadrilaterals_by_character_positions() -> None:
    whole = OCRLine("ab cd", ((0.0, 0.0), (50.0, 0.0), (50.0, 10.0), (0.0, 10.0)), 0.8)
    first, second = split_words(whole)
    assert first.text == "ab" and first.polygon == ((0, 0), (20, 0), (20, 10), (0, 10))
    assert second.text == "cd" and second.polygon == ((30, 0), (50, 0), (50, 10), (30, 10))
    assert second.confidence == 0.8
    slanted = OCRLine("x yy", ((0.0, 0.0), (40.0, 8.0), (40.0, 18.0), (0.0, 10.0)), 1.0)
    assert split_words(slanted)[1].polygon == ((20, 4), (40, 8), (40, 18), (20, 14))
    pentagon = OCRLine("a b", ((0.0, 0.0), (30.0, 0.0), (30.0, 6.0), (15.0, 9.0),
                               (0.0, 6.0)), 1.0)
    assert split_words(pentagon)[0].polygon == ((0, 0), (10, 0), (10, 9), (0, 9))
    assert split_words(OCRLine("  one ", whole.polygon, 1.0))[0].text == "one"
    assert split_words(OCRLine("   ", whole.polygon, 1.0)) == []


def test_find_text_words_runs_and_lines() -> None:
    page = page_from_lines([
        line("Invoice 2024", 0, 0, 120, 20, 0.9),
        line("TOTAL: 42.50", 0, 40, 120, 60, 0.95),
        line("2024", 200, 0, 240, 20, 0.99),
    ])
    exact = find_text(page, "Invoice", 70)
    assert exact is not None and exact.region.text == "Invoice" and exact.score == 100
    assert exact.region.polygon == ((0, 0), (70, 0), (70, 20), (0, 20))
    # punctuation and case do not count; the more confident of two equal matches wins
    assert find_text(page, "total", 70).region.text == "TOTAL:"  # type: ignore[union-attr]
    assert find_text(page, "2024", 70).region.left == 200  # type: ignore[union-attr]
    run = find_text(page, "invoice 2024", 70)
    assert run is not None and run.score == 100 and run.region.text == "Invoice 2024"
    assert find_text(page, "Invoise", 70).region.text == "Invoice"  # type: ignore[union-attr]
    assert find_text(page, "zebra", 70) is None
    assert find_text(Page(), "Invoice", 0) is None


def test_answers_parse_back_in_the_pixel_frame() -> None:
    regions = [line("it's", 10, 10, 50, 30), line("[06]", 60, 12, 90, 31),
               OCRLine('say "hi"', ((1.4, 2.6), (9.5, 2.0), (9.0, 8.0), (1.0, 8.0)), 1.0)]
    assert polygon_text(regions[0].polygon) == "[[10, 10], [50, 10], [50, 30], [10, 30]]"
    parsed = parse_shapes(detection_text(regions), "pixel")
    assert parsed.ok and [s.kind for s in parsed.shapes] == ["polygon"] * 3
    assert parsed.shapes[1].points == ((60, 12), (90, 12), (90, 31), (60, 31))
    assert parsed.shapes[2].points == ((1, 3), (10, 2), (9, 8), (1, 8))
    spotted = parse_shapes(spotting_text(regions), "pixel")
    assert [s.text for s in spotted.shapes] == ["it's", "[06]", 'say "hi"']
    assert spotted.shapes[0].points == parsed.shapes[0].points
    assert not parse_shapes(detection_text([]), "pixel").ok
    assert parse_shapes("", "pixel").reason == "empty output"


def test_query_word_from_metadata_or_question() -> None:
    ref = ImageRef(path="x.png")
    assert query_word(region_request("a", ref, "grounding", word="EXIT")) == "EXIT"
    asked = region_request("b", ref, "grounding", question='Where is "New York" in this image?')
    assert query_word(asked) == "New York"
    assert query_word(region_request("c", ref, "grounding", question="Where?")) is None


class PageEngine(ScriptedEngine):
    """Reads every image as the same two lines, counting the pages it reads."""

    name: ClassVar[str] = "page-engine"

    def __init__(self, **args: str) -> None:
        super().__init__(**args)
        self.reads = 0

    def read(self, image: Any) -> list[OCRLine]:
        self.reads += 1
        if image.size[0] < 5:
            raise RuntimeError("too narrow")
        return [line("Invoice 2024", 10, 10, 130, 30, 0.9), line("hello", 200, 12, 250, 32)]


def test_region_kinds_answer_in_pixels_and_read_each_image_once(tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    Image.new("RGB", (300, 60), "white").save(wide)
    other = tmp_path / "other.png"
    Image.new("RGB", (300, 60), "white").save(other)
    narrow = tmp_path / "narrow.png"
    Image.new("RGB", (2, 10), "white").save(narrow)
    ref, ref2 = ImageRef(path=str(wide)), ImageRef(path=str(other))
    model = PageEngine()
    outs = generate(model, [
        region_request("g1", ref, "grounding", word="2024"),
        region_request("g2", ref, "grounding", question='Where is "HELLO" in this image?'),
        region_request("g3", ref, "grounding", word="absent"),
        region_request("d", ref2, "detection"),
        region_request("s", ref2, "spotting"),
        region_request("none", ref, "grounding", question="Where is it?"),
        region_request("missing", ImageRef(path=str(tmp_path / "no.png")), "detection"),
        region_request("fails", ImageRef(path=str(narrow)), "spotting"),
    ])
    assert model.reads == 3, "one page per image and batch"
    assert outs[0].text == "[[90, 10], [130, 10], [130, 30], [90, 30]]"
    assert outs[0].metadata == {"frame": "pixel", "ocr_lines": 2, "ocr_words": 3,
                                "match": "2024", "match_score": 100.0}
    assert outs[1].text == "[[200, 12], [250, 12], [250, 32], [200, 32]]"
    assert outs[2].ok and outs[2].text == "" and outs[2].metadata["match"] is None
    assert outs[3].text == ("[[[10, 10], [80, 10], [80, 30], [10, 30]], [[90, 10], [130, 10], "
                            "[130, 30], [90, 30]], [[200, 12], [250, 12], [250, 32], "
                            "[200, 32]]]")
    assert outs[3].metadata["level"] == "word"
    assert outs[4].text == ("['[[10, 10], [80, 10], [80, 30], [10, 30]] Invoice', '[[90, 10], "
                            "[130, 10], [130, 30], [90, 30]] 2024', '[[200, 12], [250, 12], "
                            "[250, 32], [200, 32]] hello']")
    assert "names no word" in (outs[5].error or "")
    assert "cannot open image" in (outs[6].error or "")
    assert outs[7].error == "page-engine failed: RuntimeError: too narrow"
    lines = generate(PageEngine(level="line"), [region_request("d", ref, "detection")])[0]
    assert lines.text == ("[[[10, 10], [130, 10], [130, 30], [10, 30]], [[200, 12], [250, 12], "
                          "[250, 32], [200, 32]]]")
    strict = generate(PageEngine(match_threshold="100"),
                      [region_request("g", ref, "grounding", word="Invoic")])[0]
    assert strict.text == "" and strict.metadata["match"] is None


def test_parse_tsv_page_keeps_word_boxes() -> None:
    tsv = "\n".join([
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t13\t12\t53\t21\t96.0\tfirst",
        "5\t1\t1\t1\t1\t2\t79\t14\t46\t19\t94.0\tline",
        "5\t1\t2\t1\t1\t1\t13\t59\t96\t21\t-1\tnoisy",
    ])
    page = parse_tsv_page(tsv)
    assert [ln.text for ln in page.lines] == ["first line", "noisy"]
    assert [[w.text for w in ws] for ws in page.words] == [["first", "line"], ["noisy"]]
    assert page.words[0][1].polygon == ((79, 14), (125, 14), (125, 33), (79, 33))
    assert page.words[1][0].confidence == 0.0
    assert [w.text for w in page.regions("word")] == ["first", "line", "noisy"]


def _scene_request(tmp_path: Path, kind: RequestKind, word: str | None = None) -> Request:
    path = tmp_path / "scene.png"
    if not path.exists():
        pdata.render_scene(pdata.SCENES[0]).save(path)
    return region_request(word or kind, ImageRef(path=str(path)), kind, word=word)


def _check_scene(model: OCREngineModel, tmp_path: Path) -> None:
    truth = {w.text: w.box for w in pdata.scene_words(pdata.SCENES[0])}
    queries = [_scene_request(tmp_path, "grounding", w) for w in truth]
    outs = generate(model, [*queries, _scene_request(tmp_path, "spotting")])
    for out, (word, box) in zip(outs, truth.items(), strict=False):
        shape = parse_shapes(out.text or "", "pixel").first
        assert shape is not None, (word, out)
        assert box_iou([shape.box()], [box])[0] > 0.5, (word, out.text, box)
    spotted = parse_shapes(outs[-1].text or "", "pixel")
    assert sorted(s.text or "" for s in spotted.shapes) == sorted(truth)


@needs_tesseract
def test_tesseract_grounds_and_spots_rendered_words(tmp_path: Path) -> None:
    _check_scene(TesseractModel(), tmp_path)


@needs_rapidocr
def test_rapidocr_grounds_and_spots_rendered_words(tmp_path: Path, rapid: Any) -> None:
    _check_scene(rapid, tmp_path)
    crop = render_text("CENTRE", size=40, margin=0)
    lines = rapid.read(crop)  # recognition after a page: the detector is off again
    assert [ln.polygon for ln in lines] == [box_polygon(0, 0, *map(float, crop.size))]
