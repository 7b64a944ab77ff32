"""Dataset-level protocols (FID, CLIPScore, background preservation) and the core stage that
runs them (``harmonybench.dataset_scoring``).

The numbers themselves are checked in ``tests/test_tasks_imageout.py`` (FID 0 against itself,
the darker-set closed form, CLIPScore against the scorer, MARIO-Eval's per-set mean) and
``tests/test_image_quality.py`` (FID, CLIPScore and masked PSNR/SSIM against their
references); here: the registry, the listing, the declarations, the ``scores.json`` layout,
the skip messages and the refusals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import torch
from imagedata import write_anytext, write_textharmony_edit
from PIL import Image

from harmonybench.cli.listing import DATASET_LEVEL, protocol_lines
from harmonybench.dataset_protocol import DatasetInputs, EditImages
from harmonybench.dataset_scoring import dataset_protocols_for, dataset_scores
from harmonybench.errors import RegistryError
from harmonybench.meaning import MetricMeanings, table_to_json
from harmonybench.metrics.background import PSNR_CAP, BackgroundPreservation, masked_psnr
from harmonybench.metrics.quality_protocols import FID
from harmonybench.registries import DATASET_PROTOCOLS, PROTOCOLS, get_dataset_protocol, get_task
from harmonybench.schema import Record, Sample
from harmonybench.summary import summarize_task
from harmonybench.tasks.anytext import AnyTextT2I

BUILTIN = ("background", "clipscore", "clipscore-textdiffuser", "fid")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "protocols.md"


class ChannelMeans(torch.nn.Module):
    """FID features: the three channel means in [0, 1] (uint8 batch in)."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return images.double().mean(dim=(2, 3)) / 255.0


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fid") / "channel_means.pt2"
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.export.export(ChannelMeans(), (torch.zeros(2, 3, 299, 299, dtype=torch.uint8),),
                                  dynamic_shapes={"images": {0: batch}})
    torch.export.save(program, str(path))
    return path


def records(task: str, samples: Sequence[Sample], images: Sequence[Sequence[str]]
            ) -> list[Record]:
    return [Record(run_id="r", task=task, sample_id=s.id, request_hash="h", template_id="t",
                   template_hash="h", images=list(ims), answer={"images": []})
            for s, ims in zip(samples, images, strict=True)]


def ground_truth(samples: Sequence[Sample]) -> list[list[str]]:
    return [[s.images[0].path or ""] for s in samples]


# ----------------------------------------------------------------------------- registry


def test_the_builtins_are_registered_apart_from_the_per_sample_protocols() -> None:
    assert set(BUILTIN) <= set(DATASET_PROTOCOLS.names())
    # scores.json keys both kinds by name: a name is one or the other
    assert not set(DATASET_PROTOCOLS.names()) & set(PROTOCOLS.names())
    for name in BUILTIN:
        protocol = get_dataset_protocol(name)
        assert protocol.name == name and protocol.reference and protocol.summary
        assert [m for m, info in protocol.metrics.items() if info.main], name


def test_declarations_keep_their_units_and_directions() -> None:
    fid = DATASET_PROTOCOLS.load("fid").metrics
    assert (fid["fid"].unit, fid["fid"].higher_is_better, fid["fid"].main) == ("fid", False, True)
    assert fid["generated"].statistic and fid["reference"].statistic
    for name in ("clipscore", "clipscore-textdiffuser"):
        clip = DATASET_PROTOCOLS.load(name).metrics
        assert (clip["clipscore"].unit, clip["clipscore"].higher_is_better) == ("clipscore", True)
    background = DATASET_PROTOCOLS.load("background").metrics
    assert (background["psnr"].unit, background["psnr"].main) == ("db", True)
    assert background["ssim"].unit == "ssim" and not background["ssim"].main
    # files written before metrics_info existed fall back to the registry's declarations
    assert MetricMeanings().info("anytext-t2i", "fid", "fid").higher_is_better is False
    assert MetricMeanings().info("anytext-edit", "background", "psnr").unit == "db"


