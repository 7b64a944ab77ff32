"""The image-out tasks: loading, prompts, OCR extraction with a reader, FID/CLIPScore, a full run.

Data is written by :mod:`imagedata` (images that really show the texts); the OCR readers are
the real engines (RapidOCR's bundled PP-OCR models; Tesseract where installed); CLIP is the
tiny checkpoint of :mod:`tinyclip` and the FID network a tiny TorchScript module.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch
from imagedata import (
    DROP,
    WORDS,
    box,
    draw_texts,
    layout_boxes,
    write_anytext,
    write_mario,
    write_textharmony_edit,
)
from PIL import Image

from harmonybench.errors import DataError, HarmonyBenchError, RegistryError
from harmonybench.metrics.textrender import AnyTextOCR, MarioOCR, TextHarmonyOCR
from harmonybench.model import GenerationContext, ModelAdapter
from harmonybench.registries import READERS, TASKS, get_task
from harmonybench.registry import Registry
from harmonybench.schema import Output, Record, Request, RequestKind, Sample
from harmonybench.summary import summarize_task
from harmonybench.tasks.anytext import AnyTextT2I
from harmonybench.tasks.anytext_edit import AnyTextEdit
from harmonybench.tasks.anytext_prompts import ANYTEXT_N_PROMPT, anytext_prompt, quote_texts
from harmonybench.tasks.imageout_common import ImageOutputError, TaskOptionError
from harmonybench.tasks.mario import MarioEval, find_subsets, stacked_layout

HAS_TESSERACT = shutil.which("tesseract") is not None
needs_tesseract = pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract is not installed")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def t2i() -> AnyTextT2I:
    """One task (one RapidOCR engine) shared by the extraction tests."""
    task = get_task("anytext-t2i")
    assert isinstance(task, AnyTextT2I)
    return task


@pytest.fixture(scope="module")
def anytext_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_anytext(tmp_path_factory.mktemp("anytext"), 4)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG cache (where anytext-edit builds its inputs by default)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def save(image: Image.Image, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return str(path)


def rendered(sample: Sample, folder: Path, count: int = 1, **kwargs: Any) -> Output:
    """An output whose images show the sample's target texts in their polygons."""
    image = draw_texts(sample.metadata["texts"], sample.metadata["polygons"], **kwargs)
    paths = tuple(save(image, folder / f"{sample.id}_{k}.png") for k in range(count))
    return Output(sample_id=sample.id, images=paths)


def blank(sample: Sample, folder: Path, count: int = 1) -> Output:
    image = Image.new("RGB", (512, 512), (250, 248, 240))
    paths = tuple(save(image, folder / f"blank_{sample.id}_{k}.png") for k in range(count))
    return Output(sample_id=sample.id, images=paths)


def where(exc: pytest.ExceptionInfo[DataError]) -> tuple[str, str | None, str | None]:
    return exc.value.path, exc.value.record, exc.value.field


# ----------------------------------------------------------------------------- registry


def test_registries_name_the_tasks_and_readers() -> None:
    for name, cls in (("anytext-t2i", AnyTextT2I), ("anytext-edit", AnyTextEdit),
                      ("mario-eval", MarioEval)):
        assert TASKS.load(name) is cls
        assert cls.modality == "image" and cls.default_protocol == cls.protocols[0]
    assert AnyTextT2I.kind == "t2i" and AnyTextEdit.kind == "edit" and MarioEval.kind == "t2i"
    assert {"rapidocr", "tesseract"} <= set(READERS.names())
    assert READERS.group == "harmonybench.readers"


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="does not take options"):
        get_task("anytext-t2i", {"colour": "red"})
    with pytest.raises(RegistryError, match="unknown reader 'nope'"):
        get_task("anytext-t2i", {"reader": "nope"})
    with pytest.raises(RegistryError, match="reader 'rapidocr' does not take options"):
        get_task("anytext-t2i", {"reader_colour": "red"})
    with pytest.raises(HarmonyBenchError, match="batch_size='many'"):
        get_task("anytext-t2i", {"reader_batch_size": "many"})
    with pytest.raises(TaskOptionError, match="crop='square'"):
        get_task("anytext-t2i", {"crop": "square"})
    with pytest.raises(TaskOptionError, match="not a folder"):
        get_task("anytext-t2i", {"clip": str(tmp_path / "missing")})
    with pytest.raises(TaskOptionError, match="clip_protocol"):
        get_task("mario-eval", {"clip_protocol": "clipscore-100"})
    with pytest.raises(TaskOptionError, match="mask_dilation"):
        get_task("anytext-edit", {"mask_dilation": "-1"})
    with pytest.raises(TaskOptionError, match="not a file"):
        get_task("anytext-t2i", {"fid_features": str(tmp_path)})
    task = get_task("mario-eval", {"reader": "rapidocr", "reader_batch_size": "4",
                                   "mask_corner": "64", "fid": "OFF"})
    assert isinstance(task, MarioEval)
    assert task.mask_corner == 64 and task.fid == "off"
    assert task.clip_protocols == ("clipscore-textdiffuser",)


