"""The demo data generator: deterministic, small, in each benchmark's format, legible.

Only the quick tree is generated (about a second); it is written once per module and shared.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from harmonybench.demo import content
from harmonybench.demo.common import Context
from harmonybench.demo.comprehension import write_docvqa, write_ocrbench, write_textvqa
from harmonybench.demo.data import (
    MANIFEST,
    QUICK_COUNT,
    DemoData,
    generate,
    load_manifest,
)
from harmonybench.demo.perception import recognition_texts
from harmonybench.demo.render import (
    FontSet,
    draw_text,
    find_cjk_font,
    find_fonts,
    gradient,
    quad_bounds,
    rotate_point,
)
from harmonybench.errors import DataError, RegistryError
from harmonybench.registries import TASKS, get_task
from harmonybench.schema import Sample

ALL_TASKS = (
    "textrec", "textvqa", "docvqa", "ocrbench", "grounding", "detection", "spotting",
    "anytext-t2i", "anytext-edit", "mario-eval",
)

OCRBENCH_TYPES = frozenset({
    "Regular Text Recognition", "Irregular Text Recognition", "Artistic Text Recognition",
    "Handwriting Recognition", "Digit String Recognition", "Non-Semantic Text Recognition",
    "Scene Text-centric VQA", "Doc-oriented VQA", "Key Information Extraction",
    "Handwritten Mathematical Expression Recognition",
})
"""The ten ``type`` values of OCRBench v1's ``OCRBench.json`` (MultimodalOCR @794c36d)."""


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, keyed by its relative path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    return generate(tmp_path_factory.mktemp("demo") / "quick", quick=True)


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return find_fonts()


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> int:
    """Quick trees of 2 items per task, for the tests that only need some tree."""
    monkeypatch.setattr("harmonybench.demo.data.QUICK_COUNT", 2)
    return 2


def target(sample: Sample) -> Mapping[str, Any]:
    """The sample's structured ground truth (it must have one)."""
    assert sample.target is not None, sample.id
    return sample.target


def load(demo: DemoData, task: str, **options: str) -> list[Sample]:
    """The task's samples from the demo tree; skips when the task module is not there yet."""
    try:
        instance = get_task(task, options or None)
    except RegistryError as exc:
        pytest.skip(f"task {task!r} ({TASKS.targets().get(task, 'not registered')}) cannot "
                    f"be loaded yet: {exc}")
    return instance.load(demo.path(task), demo.images(task))


# ----------------------------------------------------------------------------- determinism


