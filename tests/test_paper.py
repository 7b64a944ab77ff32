"""Published numbers: the shipped CSVs, the loader's checks and the comparison with runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from leaderboard_runs import task_entry, write_run

from harmonybench.errors import DataError
from harmonybench.leaderboard import load_run, merge_runs
from harmonybench.paper import (
    COLUMNS,
    Published,
    compare_with_paper,
    default_paper_dir,
    load_paper_csv,
    load_published,
    to_markdown,
)

HEADER = ",".join(COLUMNS)
SOURCE = "owner/repo README.md@0123456789ab table"


def _value(rows: list[Published], paper: str, model: str, task: str, protocol: str, metric: str,
           subset: str = "") -> float:
    found = [r.value for r in rows if (r.paper, r.model, r.task, r.subset, r.protocol,
                                        r.metric) == (paper, model, task, subset, protocol,
                                                      metric)]
    assert len(found) == 1, (paper, model, task, protocol, metric)
    return float(found[0])


def test_the_shipped_tables_load_with_a_source_on_every_row() -> None:
    rows = load_published()
    assert {Path(r.file).name for r in rows} == {"textmonkey.csv", "monkey.csv", "anytext.csv",
                                                  "textdiffuser.csv", "llava.csv",
                                                  "mmocr2023.csv"}
    assert _value(rows, "LLaVA-1.5", "LLaVA-1.5-13B", "textvqa", "vqa",
                  "vqa_accuracy") == pytest.approx(0.613)
    assert len([r for r in rows if r.task == "mmocr-2023"]) == 32
    assert all(r.source and "@" in r.source for r in rows)
    # TextMonkey Model Zoo: 15 models x 9 accuracy columns + 12 OCRBench counts ('-' left out)
    textmonkey = [r for r in rows if r.paper == "TextMonkey"]
    assert len(textmonkey) == 15 * 9 + 12
    assert {r.protocol for r in textmonkey} == {"contains", "ocrbench"}
    assert _value(rows, "TextMonkey", "TextMonkey (~500k data)", "docvqa", "contains",
                  "accuracy") == pytest.approx(0.667)
    assert _value(rows, "TextMonkey", "TextMonkey (~400k data)", "ocrbench", "ocrbench",
                  "score") == 561
    assert _value(rows, "TextMonkey", "Monkey", "textvqa", "contains",
                  "accuracy") == pytest.approx(0.643)
    assert not [r for r in rows if r.model == "TGDoc" and r.task == "ocrbench"], "'-' skipped"
    assert _value(rows, "Monkey", "Monkey-Chat", "ocrbench", "ocrbench", "score") == 534
    # AnyText: English = laion_word, Chinese = wukong_word; FID as is
    assert _value(rows, "AnyText", "AnyText-v1.1", "anytext-t2i", "anytext", "sen_acc",
                  "laion_word") == pytest.approx(0.7239)
    assert _value(rows, "AnyText", "AnyText-v1.0", "anytext-t2i", "fid", "fid",
                  "wukong_word") == pytest.approx(28.46)
    assert len([r for r in rows if r.paper == "AnyText"]) == 6 * 2 * 3
    # TextDiffuser: MaskTextSpotterV3 rows are 'mario'; Microsoft OCR API rows are not
    assert _value(rows, "TextDiffuser", "TextDiffuser", "mario-eval", "mario",
                  "f") == pytest.approx(0.7643)
    assert _value(rows, "TextDiffuser", "TextDiffuser", "mario-eval", "mario-msocr",
                  "f") == pytest.approx(0.7824)
    assert _value(rows, "TextDiffuser", "DeepFloyd", "mario-eval", "fid",
                  "fid") == pytest.approx(34.902)
    assert _value(rows, "TextDiffuser", "ControlNet", "mario-eval", "clipscore-textdiffuser",
                  "clipscore") == pytest.approx(0.3424)
    # no TextHarmony number could be sourced exactly: the file holds only its note
    assert not [r for r in rows if "textharmony" in r.model.lower()]
    note = (default_paper_dir() / "textharmony.csv").read_text()
    assert note.startswith("#") and note.strip().endswith(HEADER)
    # every fraction is a fraction; counts are whole
    for r in rows:
        if r.metric in {"accuracy", "sen_acc", "ned", "precision", "recall", "f"}:
            assert 0 <= r.value <= 1, r


def _csv(tmp_path: Path, *lines: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_comments_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = _csv(tmp_path, "# a note, with a comma", HEADER,
                f"P,M,textvqa,,contains,accuracy,0.5,{SOURCE},",
                "# another",
                f'P,"M, large",ocrbench,,ocrbench,score,561,"{SOURCE}",n')
    rows = load_paper_csv(path)
    assert [r.line for r in rows] == [3, 5]
    assert rows[1].model == "M, large" and rows[1].value == 561


@pytest.mark.parametrize(("lines", "record", "field", "problem"), [
    (["paper,model,task"], "line 1", None, "header"),
    ([HEADER, f"P,M,textvqa,,contains,accuracy,0.5,{SOURCE}"], "line 2", None, "fields"),
    ([HEADER, "P,M,textvqa,,contains,accuracy,0.5,,"], "line 2", "source", "empty"),
    ([HEADER, f"P,,textvqa,,contains,accuracy,0.5,{SOURCE},"], "line 2", "model", "empty"),
    ([HEADER, f"P,M,textvqa,,contains,accuracy,61.8,{SOURCE},"], "line 2", "value",
     "fraction"),
    ([HEADER, f"P,M,textvqa,,contains,accuracy,abc,{SOURCE},"], "line 2", "value", "number"),
    ([HEADER, f"P,M,textvqa,,contains,accuracy,nan,{SOURCE},"], "line 2", "value", "finite"),
    ([HEADER, f"P,M,ocrbench,,ocrbench,score,561.5,{SOURCE},"], "line 2", "value", "whole"),
    ([HEADER, f"P,M,x,,fid,fid,-1,{SOURCE},"], "line 2", "value", "negative"),
    ([HEADER, f"P,M,textvqa,,contains,accuracy,0.5,{SOURCE},",
      f"P,M,textvqa,,contains,accuracy,0.6,{SOURCE},"], "line 3", None, "repeats line 2"),
    (["# only a comment"], None, None, "no header"),
])
def test_bad_csv_rows_name_the_file_line_and_field(
    tmp_path: Path, lines: list[str], record: str | None, field: str | None, problem: str
) -> None:
    path = _csv(tmp_path, *lines)
    with pytest.raises(DataError) as err:
        load_paper_csv(path)
    assert err.value.path == str(path)
    assert err.value.record == record and err.value.field == field
    assert problem in str(err.value)


def test_a_row_given_by_two_files_is_an_error(tmp_path: Path) -> None:
    row = f"P,M,textvqa,,contains,accuracy,0.5,{SOURCE},"
    _csv(tmp_path, HEADER, row, name="a.csv")
    _csv(tmp_path, HEADER, row, name="b.csv")
    with pytest.raises(DataError, match=r"repeats .*a\.csv line 2"):
        load_published([tmp_path])
    with pytest.raises(DataError, match="neither a CSV file"):
        load_published([tmp_path / "missing.csv"])


def test_measured_beside_published_only_where_the_protocol_matches(tmp_path: Path) -> None:
    write_run(tmp_path / "tm", "textmonkey", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.60},
                                          "contains": {"accuracy": 0.66}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.70}}),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {"accuracy": 0.55, "score": 550}},
                               n=1000),
        "chartqa": task_entry("chartqa", {"contains": {"accuracy": 0.0}}, n=4, failed=4),
    })
    write_run(tmp_path / "at", "anytext", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.70, "ned": 0.86}}),
    }, data={"anytext-t2i": "/bench/wukong_word/test1k.json"})
    measured = merge_runs("my TextMonkey", [load_run(tmp_path / "tm")],
                          published="TextMonkey (~500k data)")
    anytext = merge_runs("AnyText-v1.1", [load_run(tmp_path / "at")])
    nobody = merge_runs("Nobody", [load_run(tmp_path / "tm")])
    result = compare_with_paper([measured, anytext, nobody], load_published())

    compared = {(r.model, r.task, r.subset, r.protocol, r.metric): r for r in result.rows}
    textvqa = compared[("my TextMonkey", "textvqa", "", "contains", "accuracy")]
    assert textvqa.published == pytest.approx(64.3) and textvqa.measured == pytest.approx(66.0)
    assert textvqa.delta == pytest.approx(1.7)
    assert textvqa.scale == "%" and "README.md@498e1d92baff" in textvqa.source
    ocr = compared[("my TextMonkey", "ocrbench", "", "ocrbench", "score")]
    assert (ocr.measured, ocr.published, ocr.delta) == (550, 558, -8)
    # the vqa protocol has no published number; docvqa was published under contains only
    assert not [k for k in compared if k[3] == "vqa"]
    why = {(n.model, n.task, n.subset, n.protocol): n.reason for n in result.not_compared}
    assert "protocol differs" in why[("my TextMonkey", "docvqa", "", "contains")]
    assert "anls" in why[("my TextMonkey", "docvqa", "", "contains")]
    assert "not measured" in why[("my TextMonkey", "stvqa", "", "contains")]
    assert "no sample" in why[("my TextMonkey", "chartqa", "", "contains")]
    # AnyText: the run used the Chinese half; English numbers are not compared
    zh = compared[("AnyText-v1.1", "anytext-t2i", "wukong_word", "anytext", "sen_acc")]
    assert zh.published == pytest.approx(69.23)
    assert "subset differs" in why[("AnyText-v1.1", "anytext-t2i", "laion_word", "anytext")]
    assert "measured under anytext" in why[("AnyText-v1.1", "anytext-t2i", "wukong_word",
                                            "fid")]
    assert result.unlinked == ["Nobody"]
    assert not math.isnan(result.frame()["delta"].sum())
    text = to_markdown(result)
    assert "Published numbers not compared" in text and "Nobody" in text


def test_agrees_at_the_published_precision() -> None:
    from harmonybench.paper import agrees

    rows = {r.model: r for r in load_published() if r.task == "textvqa"
            and r.paper == "LLaVA-1.5"}
    llava = rows["LLaVA-1.5-13B"]
    assert llava.decimals == 3
    assert agrees(0.6125400000000022, llava) and not agrees(0.6124, llava)
    flamingo = next(r for r in load_published() if r.model == "OpenFlamingo"
                    and r.metric == "ct80")
    assert flamingo.decimals == 9 and agrees(195 / 288, flamingo)