# ----------------------------------------------------------------------------- anytext-t2i load


def test_anytext_t2i_loads_test1k(tmp_path: Path) -> None:
    path = write_anytext(tmp_path, [
        {},
        {"caption": "a * star that says harmony"},
        {"annotations": DROP},
        {"annotations": [
            {"polygon": box(10, 10, 300, 60), "text": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
            {"polygon": box(10, 100, 300, 160), "text": "hidden", "valid": False, "pos": 0},
            {"polygon": [], "text": "nowhere", "valid": True},
            {"polygon": box(10, 200, 300, 260), "text": "Lucky", "language": "Latin"},
        ]},
    ])
    samples = get_task("anytext-t2i").load(path)
    assert [s.id for s in samples] == [f"{1253546 + i:09d}.jpg" for i in range(4)]
    first = samples[0]
    assert first.task == "anytext-t2i"
    assert first.question == "a poster that says winner in big letters"
    assert first.target == {"lines": [{"text": "WINNER", "polygon": box(60, 90, 420, 170),
                                       "valid": True, "pos": 1, "language": "Latin"}]}
    assert first.images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    assert first.images[0].open().size == (512, 512)
    assert first.metadata == {
        "img_name": "001253546.jpg", "caption": first.question,
        "quoted_caption": 'a poster that says "WINNER" in big letters',
        "texts": ["WINNER"], "polygons": [box(60, 90, 420, 170)],
        "width": 512, "height": 512, "subset": "laion_word",
    }
    assert samples[1].question == "a   star that says harmony"  # '*' -> ' ' as load_data
    assert samples[2].target == {"lines": []} and samples[2].metadata["texts"] == []
    fourth = samples[3]
    assert len(fourth.target["lines"]) == 4  # every annotation is kept in the target
    assert fourth.metadata["texts"] == ["ABCDEFGHIJKLMNOPQRST", "Lucky"]  # scored lines, cut
    assert fourth.metadata["polygons"] == [box(10, 10, 300, 60), box(10, 200, 300, 260)]


def test_anytext_t2i_takes_the_folder_and_keeps_the_first_20_lines(tmp_path: Path) -> None:
    lines = [{"polygon": box(10, 10 + 20 * k, 200, 28 + 20 * k), "text": f"w{k}"}
             for k in range(25)]
    path = write_anytext(tmp_path, [{"annotations": lines}], subset="wukong_word")
    sample = get_task("anytext-t2i").load(path.parent)[0]
    assert sample.metadata["texts"] == [f"w{k}" for k in range(20)]
    assert sample.metadata["subset"] == "wukong_word"


def test_anytext_t2i_image_root(tmp_path: Path) -> None:
    task = get_task("anytext-t2i")
    # data_root that exists, absolute (the default writer)
    path = write_anytext(tmp_path / "a", 1)
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # data_root relative to the JSON file's folder
    path = write_anytext(tmp_path / "b", 1, data_root="imgs")
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # the authors' stale data_root: imgs/ beside the file
    path = write_anytext(tmp_path / "c", 1, data_root="/data/vdb/yuxiang.tyx/AIGC/data/imgs")
    assert task.load(path)[0].images[0].path == str(path.parent / "imgs" / "001253546.jpg")
    # the images argument wins; an image that is not there is simply absent
    assert task.load(path, tmp_path / "elsewhere")[0].images == ()
    # the subset option wins over the path
    named = get_task("anytext-t2i", {"subset": "wukong_word"})
    assert named.load(path)[0].metadata["subset"] == "wukong_word"


@pytest.mark.parametrize(("override", "record", "field", "problem"), [
    ({"img_name": 7}, "record 0", "img_name", "expected a string"),
    ({"img_name": " "}, "record 0", "img_name", "empty image name"),
    ({"caption": DROP}, "record 0", "caption", "missing field"),
    ({"annotations": {"a": 1}}, "record 0", "annotations", "expected a list"),
    ({"annotations": ["x"]}, "record 0", "annotations[0]", "expected an object"),
    ({"annotations": [{"text": "A"}]}, "record 0", "annotations[0].polygon", "missing field"),
    ({"annotations": [{"polygon": [[0, 0], [1, 1]], "text": "A"}]}, "record 0",
     "annotations[0].polygon", "at least 3 points"),
    ({"annotations": [{"polygon": [[0, 0], [1, "y"], [2, 2]], "text": "A"}]}, "record 0",
     "annotations[0].polygon", "point 1"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": 3}]}, "record 0",
     "annotations[0].text", "expected a string"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": "A", "valid": "yes"}]},
     "record 0", "annotations[0].valid", "true or false"),
    ({"annotations": [{"polygon": box(0, 0, 9, 9), "text": "A", "pos": 9}]}, "record 0",
     "annotations[0].pos", "grid cell"),
])
def test_anytext_errors_name_file_record_and_field(
    tmp_path: Path, override: dict[str, Any], record: str, field: str, problem: str
) -> None:
    path = write_anytext(tmp_path, [override], images=False)
    with pytest.raises(DataError, match=problem) as exc:
        get_task("anytext-t2i").load(path)
    assert where(exc) == (str(path), record, field)


def test_anytext_file_level_errors(tmp_path: Path) -> None:
    task = get_task("anytext-t2i")
    path = write_anytext(tmp_path, [{}, {"img_name": "001253546.jpg"}], images=False)
    with pytest.raises(DataError, match="appears more than once") as exc:
        task.load(path)
    assert where(exc) == (str(path), "record 1", "img_name")
    bad = tmp_path / "list.json"
    bad.write_text(json.dumps([{"img_name": "a.jpg"}]))
    with pytest.raises(DataError, match="data_list") as exc:
        task.load(bad)
    with pytest.raises(DataError, match=r"holds no test1k\.json"):
        task.load(tmp_path)
    with pytest.raises(DataError, match="no such file"):
        task.load(tmp_path / "missing.json")
    bad.write_text(json.dumps({"data_root": 5, "data_list": []}))
    with pytest.raises(DataError, match="folder path") as exc:
        task.load(bad)
    assert exc.value.field == "data_root"


# ----------------------------------------------------------------------------- prompts


def test_quote_texts_rule() -> None:
    assert quote_texts("best of home advisor 2017 winner", ["WINNER"]) == \
        'best of home advisor 2017 "WINNER"'
    # not inside a longer word; the next free occurrence is taken
    assert quote_texts("opener, open late", ["OPEN"]) == 'opener, "OPEN" late'
    # the same text twice takes two occurrences, then is appended
    assert quote_texts("sale sale", ["SALE", "SALE", "SALE"]) == \
        '"SALE" "SALE", with the words "SALE"'
    assert quote_texts("a sign", ["OPEN", "24h"]) == 'a sign, with the words "OPEN", "24h"'
    assert quote_texts("", ["OPEN"]) == '"OPEN"'
    assert quote_texts("2017 winner", ["", " "]) == "2017 winner"
    # punctuation edges and CJK (no word boundaries there)
    assert quote_texts("say hi-5 now", ["hi-5"]) == 'say "hi-5" now'
    assert quote_texts("招牌上写着欢迎光临", ["欢迎光临"]) == '招牌上写着"欢迎光临"'
    # regex characters are literal
    assert quote_texts("price $9.99 (now)", ["$9.99"]) == 'price "$9.99" (now)'


def test_anytext_prompt_matches_get_caption_pos_with_prob_0() -> None:
    assert anytext_prompt("a cake", 0) == "a cake"
    assert anytext_prompt("a cake", 1) == "a cake, content and position of the texts are * ."
    assert anytext_prompt("a cake", 3) == \
        "a cake, content and position of the texts are * , * , * ."


def test_t2i_requests_per_family(anytext_data: Path, t2i: AnyTextT2I) -> None:
    sample = t2i.load(anytext_data)[1]  # two lines: Harmony, Summer
    default = t2i.request(sample, seed=7, index=1)
    assert default.kind == "t2i" and default.images == () and default.mask is None
    assert default.prompt == 'a poster that says "Harmony" in big letters, with the words "Summer"'
    assert default.question == "a poster that says harmony in big letters"
    assert default.template_id == "anytext-t2i/quoted@1"
    assert default.seed == 7 and default.index == 1
    assert dict(default.generation) == {"num_images": 4, "num_inference_steps": 20,
                                        "guidance_scale": 9.0, "height": 512, "width": 512}
    meta = default.metadata
    assert meta["texts"] == ["Harmony", "Summer"] and len(meta["polygons"]) == 2
    assert (meta["width"], meta["height"], meta["img_name"]) == (512, 512, "001253547.jpg")

    harmony = t2i.request(sample, family="textharmony", seed=7)
    assert harmony.prompt == "Generate an image according to the caption. " + default.prompt
    assert dict(harmony.generation) == {"num_images": 1, "num_inference_steps": 30,
                                        "guidance_scale": 7.5, "height": 512, "width": 512}
    assert harmony.seed == 7

    anytext = t2i.request(sample, family="anytext", seed=7)
    assert anytext.prompt == ("a poster that says harmony in big letters, content and "
                              "position of the texts are * , * .")
    assert anytext.seed == 100  # AnyText seeds every prompt with 100
    assert dict(anytext.generation) == {"num_images": 4, "num_inference_steps": 20,
                                        "guidance_scale": 9.0, "height": 512, "width": 512,
                                        "negative_prompt": ANYTEXT_N_PROMPT}
    assert t2i.request(sample, family="monkey").prompt == default.prompt  # unknown: default
    # overrides (the run's --model-arg settings) win over the family's
    assert t2i.request(sample, generation={"num_images": 1}).generation["num_images"] == 1
    assert len({default.hash(), harmony.hash(), anytext.hash()}) == 3


# ----------------------------------------------------------------------------- extraction


def test_rendered_lines_read_back_and_score_high(anytext_data: Path, t2i: AnyTextT2I,
                                                 tmp_path: Path) -> None:
    samples = t2i.load(anytext_data)
    for sample in samples:
        answer = t2i.extract(rendered(sample, tmp_path, count=2), sample)
        assert answer["reader"].startswith("rapidocr ") and "PP-OCR" in answer["reader"]
        assert [im["lines"] for im in answer["images"]] == [sample.metadata["texts"]] * 2
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
    ]}, metadata={"width": 512, "height": 512})
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
        crops += [resize_and_pad(rectified_crop(image, p)) for p in sample.metadata["polygons"]]
    reader = RapidOCRReader(batch_size="4")
    batched = reader.read(crops)
    assert batched == reader.read_one_by_one(crops) == RapidOCRReader(batch_size=1).read(crops)
    assert batched == [t for s in t2i.load(anytext_data) for t in s.metadata["texts"]]
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
        assert answer["images"][0]["lines"] == sample.metadata["texts"]
    from harmonybench.crop import rectified_crop

    crops = [rectified_crop(s.images[0].open(), p) for s in samples
             for p in s.metadata["polygons"]]
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


