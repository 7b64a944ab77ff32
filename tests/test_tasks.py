"""The comprehension tasks load every format they read: ids, answers, images, metadata."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
import taskdata as td
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonybench.registries import TASKS, get_task
from harmonybench.schema import Sample
from harmonybench.tasks.ocrvqa import OCRVQA

TASK_NAMES = ("textvqa", "docvqa", "infovqa", "stvqa", "chartqa", "ocrvqa", "ocrbench")


def load(task: str, path: Path | str, images: Path | None = None) -> list[Sample]:
    return get_task(task).load(path, images)


def test_registry_names_resolve_to_the_classes() -> None:
    for name in TASK_NAMES:
        cls = TASKS.load(name)
        assert cls.name == name
        task = cls()
        assert task.default_protocol in task.protocols
        assert task.protocols[0] == task.default_protocol
        assert {"default", "monkey", "textmonkey", "textharmony"} <= set(task.prompts)


# ----------------------------------------------------------------------------- official files


def test_textvqa_official(tmp_path: Path) -> None:
    path = td.write_textvqa(tmp_path, [{}, {"question_id": 34602, "question": "What brand?"}])
    samples = load("textvqa", path)
    assert [s.id for s in samples] == ["1000", "34602"]
    first = samples[0]
    assert first.task == "textvqa"
    assert first.question == "question 0?"
    assert first.answers == ("answer 0",) * 6 + ("other 0",) * 4
    assert first.images[0].path == str(tmp_path / "train_images" / "img0000.jpg")
    assert first.images[0].name == "img0000.jpg"
    assert first.metadata["image_id"] == "img0000"
    assert first.metadata["image_classes"] == ("Sign", "Text")
    assert first.images[0].open().size == (8, 8)


def test_textvqa_images_argument_and_missing_conventional_folder(tmp_path: Path) -> None:
    path = td.write_textvqa(tmp_path, 1, images=False)  # no train_images/ folder
    assert load("textvqa", path)[0].images[0].path == str(tmp_path / "img0000.jpg")
    other = tmp_path / "elsewhere"
    assert load("textvqa", path, other)[0].images[0].path == str(other / "img0000.jpg")


def test_textvqa_test_file_without_answers_loads_empty_answers(tmp_path: Path) -> None:
    path = td.write_textvqa(tmp_path, [{"answers": td.DROP}, {"answers": td.DROP}])
    samples = load("textvqa", path)
    assert [s.answers for s in samples] == [(), ()]


def test_docvqa_official(tmp_path: Path) -> None:
    samples = load("docvqa", td.write_docvqa(tmp_path, 2))
    assert [s.id for s in samples] == ["1000", "1001"]
    assert samples[1].answers == ("answer 1", "Answer 1.")
    assert samples[1].images[0].path == str(tmp_path / "documents" / "doc1.png")
    assert samples[1].metadata["question_types"] == ("form",)
    assert samples[1].metadata["ucsf_document_id"] == "abc1"


def test_infovqa_official(tmp_path: Path) -> None:
    samples = load("infovqa", td.write_infovqa(tmp_path, 2))
    assert [s.id for s in samples] == ["1000", "1001"]
    assert samples[0].images[0].path == str(tmp_path / "infographicsvqa_images" / "20000.jpeg")
    assert samples[0].metadata["operation/reasoning"] == ("counting",)
    assert samples[0].metadata["answer_type"] == ("single span",)


def test_stvqa_official(tmp_path: Path) -> None:
    samples = load("stvqa", td.write_stvqa(tmp_path, [{}, {"question_id": "q7"}]))
    assert [s.id for s in samples] == ["1000", "q7"]
    assert samples[0].images[0].path == str(tmp_path / "coco-text" / "COCO_0.jpg")
    assert samples[0].answers == ("answer 0", "answer 0")
    assert samples[0].metadata == {
        "dataset": "coco-text", "set_name": "train", "file_name": "COCO_0.jpg"
    }


def test_chartqa_official_file_records_its_split(tmp_path: Path) -> None:
    human = load("chartqa", td.write_chartqa(tmp_path, 2, split="human"))
    augmented = load("chartqa", td.write_chartqa(tmp_path, 1, split="augmented"))
    assert [s.id for s in human] == ["0", "1"]
    assert human[0].question == "question 0?"
    assert human[0].answers == ("1",)
    assert human[0].metadata == {"imgname": "human_0.png", "type": "human_test"}
    assert human[0].images[0].path == str(tmp_path / "png" / "human_0.png")
    assert augmented[0].metadata["type"] == "augmented_test"


def test_chartqa_folder_reads_human_then_augmented_with_running_positions(
    tmp_path: Path,
) -> None:
    td.write_chartqa(tmp_path, 2, split="augmented")
    td.write_chartqa(tmp_path, 2, split="human")
    samples = load("chartqa", tmp_path)
    assert [s.id for s in samples] == ["0", "1", "2", "3"]
    assert [s.metadata["type"] for s in samples] == ["human_test"] * 2 + ["augmented_test"] * 2


def test_chartqa_accepts_the_data_wrapper_and_a_record_type(tmp_path: Path) -> None:
    path = tmp_path / "chart.json"
    record = {"imgname": "a.png", "query": "q?", "label": "5", "type": "augmented_test"}
    path.write_text(json.dumps({"data": [record]}))
    [sample] = load("chartqa", path)
    assert sample.metadata == {"imgname": "a.png", "type": "augmented_test"}


def test_ocrvqa_official_loads_the_test_split_with_composite_ids(tmp_path: Path) -> None:
    path = td.write_ocrvqa(tmp_path, [{}, {"split": 1}, {"image_id": "42", "imageURL": "x.png"}])
    samples = load("ocrvqa", path)
    assert [s.id for s in samples] == ["761183270_0", "761183270_1", "42_0", "42_1"]
    assert samples[1].question == "what is the genre of book 0?"
    assert samples[1].answers == ("genre 0",)
    assert samples[1].metadata["question_index"] == 1
    assert samples[1].metadata["image_id"] == "761183270"
    assert samples[1].metadata["genre"] == "genre 0"
    assert samples[0].images[0].path == str(tmp_path / "images" / "761183270.jpg")
    assert samples[2].images[0].path == str(tmp_path / "images" / "42.png")


def test_ocrvqa_split_argument(tmp_path: Path) -> None:
    path = td.write_ocrvqa(tmp_path, [{"split": 1}, {"split": 2}, {}])
    assert [s.id for s in OCRVQA("train").load(path)] == ["761183270_0", "761183270_1"]
    assert [s.metadata["split"] for s in OCRVQA("val").load(path)] == ["val", "val"]
    with pytest.raises(ValueError, match="split must be one of"):
        OCRVQA("dev")  # type: ignore[arg-type]


def test_ocrbench_official_ids_are_positions_and_keep_type_and_dataset(tmp_path: Path) -> None:
    samples = load("ocrbench", td.write_ocrbench(tmp_path, 4))
    assert [s.id for s in samples] == ["0", "1", "2", "3"]
    assert [s.metadata["id"] for s in samples] == [0, 0, 1, 1]  # the file's id repeats
    assert samples[0].answers == ("answer 0",)
    assert samples[1].answers == ("answer 1", "ANSWER 1")
    assert samples[1].metadata["dataset_name"] == "HME100k"
    assert samples[1].metadata["type"] == "Handwritten Mathematical Expression Recognition"
    assert samples[0].images[0].path == str(tmp_path / "OCRBench_Images" / "IIIT5K/test/0.png")


# ----------------------------------------------------------------------------- Monkey / TextHarmony


@pytest.mark.parametrize("task", TASK_NAMES)
def test_monkey_jsonl_loads_for_every_task(tmp_path: Path, task: str) -> None:
    samples = load(task, td.write_monkey_jsonl(tmp_path, 3))
    assert [s.id for s in samples] == ["1000", "1001", "1002"]
    assert [s.answers for s in samples] == [
        ("answer 0",), ("answer 1", "alt 1"), ("answer 2",)
    ]
    assert samples[0].images[0].path == str(tmp_path / "images" / "0.png")
    assert samples[0].images[0].open().size == (8, 8)


@pytest.mark.parametrize("task", TASK_NAMES)
def test_textharmony_json_loads_for_every_task_with_position_ids(tmp_path: Path, task: str) -> None:
    samples = load(task, td.write_textharmony_json(tmp_path, 2))
    assert [s.id for s in samples] == ["0", "1"]
    assert samples[1].answers == ("answer 1",)
    assert samples[1].images[0].path == str(tmp_path / "images" / "1.png")


def test_textharmony_jsonl_prefers_image_and_answer(tmp_path: Path) -> None:
    path = tmp_path / "infovqa_test.jsonl"
    lines = [
        {"image": "a.png", "image_path": "b.png", "question": "q0", "answer": "x",
         "answers": ["y"], "category": "doc", "nested": {"no": 1}},
        {"image_path": "c.png", "question": "q1", "answers": ["z", "w"]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    samples = load("infovqa", path, tmp_path / "imgs")
    assert [s.images[0].path for s in samples] == [
        str(tmp_path / "imgs" / "a.png"), str(tmp_path / "imgs" / "c.png")
    ]
    assert [s.answers for s in samples] == [("x",), ("z", "w")]
    assert samples[0].metadata == {"category": "doc"}  # scalars kept, objects dropped


def test_a_one_line_jsonl_file_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"image": "a.png", "question": "q", "answer": "x"}) + "\n")
    [sample] = load("docvqa", path)
    assert sample.id == "0"
    assert sample.answers == ("x",)


def test_absolute_image_paths_are_kept(tmp_path: Path) -> None:
    path = td.write_monkey_jsonl(tmp_path, [{"image": "/data/abs.png"}], images=False)
    assert load("stvqa", path, tmp_path / "x")[0].images[0].path == "/data/abs.png"


def test_generic_ocrbench_file_keeps_dataset_name_and_type(tmp_path: Path) -> None:
    path = td.write_monkey_jsonl(
        tmp_path, [{"dataset_name": "HME100k", "type": "HMER"}], images=False
    )
    [sample] = load("ocrbench", path)
    assert sample.metadata == {"dataset_name": "HME100k", "type": "HMER"}


# ----------------------------------------------------------------------------- hub parquet


def _png_size(sample: Sample) -> tuple[int, int]:
    image = sample.images[0]
    assert image.path is None and image.data is not None
    with Image.open(io.BytesIO(image.data)) as im:
        assert im.format == "PNG"
        return im.size


def test_textvqa_hub(tmp_path: Path) -> None:
    root = td.write_textvqa_hub(tmp_path, 2)
    td.write_textvqa_hub(tmp_path, [{"answers": None}], split="test")
    samples = load("textvqa", root)
    assert [s.id for s in samples] == ["1000", "1001"]  # validation, not test
    assert samples[0].answers == ("answer 0",) * 10
    assert samples[0].metadata["ocr_tokens"] == ("answer 0", "x")
    assert _png_size(samples[0]) == (8, 8)
    assert samples[0].images[0].open().mode == "RGB"


def test_textvqa_hub_falls_back_to_the_test_split_without_answers(tmp_path: Path) -> None:
    root = td.write_textvqa_hub(tmp_path, [{"answers": None}, {"answers": []}], split="test")
    assert [s.answers for s in load("textvqa", root)] == [(), ()]


def test_docvqa_and_infovqa_hub_pick_their_config_folder(tmp_path: Path) -> None:
    td.write_docvqa_hub(tmp_path, 2, config="DocVQA")
    td.write_docvqa_hub(
        tmp_path, [{"questionId": "9"}], config="InfographicVQA"
    )
    td.write_docvqa_hub(tmp_path, [{"answers": None}], config="DocVQA", split="test")
    doc = load("docvqa", tmp_path)
    info = load("infovqa", tmp_path)
    assert [s.id for s in doc] == ["1000", "1001"]
    assert doc[0].metadata["question_types"] == ("form",)
    assert [s.id for s in info] == ["9"]
    assert info[0].metadata["answer_type"] == ("single span",)
    assert "ocr" not in info[0].metadata
    # the config folder itself loads too
    assert [s.id for s in load("infovqa", tmp_path / "InfographicVQA")] == ["9"]


def test_stvqa_hub_with_and_without_ids(tmp_path: Path) -> None:
    samples = load("stvqa", td.write_stvqa_hub(tmp_path / "a", 2))
    assert [s.id for s in samples] == ["1000", "1001"]
    assert samples[0].metadata == {"dataset": "coco-text"}
    root = td.write_stvqa_hub(
        tmp_path / "b", [{"question_id": None, "answers": None}] * 2
    )
    samples = load("stvqa", root)
    assert [(s.id, s.answers) for s in samples] == [("0", ()), ("1", ())]


def test_chartqa_hub_lmms_lab_layout(tmp_path: Path) -> None:
    samples = load("chartqa", td.write_chartqa_hub(tmp_path, 3))
    assert [s.id for s in samples] == ["0", "1", "2"]
    assert [s.metadata["type"] for s in samples] == ["human_test", "augmented_test", "human_test"]
    assert samples[2].answers == ("3",)
    assert _png_size(samples[0]) == (8, 8)


def test_chartqa_hub_native_columns_with_binary_images(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "data").mkdir()
    table = pa.table(
        {
            "imgname": ["a.png", "b.png"], "query": ["q0", "q1"], "label": ["1", "two"],
            "type": ["human", "augmented"], "image": [td.png_bytes(0), td.png_bytes(1)],
        }
    )
    pq.write_table(table, tmp_path / "data" / "test-00000-of-00001.parquet")
    pq.write_table(table.slice(0, 1), tmp_path / "data" / "train-00000-of-00001.parquet")
    samples = load("chartqa", tmp_path)
    assert [(s.id, s.question, s.answers) for s in samples] == [
        ("0", "q0", ("1",)), ("1", "q1", ("two",))
    ]
    assert samples[1].metadata == {"type": "augmented", "imgname": "b.png"}
    assert _png_size(samples[1]) == (8, 8)


def test_ocrvqa_hub(tmp_path: Path) -> None:
    root = td.write_ocrvqa_hub(tmp_path, 2)
    td.write_ocrvqa_hub(tmp_path, [{"image_id": "99"}], split="train")
    samples = load("ocrvqa", root)
    assert [s.id for s in samples] == ["761183270_0", "761183270_1", "761183271_0", "761183271_1"]
    assert samples[3].answers == ("genre 1",)
    assert samples[0].metadata["ocr_tokens"] == ("title", "0")
    assert [s.id for s in OCRVQA("train").load(root)] == ["99_0", "99_1"]


def test_ocrbench_hub_maps_question_type_and_dataset(tmp_path: Path) -> None:
    samples = load("ocrbench", td.write_ocrbench_hub(tmp_path, 3))
    assert [s.id for s in samples] == ["0", "1", "2"]
    assert samples[1].metadata == {
        "type": "Handwritten Mathematical Expression Recognition", "dataset_name": "HME100k"
    }
    assert samples[1].answers == ("answer 1",)


def test_hub_positions_run_across_parquet_files(tmp_path: Path) -> None:
    root = td.write_ocrbench_hub(tmp_path, 2)
    second = tmp_path / "data" / "test-00001-of-00002.parquet"
    td.write_ocrbench_hub(tmp_path / "tmp", [{"answer": ["z"]}])
    (tmp_path / "tmp" / "data" / "test-00000-of-00001.parquet").rename(second)
    (tmp_path / "data" / "test-00000-of-00001.parquet").rename(
        tmp_path / "data" / "test-00000-of-00002.parquet"
    )
    samples = load("ocrbench", root)
    assert [(s.id, s.answers) for s in samples] == [
        ("0", ("answer 0",)), ("1", ("answer 1",)), ("2", ("z",))
    ]


def test_a_single_parquet_file_and_the_converter_layout(tmp_path: Path) -> None:
    td.write_chartqa_hub(tmp_path / "src", 2)
    file = tmp_path / "src" / "data" / "test-00000-of-00001.parquet"
    assert [s.id for s in load("chartqa", file)] == ["0", "1"]
    converted = tmp_path / "conv" / "default" / "test" / "0000.parquet"
    converted.parent.mkdir(parents=True)
    converted.write_bytes(file.read_bytes())
    assert [s.id for s in load("chartqa", tmp_path / "conv")] == ["0", "1"]


def test_hub_dataset_id_from_the_local_cache(tmp_path: Path) -> None:
    td.install_hub_cache(td.write_textvqa_hub(tmp_path / "src", 2), "lmms-lab/textvqa")
    samples = load("textvqa", "lmms-lab/textvqa")
    assert [s.id for s in samples] == ["1000", "1001"]


def test_path_backed_hub_images_resolve_against_the_images_folder(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    image = pa.array(
        [{"bytes": None, "path": "charts/a.png"}],
        type=pa.struct([("bytes", pa.binary()), ("path", pa.string())]),
    )
    table = pa.table({"question": ["q"], "answer": ["1"], "type": ["human_test"], "image": image})
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "test-00000-of-00001.parquet")
    [sample] = load("chartqa", tmp_path, tmp_path / "imgs")
    assert sample.images[0].path == str(tmp_path / "imgs" / "charts" / "a.png")
    [sample] = load("chartqa", tmp_path)
    assert sample.images[0].path == str(tmp_path / "charts" / "a.png")


def test_jsonl_strings_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    lines = [{"image": "a.png", "question": "q\u2028two\u0085", "answer": "x"},
             {"image": "b.png", "question": "q2", "answer": "y"}]
    path.write_text("\r\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    samples = load("textvqa", path)
    assert [s.question for s in samples] == ["q\u2028two\u0085", "q2"]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(min_size=0, max_size=20), st.lists(st.text(max_size=10), min_size=1,
                                                             max_size=3)),
        min_size=1, max_size=5,
    )
)
def test_generic_records_round_trip(rows: list[tuple[str, list[str]]]) -> None:
    """Any question and answer strings (unicode, newlines, separators) load back unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        items = [{"question": q, "answer": a} for q, a in rows]
        for write in (td.write_monkey_jsonl, td.write_textharmony_json):
            path = write(Path(tmp), items, images=False)
            samples = load("docvqa", path)
            assert [s.question for s in samples] == [q for q, _ in rows]
            assert [s.answers for s in samples] == [tuple(a) for _, a in rows]
