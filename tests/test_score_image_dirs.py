"""``harmonybench score --predictions DIR``: folders of images generated elsewhere, scored.

Each naming scheme (AnyText ``<stem>_<j>.jpg``, TextHarmony ``gen_img_*/<i>_0_<k>``, the editing
input's ``<stem>_mask.jpg``, one image per prompt) is scored through the CLI with RapidOCR
reading images that really show the texts (or other words); a count that does not match the
task's protocol is one error naming ``--images-per-sample``; a sample without images is a
failure, counted and left out, and a folder that matches nothing exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from imagedata import write_anytext, write_mario, write_textharmony_edit
from imagedirs import write_generated
from typer.testing import CliRunner

from harmonybench.cli import build_app
from harmonybench.registries import get_task
from harmonybench.schema import Sample

pytest_plugins = ("imageout_fixtures",)

runner = CliRunner()


def score(task: str, data: Path, folder: Path, *more: str) -> Any:
    return runner.invoke(build_app(), ["score", "--task", task, "--data", str(data),
                                       "--predictions", str(folder), "--task-arg", "fid=off",
                                       "--json", *more])


def samples_of(task: str, data: Path) -> list[Sample]:
    return get_task(task, {"fid": "off"}).load(data)


@pytest.fixture(scope="module")
def anytext(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample]]:
    data = write_anytext(tmp_path_factory.mktemp("anytext"), 3)
    return data, samples_of("anytext-t2i", data)


@pytest.fixture
def edit(tmp_path: Path, cache: Path) -> tuple[Path, list[Sample]]:
    data = write_textharmony_edit(tmp_path / "edit", 2)
    return data, samples_of("anytext-edit", data)



def test_anytext_naming_four_per_prompt(tmp_path: Path,
                                        anytext: tuple[Path, list[Sample]]) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "gen", samples, "anytext", 4, wrong={samples[0].id})
    result = score("anytext-t2i", data, folder)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n"] == 3 and payload["failed"] == 0 and payload["scored"] == 3
    assert payload["images_per_sample"] == 4 and payload["naming"] == {"anytext": 3}
    # sample 0 (one line) shows other words; samples 1 (two lines) and 2 (one) are right
    assert payload["scores"]["anytext"]["sen_acc"] == pytest.approx(3 / 4)
    assert "4 images each (AnyText naming" in result.stderr
    table = runner.invoke(build_app(), ["score", "--task", "anytext-t2i", "--data", str(data),
                                        "--predictions", str(folder), "--task-arg", "fid=off"])
    assert table.exit_code == 0 and "3 samples, 0 failed" in table.stdout


def test_one_image_per_prompt_is_a_count_mismatch_naming_the_option(
    tmp_path: Path, anytext: tuple[Path, list[Sample]]
) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "one", samples, "anytext", 1)
    refused = score("anytext-t2i", data, folder)
    assert refused.exit_code == 2
    assert "no sample has 4 images (the anytext-t2i protocol generates 4 per prompt)" in \
        refused.stderr
    assert "every sample has 1 image (AnyText naming" in refused.stderr
    assert "--images-per-sample 1 scores 1 per sample" in refused.stderr
    assert "Traceback" not in refused.output
    accepted = score("anytext-t2i", data, folder, "--images-per-sample", "1")
    assert accepted.exit_code == 0, accepted.output
    payload = json.loads(accepted.stdout)
    assert payload["images_per_sample"] == 1 and payload["scored"] == 3
    assert payload["scores"]["anytext"]["sen_acc"] == pytest.approx(1.0)
    # two of AnyText's four are taken when two are asked: extra images are ignored
    four = write_generated(tmp_path / "four", samples, "anytext", 4)
    two = json.loads(score("anytext-t2i", data, four, "--images-per-sample", "2").stdout)
    assert two["images_per_sample"] == 2 and two["scored"] == 3


def test_textharmony_folder_for_t2i_and_edit(tmp_path: Path, anytext: tuple[Path, list[Sample]],
                                            edit: tuple[Path, list[Sample]]) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "th", samples, "textharmony", 1)
    write_generated(tmp_path / "th" / "old", samples, "id", 1)  # not a gen_img_* folder
    refused = score("anytext-t2i", data, folder)
    assert refused.exit_code == 2
    assert "TextHarmony naming" in refused.stderr and "--images-per-sample 1" in refused.stderr
    result = score("anytext-t2i", data, folder, "--images-per-sample", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["naming"] == {"textharmony": 3}
    edit_data, edit_samples = edit
    edits = write_generated(tmp_path / "th-edit", edit_samples, "textharmony", 1,
                            wrong={edit_samples[1].id})
    scored = score("anytext-edit", edit_data, edits)  # TextHarmony's protocol: 1 image
    assert scored.exit_code == 0, scored.output
    payload = json.loads(scored.stdout)
    assert payload["naming"] == {"textharmony": 2} and payload["images_per_sample"] == 1
    assert payload["scores"]["textharmony"]["ned"] < 1.0
    assert "background" in payload["scores"]  # the dataset-level scores, as in a run


def test_mask_naming_for_edits(tmp_path: Path, edit: tuple[Path, list[Sample]]) -> None:
    data, samples = edit
    folder = write_generated(tmp_path / "masked", samples, "mask", 1)
    result = score("anytext-edit", data, folder)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["naming"] == {"mask": 2}
    assert payload["scores"]["textharmony"]["ned"] == pytest.approx(1.0)


def test_mario_one_image_per_prompt_in_subset_folders(tmp_path: Path) -> None:
    data = write_mario(tmp_path / "mario")
    samples = samples_of("mario-eval", data)
    folder = write_generated(tmp_path / "gen", samples, "id", 1)
    assert (folder / "LAIONEval4000" / "0.png").is_file()
    refused = score("mario-eval", data, folder)
    assert refused.exit_code == 2 and "--images-per-sample 1" in refused.stderr
    result = score("mario-eval", data, folder, "--images-per-sample", "1")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["naming"] == {"id": 5} and payload["scored"] == 5


def test_a_sample_without_images_is_a_counted_failure(
    tmp_path: Path, anytext: tuple[Path, list[Sample]]
) -> None:
    data, samples = anytext
    folder = write_generated(tmp_path / "gen", samples, "anytext", 4, skip={samples[1].id})
    result = score("anytext-t2i", data, folder)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["failed"] == 1 and payload["scored"] == 2
    assert payload["scores"]["anytext"]["sen_acc"] == pytest.approx(1.0)  # left out, not 0
    assert "1 of 3 samples failed" in result.stderr
    assert f"no 4 images for sample {samples[1].id!r}" in result.stderr


def test_folders_that_match_nothing_exit_2(tmp_path: Path,
                                           anytext: tuple[Path, list[Sample]]) -> None:
    data, _ = anytext
    empty = tmp_path / "empty"
    empty.mkdir()
    result = score("anytext-t2i", data, empty)
    assert result.exit_code == 2
    assert "no images for any of the 3 samples of anytext-t2i" in result.stderr
    assert "001253546_{0..3}" in result.stderr  # what was looked for
    text = runner.invoke(build_app(), ["score", "--task", "textvqa", "--data", str(data),
                                       "--predictions", str(empty), "--images-per-sample", "1"])
    assert text.exit_code == 2
    assert "--images-per-sample applies to a folder of images" in text.stderr