def test_generating_twice_gives_byte_identical_trees(quick: DemoData, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", quick=True)
    first, second = tree_digest(quick.root), tree_digest(again.root)
    assert first == second
    assert len(first) > 50


def test_another_seed_draws_other_data(fonts: FontSet, tmp_path: Path) -> None:
    base = Context(root=tmp_path / "seed0", fonts=fonts, seed=0, count=3)
    other = replace(base, root=tmp_path / "seed1", seed=1)
    a = json.loads(write_textvqa(base).data.read_text("utf-8"))["data"]
    b = json.loads(write_textvqa(other).data.read_text("utf-8"))["data"]
    assert [r["answers"] for r in a] != [r["answers"] for r in b]
    assert tree_digest(base.root) != tree_digest(other.root)


def test_items_do_not_depend_on_the_tree_size(quick: DemoData, fonts: FontSet,
                                              tmp_path: Path) -> None:
    """Item i is drawn from (seed, task, i): the quick tree is a prefix of bigger ones."""
    small = Context(root=tmp_path / "small", fonts=fonts, seed=0, count=3)
    big = replace(small, root=tmp_path / "big", count=5)
    for writer, key in ((write_textvqa, "data"), (write_docvqa, "data")):
        a = json.loads(writer(small).data.read_text("utf-8"))[key]
        b = json.loads(writer(big).data.read_text("utf-8"))[key]
        assert a == b[:3]
    a_list = json.loads(write_ocrbench(small).data.read_text("utf-8"))
    b_list = json.loads(write_ocrbench(big).data.read_text("utf-8"))
    assert a_list == b_list[:3]
    assert recognition_texts(0, 4) == recognition_texts(0, 9)[:4]


def test_files_carry_no_metadata(quick: DemoData) -> None:
    pngs = sorted(quick.root.rglob("*.png"))
    jpgs = sorted(quick.root.rglob("*.jpg"))
    assert pngs and jpgs
    for path in pngs:
        data = path.read_bytes()
        chunks = []
        pos = 8
        while pos < len(data):
            length = int.from_bytes(data[pos:pos + 4], "big")
            chunks.append(data[pos + 4:pos + 8].decode("ascii"))
            pos += 12 + length
        assert set(chunks) <= {"IHDR", "IDAT", "IEND"}, (path, chunks)
    for path in jpgs:
        with Image.open(path) as img:
            assert not img.getexif(), path
            assert "exif" not in img.info and "icc_profile" not in img.info


def test_json_files_have_sorted_keys(quick: DemoData) -> None:
    files = sorted(quick.root.rglob("*.json"))
    assert len(files) >= 7
    for path in files:
        text = path.read_text("utf-8")
        value = json.loads(text)
        assert text == json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


# ----------------------------------------------------------------------------- size and manifest


def test_quick_tree_is_small(quick: DemoData) -> None:
    files = [p for p in quick.root.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3_000_000
    assert len(files) < 200
    for task in ALL_TASKS:
        assert 8 <= quick.items[task] <= 15, task
    for image in quick.root.rglob("*.png"):
        with Image.open(image) as img:
            assert max(img.size) <= 512


def test_manifest_round_trips(quick: DemoData) -> None:
    again = load_manifest(quick.root)
    assert dict(again.tasks) == dict(quick.tasks)
    assert dict(again.items) == dict(quick.items)
    assert again.notes == quick.notes and again.quick and again.seed == 0
    assert set(quick.tasks) == set(ALL_TASKS)
    for task in ALL_TASKS:
        assert quick.path(task).exists(), task
        images = quick.images(task)
        assert images is None or images.is_dir()
    manifest = json.loads((quick.root / MANIFEST).read_text("utf-8"))
    assert not any(Path(e["data"]).is_absolute() for e in manifest["tasks"].values())


def test_regenerating_replaces_an_earlier_demo(tiny: int, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    generate(root, quick=True)
    stale = root / "textvqa" / "train_images" / "stale.jpg"
    stale.write_bytes(b"old")
    keep = root / "notes.txt"
    keep.write_text("mine")
    generate(root, quick=True)
    assert not stale.exists()
    assert keep.read_text() == "mine"


def test_refuses_a_folder_that_is_not_a_demo(tiny: int, tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("do not delete")
    with pytest.raises(DataError, match="not empty"):
        generate(tmp_path, quick=True)
    assert (tmp_path / "precious.txt").read_text() == "do not delete"
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(DataError, match="is a file"):
        generate(file, quick=True)
    with pytest.raises(ValueError, match="non-negative"):
        generate(tmp_path / "neg", seed=-1)
    with pytest.raises(DataError, match="not a demo tree"):
        load_manifest(tmp_path)


# ----------------------------------------------------------------------------- CJK


def test_without_a_cjk_font_chinese_is_skipped_with_a_note(fonts: FontSet, tiny: int,
                                                            tmp_path: Path) -> None:
    latin_only = FontSet(latin=fonts.latin, cjk=None, cjk_note="no CJK font installed")
    demo = generate(tmp_path / "latin", quick=True, fonts=latin_only)
    assert any("Chinese lines skipped" in note and "no CJK font" in note for note in demo.notes)
    lines = demo.path("textrec").read_text("utf-8-sig").splitlines()
    assert len(lines) == tiny
    assert all(ch.isascii() for line in lines for ch in line)
    assert demo.notes == load_manifest(demo.root).notes


def test_with_a_cjk_font_chinese_lines_are_drawn(quick: DemoData) -> None:
    found, why = find_cjk_font()
    if found is None:
        pytest.skip(f"no CJK font here: {why}")
    lines = quick.path("textrec").read_text("utf-8-sig").splitlines()
    chinese = [line for line in lines if any(ord(ch) > 0x2E80 for ch in line)]
    assert 1 <= len(chinese) <= 5
    assert not quick.notes


# ----------------------------------------------------------------------------- drawing


@pytest.mark.parametrize("angle", [0.0, 17.0, -30.0])
def test_drawn_quad_encloses_the_ink(fonts: FontSet, angle: float) -> None:
    image = gradient((300, 200), (255, 255, 255), (255, 255, 255))
    centre = (150.0, 100.0)
    quad = draw_text(image, "Station", fonts.latin_face(0, 40), centre, angle=angle,
                     fill=(0, 0, 0))
    ys, xs = np.nonzero(np.asarray(image.convert("L")) < 128)
    # turn the ink back upright: it must fill the quad turned back upright, tightly
    upright = [rotate_point((float(x), float(y)), centre, -angle)
               for x, y in zip(xs, ys, strict=True)]
    box = [rotate_point(p, centre, -angle) for p in quad]
    left, top, right, bottom = quad_bounds(box)
    ink_left, ink_top, ink_right, ink_bottom = quad_bounds(upright)
    assert left - 2 <= ink_left <= left + 3
    assert right - 3 <= ink_right <= right + 2
    assert top - 2 <= ink_top <= top + 3
    assert bottom - 3 <= ink_bottom <= bottom + 2
    if angle > 0:  # counter-clockwise on screen: the text's right end rises
        assert quad[1][1] < quad[0][1]
    if angle < 0:
        assert quad[1][1] > quad[0][1]


def test_annotator_answers_vary_but_agree() -> None:
    rng = content.item_rng(0, "t", 0)
    answers = content.annotator_answers(rng, "Blue Door", ("blue", "the blue door"), agree=7)
    assert len(answers) == 10
    assert sum(a.lower().rstrip(".") == "blue door" for a in answers) == 7
    assert len(set(answers)) > 2


# ----------------------------------------------------------------------------- loaders


@pytest.mark.parametrize("task", ALL_TASKS)
def test_every_task_loads_its_demo_data(quick: DemoData, task: str) -> None:
    samples = load(quick, task)
    assert len(samples) == quick.items[task]
    assert len({s.id for s in samples}) == len(samples)
    for sample in samples:
        assert sample.images, sample.id
        for image in sample.images:
            assert image.path is not None and Path(image.path).is_file(), image.describe()


def test_textvqa_has_ten_varied_answers(quick: DemoData) -> None:
    samples = load(quick, "textvqa")
    for sample in samples:
        assert len(sample.answers) == 10
        assert len(set(sample.answers)) >= 2
    questions = {s.question for s in samples}
    assert len(questions) >= 3


def test_docvqa_asks_two_questions_per_document(quick: DemoData) -> None:
    samples = load(quick, "docvqa")
    documents = {s.images[0].path for s in samples}
    assert len(documents) == (len(samples) + 1) // 2
    assert all(s.answers for s in samples)


def test_ocrbench_uses_the_real_categories(quick: DemoData) -> None:
    records = json.loads(quick.path("ocrbench").read_text("utf-8"))
    assert {r["type"] for r in records} <= OCRBENCH_TYPES
    assert {"Key Information Extraction", "Scene Text-centric VQA", "Doc-oriented VQA",
            "Regular Text Recognition"} <= {r["type"] for r in records}
    for record in records:
        assert set(record) == {"dataset_name", "id", "image_path", "question", "answers", "type"}
        answers = record["answers"] if isinstance(record["answers"], list) else [record["answers"]]
        assert all(len(a) >= 4 for a in answers), record  # OCRBench drops shorter answers
    kie = [r for r in records if r["type"] == "Key Information Extraction"]
    assert all(r["question"].endswith("Answer this question using the text in the image "
                                      "directly.") for r in kie)
    samples = load(quick, "ocrbench")
    assert [s.metadata["type"] for s in samples] == [r["type"] for r in records]


def test_perception_regions_lie_inside_their_images(quick: DemoData) -> None:
    grounding = load(quick, "grounding")
    for sample in grounding:
        xs = [p[0] for p in target(sample)["polygon"]]
        ys = [p[1] for p in target(sample)["polygon"]]
        assert min(xs) >= 0 and max(xs) < sample.metadata["width"]
        assert min(ys) >= 0 and max(ys) < sample.metadata["height"]
    detection = load(quick, "detection")
    ignored = sum(sum(target(s)["ignore"]) for s in detection)
    assert ignored >= 1  # some ### regions
    turned = 0
    for sample in detection:
        for polygon in target(sample)["polygons"]:
            turned += abs(polygon[0][1] - polygon[1][1]) > 3
    assert turned >= 2  # some words are rotated


def test_image_out_data_has_polygons_and_gt_images(quick: DemoData) -> None:
    t2i = load(quick, "anytext-t2i")
    for sample in t2i:
        lines = target(sample)["lines"]
        assert 1 <= len(lines) <= 3
        with Image.open(sample.images[0].path or "") as img:
            assert img.size == (512, 512)
    doc = json.loads(quick.path("anytext-edit").read_text("utf-8"))
    annt = json.loads((quick.path("anytext-edit").parent / "edit_annt.json").read_text("utf-8"))
    assert len(doc["data_list"]) == len(annt) == quick.items["anytext-edit"]
    for gt, instruction in zip(doc["data_list"], annt, strict=True):
        (annotation,) = gt["annotations"]
        assert instruction["sentences"][0] == (
            f'Fill the masked part in this image with "{annotation["text"]}".')
    mario = load(quick, "mario-eval")
    for sample in mario:
        assert target(sample)["words"]
        assert "'" in (sample.question or "")


# ----------------------------------------------------------------------------- legibility


def _tesseract() -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr)")
    return binary


def _read(binary: str, path: Path, psm: int) -> str:
    done = subprocess.run([binary, str(path), "stdout", "--psm", str(psm)],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.stdout.strip()


def _latin_crops(demo: DemoData) -> Iterator[tuple[Path, str]]:
    gt = demo.path("textrec")
    for line in gt.read_text("utf-8-sig").splitlines():
        name, _, quoted = line.partition(", ")
        text = quoted[1:-1]
        if text.isascii():
            yield gt.parent / name, text


def test_tesseract_reads_most_recognition_crops(quick: DemoData) -> None:
    binary = _tesseract()
    crops = list(_latin_crops(quick))
    assert len(crops) == QUICK_COUNT
    right = sum(_read(binary, path, 7) == text for path, text in crops)
    assert right >= 0.7 * len(crops), right


def test_tesseract_reads_the_document_answers(quick: DemoData) -> None:
    binary = _tesseract()
    samples = load(quick, "docvqa")[:4]  # two documents, two questions each
    pages: dict[str, str] = {}
    found = 0
    for sample in samples:
        path = sample.images[0].path or ""
        if path not in pages:
            pages[path] = _read(binary, Path(path), 6)
        found += any(answer in pages[path] for answer in sample.answers)
    assert len(pages) == 2
    assert found >= 3, pages