# ----------------------------------------------------------------------------- anytext-edit


def test_edit_builds_inputs_and_masks_into_the_cache(tmp_path: Path, cache: Path) -> None:
    path = write_textharmony_edit(tmp_path / "set", 2)
    task = get_task("anytext-edit")
    samples = task.load(path)
    assert [s.id for s in samples] == ["001253546.jpg", "001253548.jpg"]
    sample = samples[0]
    meta = sample.metadata
    assert meta["masked_input"] == "built from GT polygon"
    assert meta["text"] == "WINNER" and meta["texts"] == ["WINNER"]
    assert meta["instruction"] == 'Fill the masked part in this image with "WINNER".'
    assert meta["gt_image"] == str(path.parent / "imgs" / "001253546.jpg")
    assert (meta["width"], meta["height"], meta["mask_dilation"]) == (512, 512, 4)
    built = Path(sample.images[0].path or "")
    assert built.parent.parent == cache / "harmonybench" / "anytext-edit"
    mask = np.asarray(Image.open(meta["mask"]).convert("L"))
    assert mask.shape == (512, 512) and set(np.unique(mask)) == {0, 255}
    # the polygon box(60, 90, 420, 170), dilated by 4 px
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (56, 424, 86, 174)
    masked = np.asarray(Image.open(built).convert("RGB")).astype(int)
    gt = np.asarray(Image.open(meta["gt_image"]).convert("RGB")).astype(int)
    assert (masked[mask > 0] == 128).all()
    assert (masked[mask == 0] == gt[mask == 0]).all()
    # a second load reuses the files
    stamp = built.stat().st_mtime_ns
    assert task.load(path)[0].images[0].path == str(built)
    assert built.stat().st_mtime_ns == stamp


