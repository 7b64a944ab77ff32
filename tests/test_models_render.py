"""The ``render`` adapter: geometry, fonts, determinism, and OCR reading back what it draws."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from harmonybench.crop import rectified_crop
from harmonybench.layout import LayoutError, TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models import render as render_module
from harmonybench.models.imageio import RequestError
from harmonybench.models.rapidocr_engine import RapidOCRModel
from harmonybench.models.render import RenderModel
from harmonybench.models.render_fonts import find_cjk_font, has_cjk
from harmonybench.models.render_geometry import min_area_rect, text_frame
from harmonybench.registries import MODELS
from harmonybench.schema import ImageRef, Request


def box(cx: float, cy: float, w: float, h: float, degrees: float = 0.0) -> list[list[float]]:
    """A w x h rectangle centred at (cx, cy), turned by ``degrees`` (y down)."""
    a = math.radians(degrees)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [[cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)]
            for x, y in corners]


def t2i(sample_id: str, texts: list[str], polygons: list[Any], **generation: Any) -> Request:
    return Request(sample_id=sample_id, task="anytext-t2i", kind="t2i", prompt="p",
                   template_id="t", template_hash="h", generation=generation,
                   layout=TextLayout(texts=tuple(texts), polygons=tuple(polygons), width=512,
                                     height=512))


@pytest.fixture(scope="module")
def ocr() -> RapidOCRModel:
    return RapidOCRModel()


def read(ocr: RapidOCRModel, image: Image.Image, polygon: Any) -> str:
    return " ".join(line.text for line in ocr.read(rectified_crop(image, polygon)))


# ------------------------------------------------------------------------ geometry


def test_min_area_rect_and_reading_direction() -> None:
    frame = text_frame(min_area_rect(box(100, 50, 80, 20, 0)))
    assert frame.center == pytest.approx((100, 50))
    assert (frame.length, frame.thickness) == pytest.approx((80, 20))
    assert frame.direction == pytest.approx((1, 0))
    rising = text_frame(min_area_rect(box(100, 100, 80, 20, -30)))  # y down: -30 rises
    assert rising.angle == pytest.approx(30)
    assert (rising.length, rising.thickness) == pytest.approx((80, 20))
    tall = text_frame(min_area_rect(box(100, 100, 20, 80, 0)))  # read top to bottom
    assert tall.direction == pytest.approx((0, 1))
    assert tall.angle == pytest.approx(-90)
    extra = min_area_rect([(0, 0), (10, 0), (10, 4), (5, 2), (0, 4)])  # concave point inside
    assert text_frame(extra).length == pytest.approx(10)
    with pytest.raises(RequestError, match="no area"):
        min_area_rect([(0, 0), (5, 5), (10, 10)])


def test_has_cjk() -> None:
    assert has_cjk("发票 2024") and has_cjk("カタカナ") and has_cjk("한국")
    assert not has_cjk("WINNER café 42")


# ------------------------------------------------------------------------ drawing


def test_t2i_texts_read_back(ocr: RapidOCRModel, tmp_path: Path) -> None:
    texts = ["WINNER", "Hello World", "2024", "tilted"]
    polygons = [[[209, 426], [209, 380], [438, 380], [438, 426]], box(150, 100, 220, 50),
                box(400, 120, 120, 40, -20), box(300, 250, 160, 40, 30)]
    output = RenderModel().generate([t2i("laion/1", texts, polygons)],
                                    GenerationContext(image_dir=tmp_path))[0]
    assert output.ok and [Path(p).name for p in output.images] == ["laion_1_0.png"]
    with Image.open(output.images[0]) as image:
        canvas = image.convert("RGB")
    assert canvas.size == (512, 512)
    assert canvas.getpixel((5, 5)) == (255, 255, 255)
    assert [read(ocr, canvas, p) for p in polygons] == texts
    assert [d["angle"] for d in output.metadata["drawn"]] == pytest.approx([0, 0, 20, -30])


def test_tesseract_reads_it_too(tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    from harmonybench.models.tesseract_engine import TesseractModel

    polygon = box(256, 256, 300, 60)
    output = RenderModel().generate([t2i("a", ["Invoice 2024"], [polygon])],
                                    GenerationContext(image_dir=tmp_path))[0]
    with Image.open(output.images[0]) as image:
        crop = rectified_crop(image.convert("RGB"), polygon)
    assert " ".join(line.text for line in TesseractModel().read(crop)) == "Invoice 2024"


def test_cjk_text_uses_a_cjk_font(ocr: RapidOCRModel, tmp_path: Path) -> None:
    adapter = RenderModel()
    if adapter.cjk_font is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    polygon = box(256, 200, 260, 60)
    output = adapter.generate([t2i("zh", ["发票号码"], [polygon])],
                              GenerationContext(image_dir=tmp_path))[0]
    with Image.open(output.images[0]) as image:
        assert read(ocr, image.convert("RGB"), polygon) == "发票号码"
    assert adapter.spec()["cjk_font"]["sha256"]


def test_without_a_cjk_font_cjk_samples_fail(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "find_cjk_font", lambda: None)
    adapter = RenderModel()
    assert adapter.spec()["cjk_font"] is None
    outputs = adapter.generate(
        [t2i("zh", ["中文"], [box(100, 100, 100, 40)]), t2i("en", ["ok"], [box(100, 100, 80, 40)])],
        GenerationContext(image_dir=tmp_path),
    )
    assert outputs[0].error is not None and "no CJK font" in outputs[0].error
    assert "WenQuanYi Micro Hei" in outputs[0].error
    assert outputs[1].ok
    assert not (tmp_path / "zh_0.png").exists()


def test_fc_match_answer_must_name_the_family() -> None:
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig is not installed")
    assert find_cjk_font(("No Such Font Family 1234",)) is None  # fc-match falls back


def test_edit_fills_the_mask_and_keeps_the_rest(ocr: RapidOCRModel, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    source = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    Image.fromarray(source).save(tmp_path / "masked.png")
    mask = Image.new("L", (256, 256), 0)
    mask.paste(255, (40, 100, 216, 150))
    mask.save(tmp_path / "mask.png")
    polygon = [[80, 200], [432, 200], [432, 300], [80, 300]]  # in the 512 canvas: half size
    request = Request(
        sample_id="edit/1", task="anytext-edit", kind="edit", prompt="fill", template_id="t",
        template_hash="h", images=(ImageRef(path=str(tmp_path / "masked.png")),),
        mask=ImageRef(path=str(tmp_path / "mask.png")), generation={"num_images": 2},
        layout=TextLayout(texts=("WINNER",), polygons=(polygon,), width=512, height=512,
                          edit_text="WINNER"),
    )
    output = RenderModel().generate([request], GenerationContext(image_dir=tmp_path / "out"))[0]
    assert len(output.images) == 2
    result = np.asarray(Image.open(output.images[0]).convert("RGB"))
    inside = np.asarray(mask) > 0
    assert (result[~inside] == source[~inside]).all()
    assert read(ocr, Image.fromarray(result), [[x / 2, y / 2] for x, y in polygon]) == "WINNER"
    assert Path(output.images[0]).read_bytes() == Path(output.images[1]).read_bytes()


def test_same_request_same_pixels_and_sizes(tmp_path: Path) -> None:
    request = t2i("a", ["same"], [box(256, 256, 200, 50, 12)], width=256, height=128)
    first = RenderModel().generate([request], GenerationContext(image_dir=tmp_path / "1"))[0]
    second = RenderModel().generate([request], GenerationContext(image_dir=tmp_path / "2"))[0]
    assert Path(first.images[0]).read_bytes() == Path(second.images[0]).read_bytes()
    with Image.open(first.images[0]) as image:
        assert image.size == (256, 128)  # polygons scaled from the 512 x 512 canvas
    forced = RenderModel(num_images="3", width="64", height="64").generate(
        [request], GenerationContext(image_dir=tmp_path / "3"))[0]
    assert len(forced.images) == 3
    with Image.open(forced.images[0]) as image:
        assert image.size == (64, 64)


def test_bad_requests_and_args(tmp_path: Path) -> None:
    context = GenerationContext(image_dir=tmp_path)
    vqa = Request(sample_id="q", task="t", kind="vqa", prompt="?", template_id="t",
                  template_hash="h")
    no_texts = Request(sample_id="n", task="t", kind="t2i", prompt="p", template_id="t",
                       template_hash="h")
    outputs = RenderModel().generate([vqa, no_texts], context)
    assert outputs[0].unsupported
    assert outputs[1].error is not None and "names no texts" in outputs[1].error
    # a malformed layout never reaches the adapter: the task cannot build it
    with pytest.raises(LayoutError, match="1 polygons for 2 texts"):
        t2i("m", ["a", "b"], [box(50, 50, 40, 20)])
    with pytest.raises(LayoutError, match="at least 3"):
        t2i("p", ["a"], [[[0, 0], [1, 1]]])
    with pytest.raises(ModelArgError, match="takes no location"):
        RenderModel("somewhere")
    with pytest.raises(ModelArgError, match="not a colour"):
        RenderModel(color="bluish")
    with pytest.raises(ModelArgError, match="no such font file"):
        RenderModel(font=str(tmp_path / "missing.ttf"))
    with pytest.raises(ModelArgError, match="unknown --model-arg"):
        RenderModel(steps="3")


def test_spec_and_registry() -> None:
    spec = RenderModel(color="#202020").spec()
    assert spec["adapter"] == "render"
    assert spec["font"]["path"].endswith("DejaVuSans.ttf")
    assert len(spec["font"]["sha256"]) == 16
    assert spec["color"] == [32, 32, 32] and spec["background"] == [255, 255, 255]
    assert MODELS.load("render") is RenderModel