def test_list_protocols_marks_each_dataset_protocol_and_the_docs_list_it() -> None:
    lines = {line.split()[0]: line for line in protocol_lines()}
    docs = DOCS.read_text()
    for name in DATASET_PROTOCOLS.names():
        assert f"[{DATASET_LEVEL}; metric " in lines[name], lines[name]
        assert f"| `{name}` |" in docs.split("## Dataset-level protocols")[1], name
    assert "metric fid (fid, lower is better)" in lines["fid"]
    assert "metric psnr (db, higher is better)" in lines["background"]
    assert DATASET_LEVEL not in lines["anls"]


# ----------------------------------------------------------------------------- the stage


def test_scores_and_declarations_come_together(tmp_path: Path, features: Path) -> None:
    task = get_task("anytext-t2i", {"fid_features": str(features)})
    samples = task.load(write_anytext(tmp_path, 3))
    scores, info = dataset_scores(task, samples, records(task.name, samples,
                                                         ground_truth(samples)))
    assert list(scores) == ["fid"] and scores["fid"]["fid"] == pytest.approx(0.0, abs=1e-9)
    assert info == {"fid": table_to_json(DATASET_PROTOCOLS.load("fid").metrics)}
    entry = summarize_task(task, samples, records(task.name, samples, ground_truth(samples)),
                           [])
    assert entry["protocols"] == scores and entry["metrics_info"] == info


def test_a_task_without_reference_images_gets_the_same_skip(tmp_path: Path,
                                                            features: Path) -> None:
    data = write_anytext(tmp_path, 2)
    bare = get_task("anytext-t2i").load(data, tmp_path / "no-images")
    done = records("anytext-t2i", bare, [[str(tmp_path / "x.png")]] * 2)
    on = get_task("anytext-t2i", {"fid": "on", "fid_features": str(features)})
    scores, info = dataset_scores(on, bare, done)
    assert scores == {"fid": {"skipped": "no reference images: give --task-arg fid_reference=DIR"}}
    assert set(info) == {"fid"}  # a skipped score still says what its numbers would mean
    auto = get_task("anytext-t2i", {"fid_features": str(features)})
    assert dataset_scores(auto, bare, done) == ({}, {})
    edit = get_task("anytext-edit", {"fid": "off"})
    samples = edit.load(write_textharmony_edit(tmp_path / "edit", 2))
    assert dataset_scores(edit, samples, records(edit.name, samples, [[], []]))[0] == {
        "background": {"skipped": "no edited image with its ground-truth image"}}


def test_the_task_options_choose_the_protocols_in_scores_json_order(tmp_path: Path) -> None:
    clip = tmp_path / "clip"
    clip.mkdir()
    t2i = get_task("anytext-t2i", {"clip": str(clip), "clip_protocol":
                                   "clipscore-textdiffuser,clipscore"})
    assert t2i.enabled_dataset_protocols() == ("clipscore-textdiffuser", "clipscore", "fid")
    assert get_task("anytext-t2i", {"fid": "off"}).enabled_dataset_protocols() == ()
    assert get_task("anytext-edit").enabled_dataset_protocols() == ("fid", "background")
    assert get_task("mario-eval", {"clip": str(clip)}).enabled_dataset_protocols() == (
        "clipscore-textdiffuser", "fid")
    text = get_task("textvqa")
    assert text.dataset_protocols == () and text.enabled_dataset_protocols() == ()
    assert dataset_scores(text, [], []) == ({}, {})


class BackgroundT2I(AnyTextT2I):
    """A t2i task that names the editing protocol (a plugin's mistake)."""

    def enabled_dataset_protocols(self) -> tuple[str, ...]:
        return ("fid", "background")


class UnknownT2I(AnyTextT2I):
    def enabled_dataset_protocols(self) -> tuple[str, ...]:
        return ("kid",)