def test_edit_request_follows_the_contract(tmp_path: Path, cache: Path) -> None:
    task = get_task("anytext-edit", {"masked_dir": str(tmp_path / "built"),
                                     "mask_dilation": "0"})
    sample = task.load(write_textharmony_edit(tmp_path / "set", 1))[0]
    assert sample.metadata["mask"].startswith(str(tmp_path / "built"))
    request = task.request(sample, seed=3)
    assert request.kind == "edit"
    assert request.prompt == 'Fill the masked part in this image with "WINNER".'
    assert request.template_id == "textharmony/edit@f98ac34"
    assert request.images == sample.images and request.mask is not None
    assert request.mask.path == sample.metadata["mask"]
    assert request.metadata["text"] == "WINNER" and "gt_image" not in request.metadata
    assert dict(request.generation) == {"num_images": 1, "num_inference_steps": 30,
                                        "guidance_scale": 7.5, "height": 512, "width": 512}
    anytext = task.request(sample, family="anytext")
    assert anytext.prompt == ("a poster that says winner in big letters, content and position "
                              "of the texts are * .")
    assert anytext.seed == 100 and anytext.generation["num_images"] == 4
    mask = np.asarray(Image.open(sample.metadata["mask"]).convert("L"))
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (60, 420, 90, 170)


def test_edit_uses_the_released_masked_inputs(tmp_path: Path, cache: Path) -> None:
    path = write_textharmony_edit(tmp_path, 2, masked=True)
    samples = get_task("anytext-edit").load(path)
    assert samples[1].metadata["masked_input"] == "edit_annt.json"
    assert samples[1].images[0].path == str(tmp_path / "edit_images" / "001253548_mask.jpg")
    assert Path(samples[1].metadata["mask"]).is_file()
    # without the ground-truth images the masked inputs are enough (no FID reference then)
    shutil.rmtree(tmp_path / "imgs")
    again = get_task("anytext-edit").load(path)
    assert "gt_image" not in again[0].metadata and again[0].metadata["width"] == 512


