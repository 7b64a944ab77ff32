"""The image-out tasks' OCR extraction with a reader: line crops, batches, plugin readers,
MARIO-Eval's whole-image words.

The OCR readers are the real engines (RapidOCR's bundled PP-OCR models; Tesseract where
installed), reading images of :mod:`imagedata` that really show the texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from imagedata import (
    box,
    draw_texts,
    layout_boxes,
    write_mario,
)
from imageout_support import (
    blank,
    needs_tesseract,
    rendered,
    save,
)
from PIL import Image

from harmonybench.errors import RegistryError
from harmonybench.layout import TextLayout
from harmonybench.metrics.textrender import AnyTextOCR, MarioOCR, TextHarmonyOCR
from harmonybench.registries import get_task
from harmonybench.registry import Registry
from harmonybench.schema import Output, Record, Sample
from harmonybench.summary import summarize_task
from harmonybench.tasks.anytext import AnyTextT2I
from harmonybench.tasks.imageout_common import ImageOutputError, TaskOptionError

pytest_plugins = ("imageout_fixtures",)


def test_rendered_lines_read_back_and_score_high(anytext_data: Path, t2i: AnyTextT2I,
                                                 tmp_path: Path) -> None:
    samples = t2i.load(anytext_data)
    for sample in samples:
        answer = t2i.extract(rendered(sample, tmp_path, count=2), sample)
        assert answer["reader"].startswith("rapidocr ") and "PP-OCR" in answer["reader"]
        assert sample.layout is not None
        assert [im["lines"] for im in answer["images"]] == [list(sample.layout.texts)] * 2
        scores = AnyTextOCR().evaluate(answer, sample)
        assert scores["sen_acc"] == 1.0 and scores["ned"] == pytest.approx(1.0)
        assert scores["images"] == 2.0


def test_blank_images_score_zero(anytext_data: Path, t2i: AnyTextT2I, tmp_path: Path) -> None:
    sample = t2i.load(anytext_data)[1]
    answer = t2i.extract(blank(sample, tmp_path, count=2), sample)
    scores = AnyTextOCR().evaluate(answer, sample)
    assert scores["sen_acc"] == 0.0 and scores["ned"] < 0.3
    assert TextHarmonyOCR().evaluate(answer, sample)["ned"] < 0.3


def test_polygons_scale_to_the_image_and_bad_polygons_read_empty(
    t2i: AnyTextT2I, tmp_path: Path
) -> None:
    sample = Sample(id="s", task="anytext-t2i", question="", target={"lines": [
        {"text": "Lucky", "polygon": box(100, 100, 400, 180)},
        {"text": "gone", "polygon": box(600, 600, 700, 650)},  # outside the 512 canvas
    ]}, layout=TextLayout(texts=("Lucky", "gone"), polygons=(
        box(100, 100, 400, 180), box(600, 600, 700, 650)), width=512, height=512))
    small = draw_texts(["Lucky"], [box(50, 50, 200, 90)], size=(256, 256))  # half scale
    output = Output(sample_id="s", images=(save(small, tmp_path / "small.png"),))
    answer = t2i.extract(output, sample)
    assert answer["images"] == [{"lines": ["Lucky", ""], "unreadable": [1]}]


def test_missing_and_corrupt_images_fail_the_sample(t2i: AnyTextT2I, tmp_path: Path,
                                                    anytext_data: Path) -> None:
    sample = t2i.load(anytext_data)[0]
    with pytest.raises(ImageOutputError, match="does not exist"):
        t2i.extract(Output(sample_id=sample.id, images=(str(tmp_path / "none.png"),)), sample)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ImageOutputError, match="cannot be read"):
        t2i.extract(Output(sample_id=sample.id, images=(str(broken),)), sample)
    truncated = tmp_path / "truncated.png"
    full = tmp_path / "full.png"
    draw_texts(["WINNER"], [box(60, 90, 420, 170)]).save(full)
    truncated.write_bytes(full.read_bytes()[:400])
    with pytest.raises(ImageOutputError, match="cannot be read"):
        t2i.extract(Output(sample_id=sample.id, images=(str(truncated),)), sample)
    with pytest.raises(ImageOutputError, match="no images"):
        t2i.extract(Output(sample_id=sample.id, text="a picture"), sample)


def test_the_reader_identity_reaches_the_scores(anytext_data: Path, t2i: AnyTextT2I,
                                                tmp_path: Path) -> None:
    samples = t2i.load(anytext_data)[:2]
    records = []
    for sample in samples:
        output = rendered(sample, tmp_path)
        records.append(Record(run_id="r", task=t2i.name, sample_id=sample.id, request_hash="h",
                              template_id="t", template_hash="h", images=list(output.images),
                              answer=t2i.extract(output, sample)))
    protocols = [AnyTextOCR(), TextHarmonyOCR()]
    entry = summarize_task(t2i, samples, records, protocols)
    assert entry["modality"] == "image" and entry["scored"] == 2
    assert entry["protocols"]["anytext"]["sen_acc"] == 1.0
    assert entry["protocols"]["anytext"]["lines"] == 3
    assert entry["protocols"]["anytext"]["reader"] == t2i.reader.identity
    assert entry["protocols"]["textharmony"]["reader"] == t2i.reader.identity
    # the ground-truth images exist, but there is no feature network: a note, not an error
    assert set(entry["protocols"]["fid"]) == {"skipped"}
    assert "dataset_errors" not in entry


def test_rapidocr_batches_give_the_same_text(anytext_data: Path, t2i: AnyTextT2I) -> None:
    from harmonybench.crop import rectified_crop, resize_and_pad
    from harmonybench.models.readers_rapidocr import RapidOCRReader

    crops = []
    for sample in t2i.load(anytext_data):
        image = sample.images[0].open()
        assert sample.layout is not None
        crops += [resize_and_pad(rectified_crop(image, p)) for p in sample.layout.polygons]
    reader = RapidOCRReader(batch_size="4")
    batched = reader.read(crops)
    assert batched == reader.read_one_by_one(crops) == RapidOCRReader(batch_size=1).read(crops)
    assert batched == [t for s in t2i.load(anytext_data) if s.layout for t in s.layout.texts]
    assert reader.read([]) == []


@needs_tesseract
def test_tesseract_reader_list_file_equals_one_process_per_crop(anytext_data: Path,
                                                               tmp_path: Path) -> None:
    from harmonybench.models.readers_tesseract import TesseractReader

    task = get_task("anytext-t2i", {"reader": "tesseract", "reader_batch_size": "3"})
    samples = task.load(anytext_data)
    assert not task.anytext_input()  # tesseract reads bare crops
    for sample in samples:
        answer = task.extract(rendered(sample, tmp_path), sample)
        assert re.match(r"tesseract \d+\.\d+", answer["reader"]) and "psm 7" in answer["reader"]
        assert sample.layout is not None
        assert answer["images"][0]["lines"] == list(sample.layout.texts)
    from harmonybench.crop import rectified_crop

    crops = [rectified_crop(s.images[0].open(), p) for s in samples
             if s.layout for p in s.layout.polygons]
    crops.append(Image.new("RGB", (320, 48), "white"))
    reader = TesseractReader(batch_size="2")
    assert reader.read(crops) == reader.read_one_by_one(crops)
    assert reader.read(crops)[-1] == ""
    assert TesseractReader(batched="false").read(crops[:2]) == reader.read(crops[:2])
    assert TesseractReader(threads=0).read(crops[:2]) == reader.read(crops[:2])
    page = draw_texts(["Lucky River", "OPEN 2024"], layout_boxes(2))
    assert TesseractReader().words([page, Image.new("RGB", (64, 64), "white")]) == \
        [["Lucky", "River", "OPEN", "2024"], []]


class SizeReader:
    """A plugin reader: reads every crop as its size (no whole-image reading)."""

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix

    @property
    def identity(self) -> str:
        return "size-reader 1.0"

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        return [f"{c.width}x{c.height}{self.suffix}" for c in crops]


class NamelessReader:
    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        return ["" for _ in crops]


def test_plugin_readers(monkeypatch: pytest.MonkeyPatch, anytext_data: Path,
                        tmp_path: Path) -> None:
    monkeypatch.setattr("harmonybench.registries.READERS", Registry(
        kind="reader", group="harmonybench.readers",
        builtins=(("size", f"{__name__}:SizeReader"), ("nameless", f"{__name__}:NamelessReader"))))
    task = get_task("anytext-t2i", {"reader": "size", "reader_suffix": "!"})
    sample = task.load(anytext_data)[1]
    answer = task.extract(rendered(sample, tmp_path), sample)
    assert answer == {"reader": "size-reader 1.0", "images": [{"lines": ["320x48!", "320x48!"]}]}
    bare = get_task("anytext-t2i", {"reader": "size", "crop": "bare"})
    assert bare.extract(rendered(sample, tmp_path), sample)["images"][0]["lines"] == \
        ["360x80", "280x70"]
    with pytest.raises(TaskOptionError, match="cannot read whole images"):
        get_task("mario-eval", {"reader": "size"}).extract(rendered(sample, tmp_path))
    with pytest.raises(RegistryError, match="is not a TextReader"):
        get_task("anytext-t2i", {"reader": "nameless"})


def test_crop_option_overrides_the_reader(t2i: AnyTextT2I) -> None:
    assert t2i.anytext_input()  # rapidocr: AnyText's 48x320 input
    assert not get_task("anytext-t2i", {"crop": "bare"}).anytext_input()
    assert get_task("anytext-t2i", {"reader": "tesseract", "crop": "anytext"}).anytext_input()


def test_mario_word_extraction(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    samples = task.load(write_mario(tmp_path / "data"))
    protocol = MarioOCR()
    for sample in samples[2:]:
        assert sample.layout is not None
        texts = list(sample.layout.texts)
        image = draw_texts(texts, layout_boxes(len(texts)))
        path = save(image, tmp_path / "out" / f"{sample.id}_0.png")
        answer = task.extract(Output(sample_id=sample.id, images=(path,)), sample)
        assert answer["reader"].startswith("rapidocr ") and "(det " in answer["reader"]
        assert len(answer["words"]) == 1
        assert protocol.evaluate(answer, sample)["accuracy"] == 1.0
    nothing = task.extract(blank(samples[0], tmp_path), samples[0])
    assert nothing["words"] == [[]]
    assert protocol.evaluate(nothing, samples[0])["accuracy"] == 0.0


def test_mario_mask_corner_hides_the_watermark(tmp_path: Path) -> None:
    image = draw_texts(["IF"], [box(400, 440, 500, 500)])
    output = Output(sample_id="s", images=(save(image, tmp_path / "wm.png"),))
    plain = get_task("mario-eval").extract(output)
    masked = get_task("mario-eval", {"mask_corner": "128"}).extract(output)
    assert plain["words"] == [["IF"]] and masked["words"] == [[]]


# ----------------------------------------------------------------------------- FID and CLIP
