"""The image-out tasks' dataset scores (FID, CLIPScore) and full runs through the run loop.

CLIP is the tiny checkpoint of :mod:`tinyclip` and the FID network a tiny TorchScript module.
"""

from __future__ import annotations

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
    WORDS,
    draw_texts,
    layout_boxes,
    write_anytext,
    write_mario,
    write_textharmony_edit,
)
from imageout_support import (
    save,
)
from PIL import Image

from harmonybench.dataset_scoring import dataset_scores
from harmonybench.model import GenerationContext, ModelAdapter
from harmonybench.registries import get_task
from harmonybench.registry import Registry
from harmonybench.schema import Output, Record, Request, RequestKind, Sample
from harmonybench.task import Task

pytest_plugins = ("imageout_fixtures",)


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
    result = scores_of(task, samples, records_for(task.name, samples, same))["fid"]
    assert result["fid"] == pytest.approx(0.0, abs=1e-9)
    assert result["features"] == "torchscript channel_means.pt"


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tinyclip import build_tiny_clip

    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip")


def scores_of(task: Task, samples: Sequence[Sample], records: Sequence[Record]
              ) -> dict[str, dict[str, Any]]:
    """The dataset-level scores of ``task`` as the scoring stage computes them."""
    return dataset_scores(task, samples, records)[0]


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
    scores = scores_of(task, samples, records_for(task.name, samples, same))
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
    value = scores_of(task, samples, records_for(task.name, samples, darker))["fid"]["fid"]
    assert value == pytest.approx(3 * (30 / 255) ** 2, rel=0.05)
    # a reference folder (AnyText's FID/ images) instead of the ground truth
    folder = tmp_path / "FID"
    folder.mkdir()
    for s in samples:
        shutil.copy(s.images[0].path or "", folder / Path(s.images[0].path or "").name)
    (folder / "notes.txt").write_text("not an image")
    named = get_task("anytext-t2i", {"fid_features": str(features),
                                     "fid_reference": str(folder)})
    result = scores_of(named, samples, records_for(task.name, samples, same))["fid"]
    assert result["reference"] == 4 and result["reference_source"] == str(folder)
    assert result["fid"] == pytest.approx(0.0, abs=1e-9)


def test_fid_modes_and_skips(anytext_data: Path, features: Path, tmp_path: Path) -> None:
    samples = get_task("anytext-t2i").load(anytext_data)
    outputs = [Output(sample_id=s.id, images=(s.images[0].path or "",)) for s in samples]
    records = records_for("anytext-t2i", samples, outputs)
    # no feature network and no torch-fidelity: a skip note, never a download
    skipped = scores_of(get_task("anytext-t2i"), samples, records)["fid"]
    assert set(skipped) == {"skipped"} and "torch-fidelity" in skipped["skipped"]
    off = get_task("anytext-t2i", {"fid": "off", "fid_features": str(features)})
    assert scores_of(off, samples, records) == {}
    # no reference images at all: nothing under auto, a note under on
    bare = get_task("anytext-t2i").load(anytext_data, tmp_path / "no-images")
    assert scores_of(get_task("anytext-t2i", {"fid_features": str(features)}),
                     bare, records) == {}
    on = get_task("anytext-t2i", {"fid": "on", "fid_features": str(features)})
    assert "fid_reference" in scores_of(on, bare, records)["fid"]["skipped"]
    # one image on a side is too few
    single = get_task("anytext-t2i", {"fid_features": str(features)})
    assert "at least 2" in scores_of(single, samples[:1], records[:1])["fid"]["skipped"]
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not torchscript")
    broken = get_task("anytext-t2i", {"fid_features": str(junk)})
    assert "not a torch.export (.pt2) or TorchScript file" in scores_of(
        broken, samples, records)["fid"]["skipped"]


def test_clipscore_with_a_tiny_clip(anytext_data: Path, tiny_clip: Path) -> None:
    from harmonybench.metrics.image_quality import CLIPScorer

    task = get_task("anytext-t2i", {"clip": str(tiny_clip), "fid": "off",
                                    "clip_protocol": "clipscore,clipscore-textdiffuser"})
    samples = task.load(anytext_data)[:2]
    outputs = [Output(sample_id=s.id, images=(s.images[0].path or "",) * 2) for s in samples]
    scores = scores_of(task, samples, records_for(task.name, samples, outputs))
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
    result = scores_of(task, samples, records_for(task.name, samples, outputs))["fid"]
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
            layout = request.layout  # the typed contract, never the metadata
            assert layout is not None
            texts = list(layout.texts)
            polygons = layout.polygons or layout_boxes(len(texts))
            size = layout.canvas
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