def test_edit_without_edit_annt_and_its_errors(tmp_path: Path, cache: Path) -> None:
    task = get_task("anytext-edit")
    path = write_textharmony_edit(tmp_path / "a", 1, annt=False)
    assert task.load(path.parent)[0].metadata["masked_input"] == "built from GT polygon"

    path = write_textharmony_edit(tmp_path / "b", 2, instructions=[None, "Fill it."])
    with pytest.raises(DataError, match="does not match") as exc:
        task.load(path)
    assert where(exc) == (str(path.with_name("edit_annt.json")), "record 1", "sentences")

    path = write_textharmony_edit(tmp_path / "c", 2)
    annt = path.with_name("edit_annt.json")
    annt.write_text(json.dumps(json.loads(annt.read_text())[:1]))
    with pytest.raises(DataError, match=r"has 1 records, edit_gt\.json has 2"):
        task.load(path)

    path = write_textharmony_edit(tmp_path / "d", [{"annotations": [
        {"polygon": box(0, 0, 50, 20), "text": "A"}, {"polygon": box(0, 30, 50, 50), "text": "B"}
    ]}], annt=False)
    with pytest.raises(DataError, match="exactly one scored line") as exc:
        task.load(path)
    assert where(exc) == (str(path), "record 0", "annotations")

    path = write_textharmony_edit(tmp_path / "e", 1, images=False)
    with pytest.raises(DataError, match=r"ground-truth image .* is missing") as exc:
        task.load(path)
    assert exc.value.field == "img_name"

    other = write_textharmony_edit(tmp_path / "f", 1)
    moved = tmp_path / "instructions.json"
    other.with_name("edit_annt.json").rename(moved)
    named = get_task("anytext-edit", {"instructions": str(moved)})
    assert named.load(other)[0].metadata["instruction"].endswith('"WINNER".')


# ----------------------------------------------------------------------------- mario-eval


def test_mario_layouts(tmp_path: Path) -> None:
    root = write_mario(tmp_path)
    task = get_task("mario-eval")
    every = task.load(tmp_path)  # the folder holding MARIOEval
    assert [s.id for s in every] == ["LAIONEval4000/0", "LAIONEval4000/1", "LAIONEval4000/2",
                                     "DrawBenchText/0", "DrawBenchText/1"]
    assert [s.id for s in task.load(root)] == [s.id for s in every]
    one = task.load(root / "DrawBenchText")
    assert [s.id for s in one] == ["DrawBenchText/0", "DrawBenchText/1"]
    assert [s.id for s in task.load(root / "DrawBenchText" / "DrawBenchText.txt")] == \
        ["DrawBenchText/0", "DrawBenchText/1"]
    first = every[0]
    assert first.question == "A sign that says 'Hello World'"
    assert first.target == {"words": ["hello", "world"]}
    assert first.images[0].path == str(root / "LAIONEval4000" / "images" / "0.jpg")
    assert first.metadata == {"subset": "LAIONEval4000", "line": 1, "texts": ["Hello World"],
                              "polygons": [box(31, 41, 481, 137)], "layout": "stacked",
                              "width": 512, "height": 512,
                              "gt_dir": str(root / "LAIONEval4000" / "images")}
    assert one[0].images == () and "gt_dir" not in one[0].metadata
    assert find_subsets(root)[0][0] == "LAIONEval4000"


def test_mario_prompt_lines(tmp_path: Path) -> None:
    sub = tmp_path / "DrawTextCreative"
    sub.mkdir()
    (sub / "DrawTextCreative.txt").write_bytes(
        b"\xef\xbb\xbf  a 'Neon' sign  \r\n\r\nthe word 'don't' and 'Stop'\rlast 'One'")
    samples = get_task("mario-eval").load(sub)
    assert [s.id for s in samples] == ["DrawTextCreative/0", "DrawTextCreative/2",
                                       "DrawTextCreative/3"]
    assert samples[0].question == "a 'Neon' sign"
    assert samples[1].target == {"words": ["don", "and"]}  # the reference's regex, quirks kept
    assert samples[1].metadata["line"] == 3


def test_mario_errors(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    with pytest.raises(DataError, match="no such file"):
        task.load(tmp_path / "missing")
    with pytest.raises(DataError, match="not a MARIO-Eval subset folder"):
        task.load(tmp_path)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match="prompt file"):
        task.load(tmp_path / "x.json")
    sub = tmp_path / "Empty"
    sub.mkdir()
    (sub / "Empty.txt").write_text("\n  \n")
    with pytest.raises(DataError, match="holds no prompts"):
        task.load(sub)
    (sub / "Empty.txt").write_bytes(b"caf\xe9 'x'\n")
    with pytest.raises(DataError, match="not UTF-8"):
        task.load(sub)


def test_mario_stacked_layout_fits_the_canvas() -> None:
    for count in range(0, 25):
        boxes = stacked_layout(count)
        assert len(boxes) == count
        for top, bottom in itertools.pairwise(boxes):
            assert top[2][1] < bottom[0][1]  # rows do not overlap
        assert all(0 <= x <= 512 and 0 <= y <= 512 for b in boxes for x, y in b)