def test_a_protocol_named_for_a_task_it_does_not_apply_to_is_refused(tmp_path: Path) -> None:
    task = BackgroundT2I(fid="off")
    samples = task.load(write_anytext(tmp_path, 2))
    done = records(task.name, samples, ground_truth(samples))
    with pytest.raises(RegistryError, match="dataset protocol 'background' does not apply to "
                       "task 'anytext-t2i'"):
        dataset_scores(task, samples, done)
    with pytest.raises(RegistryError, match="unknown dataset protocol 'kid'"):
        dataset_scores(UnknownT2I(), samples, done)
    # the scoring stage reports it beside the per-sample scores instead of failing the run
    entry = summarize_task(task, samples, done, [])
    assert "does not apply" in entry["dataset_errors"][0] and "background" not in entry["protocols"]
    assert [p.name for p in dataset_protocols_for(get_task("anytext-edit"), ["background"])] == [
        "background"]


class ForT2I(BackgroundPreservation):
    tasks: ClassVar[tuple[str, ...]] = ("anytext-t2i",)


def test_a_protocol_may_name_its_tasks_itself() -> None:
    assert ForT2I.applies_to("anytext-t2i") and not BackgroundPreservation.applies_to(
        "anytext-t2i", AnyTextT2I.dataset_protocols)
    assert BackgroundPreservation.applies_to("anytext-edit", ("fid", "background"))


# ----------------------------------------------------------------------------- the inputs


def test_inputs_pair_every_image_with_its_caption() -> None:
    inputs = DatasetInputs(task="t", generated=(("a", "b"), (), ("c",)),
                           captions=("one", "two", "three"))
    assert inputs.image_captions() == (["a", "b", "c"], ["one", "one", "three"])
    with pytest.raises(ValueError, match="2 captions for 3 samples"):
        DatasetInputs(task="t", generated=((), (), ()), captions=("x", "y"))
    two = [Sample(id=i, task="t", question="?") for i in "ab"]
    with pytest.raises(ValueError, match="2 samples for 1 records"):
        dataset_scores(get_task("textvqa"), two, records("t", two[:1], [[]]))


def test_background_skips_what_it_cannot_read_and_caps_psnr(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
    mask = np.zeros((40, 48), dtype=np.uint8)
    mask[10:20, 10:30] = 255
    changed = original.copy()
    changed[0:4] = 255 - changed[0:4]  # outside the mask and its 5 px margin
    paths = {}
    for name, array in (("original", original), ("mask", mask), ("changed", changed)):
        paths[name] = str(tmp_path / f"{name}.png")
        Image.fromarray(array).save(paths[name])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    inputs = DatasetInputs(task="anytext-edit", edits=(
        EditImages(paths["original"], paths["mask"],
                   (paths["original"], paths["changed"], str(broken), str(tmp_path / "no.png"))),
        EditImages(str(tmp_path / "gone.png"), paths["mask"], (paths["original"],)),
    ))
    result = BackgroundPreservation().compute(inputs)
    expected = masked_psnr(paths["changed"], paths["original"], paths["mask"], margin=5)
    assert result["images"] == 2
    assert result["psnr"] == pytest.approx((PSNR_CAP + expected) / 2)
    assert not math.isinf(result["psnr"]) and result["ssim"] < 1.0
    assert "0 images resized" in result["note"]


def test_fid_without_generated_sets_or_a_network_says_why(tmp_path: Path) -> None:
    images = []
    for i in range(2):
        images.append(str(tmp_path / f"{i}.png"))
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(images[-1])
    empty = DatasetInputs(task="t", reference=tuple(images), fid_sets=((),))
    assert FID().compute(empty) == {"skipped": "no generated images to compare"}
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"junk")
    broken = DatasetInputs(task="t", reference=tuple(images), fid_sets=(tuple(images),),
                           features=junk)
    skipped = FID().compute(broken)
    assert skipped is not None and skipped["skipped"].startswith(
        f"--task-arg fid_features={junk}: not a torch.export (.pt2) or TorchScript file")
