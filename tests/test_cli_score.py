"""`harmonybench score` and `harmonybench list`: the CLI contract and every error path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from taskdata import write_docvqa, write_ocrbench, write_textvqa
from typer.testing import CliRunner

from harmonybench.cli import build_app

runner = CliRunner()


def score(*args: str) -> Any:
    return runner.invoke(build_app(), ["score", *args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def docvqa(tmp_path: Path) -> Path:
    return write_docvqa(tmp_path, [{"answers": ["Invoice 2024"]}, {"answers": ["12", "twelve"]},
                                   {"answers": ["total"]}], images=False)


def test_json_contract_with_default_protocol(tmp_path: Path, docvqa: Path) -> None:
    preds = jsonl(tmp_path / "p.jsonl", [
        {"questionId": 1000, "answer": "invoice 2024"},
        {"questionId": "1001", "prediction": "twelve"},
    ])
    result = score("--task", "docvqa", "--data", str(docvqa), "--predictions", str(preds),
                   "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload == {"task": "docvqa", "n": 3, "missing": 1,
                       "scores": {"anls": {"anls": pytest.approx(2 / 3)}},
                       "metrics_info": {"anls": {"anls": {
                           "unit": "fraction", "higher_is_better": True, "main": True,
                           "statistic": False}}}}
    assert "1 of 3 questions have no prediction" in result.stderr


def test_several_protocols_and_the_table(tmp_path: Path, docvqa: Path) -> None:
    preds = write(tmp_path / "p.json", json.dumps([
        {"questionId": 1000, "answer": "The Invoice 2024."},
        {"questionId": 1001, "answer": "12"},
        {"questionId": 1002, "answer": "tot al"},
    ]))
    result = score("--task", "docvqa", "--data", str(docvqa), "--predictions", str(preds),
                   "--protocol", "anls", "--protocol", "contains", "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["scores"]
    assert set(scores) == {"anls", "contains"}
    assert scores["contains"]["accuracy"] == pytest.approx(2 / 3)
    table = score("--task", "docvqa", "--data", str(docvqa), "--predictions", str(preds))
    assert table.exit_code == 0 and "anls" in table.stdout and "3 questions" in table.stdout


def test_textvqa_default_is_vqa_accuracy(tmp_path: Path) -> None:
    data = write_textvqa(tmp_path, [{"answers": ["coca cola"] * 2 + ["coke"] * 8}],
                         images=False)
    preds = jsonl(tmp_path / "p.jsonl", [{"question_id": 1000, "pred": "Coca Cola"}])
    payload = json.loads(score("--task", "textvqa", "--data", str(data), "--predictions",
                               str(preds), "--json").stdout)
    assert payload["scores"] == {"vqa": {"vqa_accuracy": pytest.approx(0.6)}}


def test_ocrbench_official_style_and_categories(tmp_path: Path) -> None:
    data = write_ocrbench(tmp_path, [
        {"type": "Regular Text Recognition", "answers": "CENTRE", "dataset_name": "IIIT5K"},
        {"type": "Regular Text Recognition", "answers": "SHOP", "dataset_name": "svt"},
        {"type": "Handwritten Mathematical Expression Recognition",
         "answers": "x ^ { 2 }", "dataset_name": "HME100k"},
    ], images=False)
    records = json.loads(data.read_text())
    for record, pred in zip(records, ["centre", "nope", "x^{2}"], strict=True):
        record["predict"] = pred
    preds = write(tmp_path / "official.json", json.dumps(records))
    result = score("--task", "ocrbench", "--data", str(data), "--predictions", str(preds),
                   "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)["scores"]["ocrbench"]
    assert got["score"] == 2 and got["accuracy"] == pytest.approx(2 / 3)
    assert got["categories"]["Regular Text Recognition"] == {"correct": 1, "total": 2}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty"),
        ('{"questionId": 1000, "answer": "x"}\n{"questionId": 1001, "answer": }\n',
         "line 2: not valid JSON"),
        ('[{"questionId": 1000, "answer": "x"}, 5]', "record 1: expected a JSON object"),
        ('{"answer": "x"}\n', "line 1: no id key"),
        ('{"questionId": 1000}\n', "line 1: no prediction key"),
        ('{"questionId": 1000, "answer": null}\n',
         "line 1, field 'answer': prediction must be a string, got null"),
        ('{"questionId": 1000, "answer": "a"}\n{"questionId": "1000", "answer": "b"}\n',
         "line 2, field 'questionId': duplicate id '1000' (first at line 1)"),
        ('{"questionId": 77, "answer": "a"}\n',
         "line 1, field 'questionId': id '77' is not in the annotations"),
        ('{"questionId": true, "answer": "a"}\n', "id must be a string or an integer"),
    ],
)
def test_prediction_errors_exit_2_naming_file_record_field(
    tmp_path: Path, docvqa: Path, content: str, expected: str
) -> None:
    preds = write(tmp_path / "bad.jsonl", content)
    result = score("--task", "docvqa", "--data", str(docvqa), "--predictions", str(preds))
    assert result.exit_code == 2
    assert str(preds) in result.stderr and expected in result.stderr
    assert result.stderr.count("error:") == 1


def test_other_errors_exit_2(tmp_path: Path, docvqa: Path) -> None:
    preds = jsonl(tmp_path / "p.jsonl", [{"questionId": 1000, "answer": "x"}])
    cases = [
        (["--task", "nope", "--data", str(docvqa)], "unknown task 'nope'"),
        (["--task", "docvqa", "--data", str(tmp_path / "missing.json")], "missing.json"),
        (["--task", "docvqa", "--data", str(docvqa), "--protocol", "vqa"],
         "protocol 'vqa' does not apply to task 'docvqa'"),
        (["--task", "docvqa", "--data", str(docvqa), "--protocol", "bogus"],
         "unknown protocol 'bogus'"),
    ]
    for args, expected in cases:
        result = score(*args, "--predictions", str(preds))
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr, (args, result.stderr)
    missing_preds = score("--task", "docvqa", "--data", str(docvqa), "--predictions",
                          str(tmp_path / "none.jsonl"))
    assert missing_preds.exit_code == 2 and "file not found" in missing_preds.stderr


def test_ocrbench_positional_file_must_match_the_annotations(tmp_path: Path) -> None:
    data = write_ocrbench(tmp_path, 3, images=False)
    records = json.loads(data.read_text())
    for record in records:
        record["predict"] = "x"
    short = write(tmp_path / "short.json", json.dumps(records[:2]))
    result = score("--task", "ocrbench", "--data", str(data), "--predictions", str(short))
    assert result.exit_code == 2 and "has 2 records but the annotations have 3" in result.stderr
    records[1]["question"] = "something else?"
    moved = write(tmp_path / "moved.json", json.dumps(records))
    result = score("--task", "ocrbench", "--data", str(data), "--predictions", str(moved))
    assert result.exit_code == 2 and "record 1, field 'question'" in result.stderr


def test_test_split_without_answers_is_refused(tmp_path: Path) -> None:
    from taskdata import DROP

    data = write_docvqa(tmp_path, [{"answers": DROP}, {"answers": DROP}], images=False)
    preds = jsonl(tmp_path / "p.jsonl", [{"questionId": 1000, "answer": "x"}])
    result = score("--task", "docvqa", "--data", str(data), "--predictions", str(preds))
    assert result.exit_code == 2 and "no answers (a test split?)" in result.stderr


def test_console_script_and_list() -> None:
    exe = Path(sys.executable).parent / "harmonybench"
    for kind, expected in [("tasks", "textvqa"), ("protocols", "anls-monkey"),
                           ("models", "null"), ("readers", "rapidocr")]:
        out = subprocess.run([str(exe), "list", kind], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        assert expected in out.stdout and "unavailable" not in out.stdout, out.stdout
    bad = subprocess.run([str(exe), "list", "nothing"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2


def test_scoring_imports_neither_torch_nor_transformers() -> None:
    """The light core: scoring a comprehension task loads no deep-learning stack."""
    root = Path(__file__).resolve().parent.parent / "examples" / "docvqa"
    code = (
        "import sys\n"
        "from harmonybench.cli import main\n"
        "try:\n"
        f"    main(['score', '--task', 'docvqa', '--data', {str(root / 'val_v1.0.json')!r},\n"
        f"          '--predictions', {str(root / 'predictions.json')!r}, '--json',\n"
        "          '--protocol', 'anls', '--protocol', 'contains'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = [m for m in ('torch', 'transformers', 'diffusers', 'cv2', 'shapely')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scores"]["anls"]["anls"] > 0.8