def test_mario_requests(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    sample = task.load(write_mario(tmp_path))[0]
    request = task.request(sample, seed=5, index=0)
    assert request.prompt == "A sign that says 'Hello World'" and request.images == ()
    assert request.template_id == "mario-eval/prompt@768a3c8" and request.seed == 5
    assert dict(request.generation) == {"num_images": 4, "height": 512, "width": 512}
    assert request.metadata["texts"] == ["Hello World"]
    harmony = task.request(sample, family="textharmony")
    assert harmony.prompt == "Generate an image according to the caption. " + request.prompt
    assert dict(harmony.generation) == {"num_images": 4, "height": 512, "width": 512,
                                        "num_inference_steps": 30, "guidance_scale": 7.5}


def test_mario_word_extraction(tmp_path: Path) -> None:
    task = get_task("mario-eval")
    samples = task.load(write_mario(tmp_path / "data"))
    protocol = MarioOCR()
    for sample in samples[2:]:
        texts = sample.metadata["texts"]
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


class ChannelMeans(torch.nn.Module):
    """FID features: the three channel means in [0, 1] (uint8 batch in)."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return images.double().mean(dim=(2, 3)) / 255.0


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ChannelMeans saved with torch.export (dynamic batch), the offline feature format."""
    path = tmp_path_factory.mktemp("fid") / "channel_means.pt2"
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.export.export(ChannelMeans(), (torch.zeros(2, 3, 299, 299, dtype=torch.uint8),),
                                  dynamic_shapes={"images": {0: batch}})
    torch.export.save(program, str(path))
    return path


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torchscript_feature_networks_load_too(tmp_path: Path, anytext_data: Path) -> None:
    path = tmp_path / "channel_means.pt"
    torch.jit.save(torch.jit.script(ChannelMeans()), str(path))
    task = get_task("anytext-t2i", {"fid_features": str(path)})
    samples = task.load(anytext_data)
    same = [Output(sample_id=s.id, images=(s.images[0].path or "",)) for s in samples]
    result = task.dataset_scores(samples, records_for(task.name, samples, same))["fid"]
    assert result["fid"] == pytest.approx(0.0, abs=1e-9)
    assert result["features"] == "torchscript channel_means.pt"


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tinyclip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip")


def records_for(task_name: str, samples: Sequence[Sample], outputs: Sequence[Output]
                ) -> list[Record]:
    return [Record(run_id="r", task=task_name, sample_id=s.id, request_hash="h",
                   template_id="t", template_hash="h", images=list(o.images))
            for s, o in zip(samples, outputs, strict=True)]


def test_fid_against_the_ground_truth_and_a_reference_folder(
    anytext_data: Path, features: Path, tmp_path: Path
) -> None:
    task = get_task("anytext-t2i", {"fid_features": str(features)})
    samples = task.load(anytext_data)
    # the ground-truth images themselves as generations: FID 0
    same = [Output(sample_id=s.id, images=(s.images[0].path or "",)) for s in samples]
    scores = task.dataset_scores(samples, records_for(task.name, samples, same))
    assert scores["fid"]["fid"] == pytest.approx(0.0, abs=1e-9)
    assert scores["fid"]["generated"] == 4 and scores["fid"]["reference"] == 4
    assert scores["fid"]["features"] == "channel_means.pt2"
    assert scores["fid"]["reference_source"] == "the samples' ground-truth images"
    # darker generations: FID = 3 (shift / 255)^2 for channel-mean features
    darker = []
    for s in samples:
        pixels = np.asarray(s.images[0].open()).astype(np.int16) - 30
        darker.append(Output(sample_id=s.id, images=(
            save(Image.fromarray(pixels.clip(0, 255).astype(np.uint8)), tmp_path / s.id),)))
    value = task.dataset_scores(samples, records_for(task.name, samples, darker))["fid"]["fid"]
    assert value == pytest.approx(3 * (30 / 255) ** 2, rel=0.05)
    # a reference folder (AnyText's FID/ images) instead of the ground truth
    folder = tmp_path / "FID"
    folder.mkdir()
    for s in samples:
        shutil.copy(s.images[0].path or "", folder / Path(s.images[0].path or "").name)
    (folder / "notes.txt").write_text("not an image")
    named = get_task("anytext-t2i", {"fid_features": str(features),
                                     "fid_reference": str(folder)})
    result = named.dataset_scores(samples, records_for(task.name, samples, same))["fid"]
    assert result["reference"] == 4 and result["reference_source"] == str(folder)
    assert result["fid"] == pytest.approx(0.0, abs=1e-9)


def test_fid_modes_and_skips(anytext_data: Path, features: Path, tmp_path: Path) -> None:
    samples = get_task("anytext-t2i").load(anytext_data)
    outputs = [Output(sample_id=s.id, images=(s.images[0].path or "",)) for s in samples]
    records = records_for("anytext-t2i", samples, outputs)
    # no feature network and no torch-fidelity: a skip note, never a download
    skipped = get_task("anytext-t2i").dataset_scores(samples, records)["fid"]
    assert set(skipped) == {"skipped"} and "torch-fidelity" in skipped["skipped"]
    off = get_task("anytext-t2i", {"fid": "off", "fid_features": str(features)})
    assert off.dataset_scores(samples, records) == {}
    # no reference images at all: nothing under auto, a note under on
    bare = get_task("anytext-t2i").load(anytext_data, tmp_path / "no-images")
    assert get_task("anytext-t2i", {"fid_features": str(features)}).dataset_scores(
        bare, records) == {}
    on = get_task("anytext-t2i", {"fid": "on", "fid_features": str(features)})
    assert "fid_reference" in on.dataset_scores(bare, records)["fid"]["skipped"]
    # one image on a side is too few
    single = get_task("anytext-t2i", {"fid_features": str(features)})
    assert "at least 2" in single.dataset_scores(samples[:1], records[:1])["fid"]["skipped"]
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not torchscript")
    broken = get_task("anytext-t2i", {"fid_features": str(junk)})
    assert "not a torch.export (.pt2) or TorchScript file" in broken.dataset_scores(
        samples, records)["fid"]["skipped"]


def test_clipscore_with_a_tiny_clip(anytext_data: Path, tiny_clip: Path) -> None:
    from harmonybench.metrics.image_quality import CLIPScorer

    task = get_task("anytext-t2i", {"clip": str(tiny_clip), "fid": "off",
                                    "clip_protocol": "clipscore,clipscore-textdiffuser"})
    samples = task.load(anytext_data)[:2]
    outputs = [Output(sample_id=s.id, images=(s.images[0].path or "",) * 2) for s in samples]
    scores = task.dataset_scores(samples, records_for(task.name, samples, outputs))
    expected = CLIPScorer(tiny_clip, "clipscore").score(
        [o.images[0] for o in outputs for _ in range(2)],
        [s.question or "" for s in samples for _ in range(2)])
    hessel = scores["clipscore"]
    assert hessel["clipscore"] == pytest.approx(sum(expected) / 4)
    assert hessel["images"] == 4 and hessel["model"] == "tiny-clip"
    assert scores["clipscore-textdiffuser"]["clipscore"] == pytest.approx(
        hessel["clipscore"] / 2.5)


def test_mario_fid_is_the_mean_over_image_indices(tmp_path: Path, features: Path) -> None:
    task = get_task("mario-eval", {"fid_features": str(features)})
    samples = task.load(write_mario(tmp_path))
    outputs = []
    for s in samples:
        gt = s.images[0].path if s.images else None
        other = save(Image.new("RGB", (64, 64), (90, 90, 90)), tmp_path / f"{s.id}_x.png")
        outputs.append(Output(sample_id=s.id, images=(gt or other, other)))
    result = task.dataset_scores(samples, records_for(task.name, samples, outputs))["fid"]
    # only LAIONEval4000 has images: 3 prompts per set, set 0 = the ground truth itself
    assert result["generated"] == 6 and result["reference"] == 3
    assert result["per_set"]["0"] == pytest.approx(0.0, abs=1e-9)
    assert result["per_set"]["1"] > 0
    assert result["fid"] == pytest.approx(sum(result["per_set"].values()) / 2)
    assert result["reference_source"] == "ground-truth images of LAIONEval4000"


# ----------------------------------------------------------------------------- a full run


class GlyphModel(ModelAdapter):
    """A tiny image-out adapter: draws the requested texts into their polygons.

    ``--model-arg mode=blank`` draws nothing; ``mode=missing`` answers with files that do not
    exist. Editing draws into the masked input, covering the polygon with white first.
    """

    name: ClassVar[str] = "glyphs"
    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"t2i", "edit"})

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        mode = self.args.get("mode", "draw")
        outputs = []
        for request in requests:
            meta = request.metadata
            texts = list(meta.get("texts", []))
            polygons = meta.get("polygons") or layout_boxes(len(texts))
            size = (int(meta.get("width", 512)), int(meta.get("height", 512)))
            if request.kind == "edit":
                base = request.images[0].open()
                image = draw_texts(texts, polygons, base=base, fill=(255, 255, 255))
            else:
                image = draw_texts(texts if mode == "draw" else [],
                                   polygons if mode == "draw" else [], size=size)
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", request.sample_id)
            paths = []
            for k in range(int(request.generation.get("num_images", 1))):
                path = context.image_dir / f"{safe}_{k}.png"
                if mode != "missing":
                    save(image, path)
                paths.append(str(path))
            outputs.append(Output(sample_id=request.sample_id, images=tuple(paths)))
        return outputs


