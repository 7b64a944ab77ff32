"""The ``replay-images`` adapter: each naming scheme, copies, missing images, the spec digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harmonybench.layout import TextLayout
from harmonybench.model import GenerationContext, ModelArgError
from harmonybench.models.replay_images import ReplayImagesModel
from harmonybench.registries import MODELS
from harmonybench.schema import Request


def image(path: Path, shade: int, fmt: str | None = None) -> Path:
    """A small solid image, written as ``fmt`` (PNG/JPEG from the suffix by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), (shade, shade, shade)).save(path, format=fmt)
    return path


def request(sample_id: str, *, index: int | None = None, num_images: int | None = None,
            kind: str = "t2i", img_name: str | None = None) -> Request:
    """A request; ``img_name`` goes where the AnyText tasks put it, ``layout.image_name``."""
    generation = {} if num_images is None else {"num_images": num_images}
    layout = None if img_name is None else TextLayout(texts=(), polygons=(), width=512,
                                                      height=512, image_name=img_name)
    return Request(sample_id=sample_id, task="anytext-t2i", kind=kind,  # type: ignore[arg-type]
                   prompt="p", template_id="t", template_hash="h", index=index,
                   generation=generation, layout=layout)


def answer(adapter: ReplayImagesModel, req: Request, out: Path) -> Any:
    return adapter.generate([req], GenerationContext(image_dir=out))[0]


def test_id_scheme_copies_bytes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    first, second = image(src / "s1_0.png", 10), image(src / "s1_1.jpg", 20)
    image(src / "single.png", 30)
    image(src / "a_b_0.png", 40)  # written by an earlier run for sample id "a/b"
    adapter = ReplayImagesModel(str(src))
    out = tmp_path / "run" / "images"
    both = answer(adapter, request("s1"), out)
    assert both.metadata == {"scheme": "id", "replayed": ["s1_0.png", "s1_1.jpg"]}
    assert [Path(p).name for p in both.images] == ["s1_0.png", "s1_1.jpg"]
    assert Path(both.images[0]).read_bytes() == first.read_bytes()
    assert Path(both.images[1]).read_bytes() == second.read_bytes()  # a JPEG stays a JPEG
    assert Path(both.images[0]).parent == out
    assert not Path(both.images[0]).is_symlink()
    one = answer(adapter, request("s1", num_images=1), out)
    assert one.metadata["replayed"] == ["s1_0.png"]
    single = answer(adapter, request("single", num_images=1), out)
    assert single.metadata["replayed"] == ["single.png"]
    assert [Path(p).name for p in single.images] == ["single_0.png"]
    safe = answer(adapter, request("a/b"), out)
    assert safe.metadata["replayed"] == ["a_b_0.png"]


def test_ids_with_slashes_and_ground_truth_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    image(src / "LAIONEval4000" / "12_0.png", 1)
    image(src / "001253546.jpg", 2, "JPEG")
    adapter = ReplayImagesModel(str(src))
    nested = answer(adapter, request("LAIONEval4000/12"), tmp_path / "out")
    assert nested.metadata["replayed"] == ["LAIONEval4000/12_0.png"]
    assert Path(nested.images[0]).name == "LAIONEval4000_12_0.png"
    truth = answer(adapter, request("001253546.jpg"), tmp_path / "out")
    assert truth.metadata == {"scheme": "id", "replayed": ["001253546.jpg"]}
    assert Path(truth.images[0]).name == "001253546.jpg_0.jpg"
    four = request("001253546.jpg", num_images=4)  # a 4-image protocol: one GT image each
    assert answer(adapter, four, tmp_path / "out").error is not None
    every = ReplayImagesModel(str(src), take="all")
    assert answer(every, four, tmp_path / "out").metadata["replayed"] == ["001253546.jpg"]
    with pytest.raises(ModelArgError, match="take"):
        ReplayImagesModel(str(src), take="some")


def test_anytext_naming(tmp_path: Path) -> None:
    src = tmp_path / "anytext"
    for j in range(4):
        image(src / f"001253546_{j}.jpg", j * 10, "JPEG")
    adapter = ReplayImagesModel(str(src))
    four = answer(adapter, request("001253546.jpg", num_images=4, img_name="001253546.jpg"),
                  tmp_path / "out")
    assert four.metadata["scheme"] == "anytext"
    assert [Path(p).name for p in four.images] == [f"001253546.jpg_{j}.jpg" for j in range(4)]
    assert Path(four.images[3]).read_bytes() == (src / "001253546_3.jpg").read_bytes()
    first = answer(adapter, request("x", num_images=1, img_name="001253546.jpg"),
                   tmp_path / "out")
    assert first.metadata["replayed"] == ["001253546_0.jpg"]
    every = answer(adapter, request("y", img_name="001253546.jpg"), tmp_path / "out")
    assert len(every.images) == 4


def test_textharmony_naming_takes_the_newest_folder(tmp_path: Path) -> None:
    out = tmp_path / "th"
    old = image(out / "gen_img_202407010930" / "3_0_0.png", 50)
    new = image(out / "gen_img_202411181200" / "3_0_0.png", 60)
    image(out / "gen_img_202411181200" / "3_1_0.png", 70)
    newest = ReplayImagesModel(str(out))
    got = answer(newest, request("edit-3", index=3, kind="edit"), tmp_path / "a")
    assert got.metadata == {"scheme": "textharmony",
                            "replayed": ["gen_img_202411181200/3_0_0.png"]}
    assert Path(got.images[0]).read_bytes() == new.read_bytes()
    chosen = ReplayImagesModel(str(out), folder="gen_img_202407010930")
    got = answer(chosen, request("edit-3", index=3, kind="edit"), tmp_path / "b")
    assert Path(got.images[0]).read_bytes() == old.read_bytes()
    second_round = ReplayImagesModel(str(out), iteration="1")
    got = answer(second_round, request("edit-3", index=3), tmp_path / "c")
    assert got.metadata["replayed"] == ["gen_img_202411181200/3_1_0.png"]
    inside = ReplayImagesModel(str(out / "gen_img_202407010930"))  # DIR is the folder itself
    assert answer(inside, request("z", index=3), tmp_path / "d").ok
    assert newest.spec()["textharmony_folder"] == "gen_img_202411181200"


def test_missing_images_name_what_was_looked_for(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for j in range(3):
        image(src / f"001253546_{j}.jpg", j, "JPEG")
    adapter = ReplayImagesModel(str(src))
    short = answer(adapter, request("s", num_images=4, img_name="001253546.jpg", index=7),
                   tmp_path / "out")
    assert short.error is not None
    assert "no 4 images for sample 's'" in short.error
    assert "001253546_{0..3}" in short.error
    assert "s_{0..3}" in short.error
    assert "7_0_{0..3}" in short.error
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    nothing = answer(adapter, request("t"), tmp_path / "out")
    assert nothing.error is not None and "t_{0, 1, ...}" in nothing.error
    only_id = ReplayImagesModel(str(src), scheme="id")
    forced = answer(only_id, request("u", img_name="001253546.jpg"), tmp_path / "out")
    assert forced.error is not None and "AnyText" not in forced.error
    vqa = answer(adapter, request("v", kind="vqa"), tmp_path / "out")
    assert vqa.unsupported


def test_spec_digest_follows_the_file_list(tmp_path: Path) -> None:
    src = tmp_path / "src"
    image(src / "a_0.png", 1)
    before = ReplayImagesModel(str(src)).spec()
    assert before["adapter"] == "replay-images" and before["files"] == 1
    assert ReplayImagesModel(str(src)).spec()["files_sha256"] == before["files_sha256"]
    image(src / "b_0.png", 2)
    after = ReplayImagesModel(str(src)).spec()
    assert after["files"] == 2 and after["files_sha256"] != before["files_sha256"]


def test_construction_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelArgError, match="needs a folder"):
        ReplayImagesModel(None)
    with pytest.raises(ModelArgError, match="is not a folder"):
        ReplayImagesModel(str(tmp_path / "missing"))
    with pytest.raises(ModelArgError, match="scheme"):
        ReplayImagesModel(str(tmp_path), scheme="guess")
    with pytest.raises(ModelArgError, match="folder"):
        ReplayImagesModel(str(tmp_path), folder="gen_img_nope")
    with pytest.raises(ModelArgError, match="unknown --model-arg"):
        ReplayImagesModel(str(tmp_path), match="id")
    assert MODELS.load("replay-images") is ReplayImagesModel