@pytest.fixture
def glyphs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``--model glyphs`` resolve to :class:`GlyphModel` in the run loop."""
    monkeypatch.setattr("harmonybench.runner.MODELS", Registry(
        kind="model", group="harmonybench.models",
        builtins=(("glyphs", f"{__name__}:GlyphModel"),)))


@pytest.mark.slow
def test_full_run_scores_rendered_images(tmp_path: Path, cache: Path, glyphs: None,
                                         features: Path, tiny_clip: Path) -> None:
    from harmonybench.rescore import rescore
    from harmonybench.runner import RunConfig, TaskInput, run

    anytext = write_anytext(tmp_path / "data", 3)
    edit = write_textharmony_edit(tmp_path / "edit", 2)
    options = {"fid_features": str(features)}
    config = RunConfig(
        model="glyphs", output=tmp_path / "runs", model_args={"num_images": "2"},
        progress=False, tasks=[
            TaskInput("anytext-t2i", anytext, options={**options, "clip": str(tiny_clip)}),
            TaskInput("anytext-edit", edit, options=options),
        ])
    result = run(config)
    assert result.failed == 0 and result.scores is not None
    tasks = result.scores["tasks"]
    t2i_entry = tasks["anytext-t2i"]
    assert t2i_entry["scored"] == 3 and t2i_entry["modality"] == "image"
    assert t2i_entry["protocols"]["anytext"]["sen_acc"] == 1.0
    assert t2i_entry["protocols"]["anytext"]["images"] == 6
    assert t2i_entry["protocols"]["anytext"]["reader"].startswith("rapidocr")
    assert t2i_entry["protocols"]["fid"]["fid"] >= 0
    assert t2i_entry["protocols"]["fid"]["generated"] == 6
    assert t2i_entry["protocols"]["clipscore"]["images"] == 6
    edit_entry = tasks["anytext-edit"]
    assert edit_entry["protocols"]["textharmony"]["ned"] == pytest.approx(1.0)
    background = edit_entry["protocols"]["background"]
    assert background["psnr"] == 100.0 and background["ssim"] == pytest.approx(1.0)
    assert background["images"] == 4
    journal = [json.loads(line) for line in
               next((result.folder / "anytext-t2i").glob("journal.rank*.jsonl")).read_text()
               .splitlines()]
    assert journal[0]["answer"]["reader"].startswith("rapidocr")
    # stored relative to the run folder (bench/journal.py)
    assert len(journal[0]["images"]) == 2 and (result.folder / journal[0]["images"][0]).is_file()
    info = json.loads((result.folder / "run.json").read_text())
    assert info["tasks"][0]["generation"]["num_images"] == 2
    from harmonybench.summary import scores_table

    assert scores_table(result.scores, "run").row_count >= 10
    # re-scoring reads the images again, with no model
    again = rescore(result.folder)
    assert again["tasks"]["anytext-t2i"]["protocols"]["anytext"]["sen_acc"] == 1.0


@pytest.mark.slow
def test_full_mario_run(tmp_path: Path, glyphs: None, features: Path) -> None:
    from harmonybench.runner import RunConfig, TaskInput, run

    mario = write_mario(tmp_path / "mario", {
        "LAIONEval4000": ("A sign that says 'Hello World'", "'OPEN' written on a door"),
        "DrawBenchText": ("a cake with the words 'Happy 2024'",),
    })
    options = {"fid_features": str(features), "reader_det_limit_side_len": "512"}
    result = run(RunConfig(model="glyphs", output=tmp_path / "runs", progress=False,
                           model_args={"num_images": "2"},
                           tasks=[TaskInput("mario-eval", mario, options=options)]))
    assert result.failed == 0 and result.scores is not None
    entry = result.scores["tasks"]["mario-eval"]
    assert entry["scored"] == 3
    assert entry["protocols"]["mario"]["accuracy"] == 1.0
    assert entry["protocols"]["mario"]["f"] == pytest.approx(1.0)
    assert "det side 512" in entry["protocols"]["mario"]["reader"]
    assert entry["protocols"]["fid"]["generated"] == 4  # the subset with images only
    assert set(entry["protocols"]["fid"]["per_set"]) == {"0", "1"}
    from harmonybench.summary import scores_table

    assert scores_table(result.scores, "run").row_count >= 5  # every value displays


def test_full_run_records_missing_images_as_failures(tmp_path: Path, glyphs: None) -> None:
    from harmonybench.runner import RunConfig, TaskInput, run

    config = RunConfig(model="glyphs", output=tmp_path / "runs",
                       model_args={"mode": "missing", "num_images": "1"}, progress=False,
                       tasks=[TaskInput("anytext-t2i", write_anytext(tmp_path / "d", 2),
                                        options={"fid": "off"})])
    result = run(config)
    assert result.scores is not None
    entry = result.scores["tasks"]["anytext-t2i"]
    assert entry["failed"] == 2 and entry["scored"] == 0
    assert "does not exist" in entry["errors"][0]
    assert result.failed == 2
    blank_run = run(RunConfig(model="glyphs", output=tmp_path / "runs2",
                              model_args={"mode": "blank", "num_images": "1"}, progress=False,
                              tasks=[TaskInput("anytext-t2i", write_anytext(tmp_path / "e", 2),
                                               options={"fid": "off"})]))
    assert blank_run.scores is not None
    assert blank_run.scores["tasks"]["anytext-t2i"]["protocols"]["anytext"]["sen_acc"] == 0.0


def test_words_list_is_known_to_the_readers() -> None:
    # the default records' words read back exactly (the fixtures rely on it)
    from harmonybench.models.readers_rapidocr import RapidOCRReader

    image = draw_texts(list(WORDS[:5]), layout_boxes(5))
    assert RapidOCRReader().words([image]) == [list(WORDS[:5])]
