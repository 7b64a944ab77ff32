"""Leaderboard tables, run merging, degradation, spec errors, formats, plots and the command."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest
import typer
from leaderboard_runs import task_entry, write_run
from typer.testing import CliRunner

from harmonybench.board_formats import leaderboard_json, to_csv, to_latex, to_markdown
from harmonybench.cli.leaderboard import Format, build_report, leaderboard_command, render
from harmonybench.degradation import (
    compute_degradation,
    degradation_percent,
    load_spec,
    models_from_spec,
)
from harmonybench.errors import DataError
from harmonybench.html import render_page
from harmonybench.leaderboard import (
    build_leaderboard,
    find_runs,
    load_run,
    models_from_runs,
)
from harmonybench.plots import degradation_figure, format_of, inline_svg
from harmonybench.plots import render as render_plot
from harmonybench.runner import RunConfig, TaskInput, run

EVIL = "<script>alert(1)</script>"


# -- run folders -----------------------------------------------------------------------------


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A unified model (two runs), two text specialists, two image specialists."""
    root = tmp_path / "runs"
    write_run(root / "th-text", "textharmony", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.58},
                                          "contains": {"accuracy": 0.611}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.60}}, failed=3),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {
            "accuracy": 0.5, "score": 500,
            "categories": {"Doc-oriented VQA": {"correct": 100, "total": 200}}}}, n=1000),
    }, location="/ckpt/TextHarmony")
    write_run(root / "th-image", "textharmony", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.55, "ned": 0.80},
                                                  "fid": {"fid": 40.0}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 39.0}}),
    }, location="/ckpt/TextHarmony", data={"anytext-t2i": "/b/laion_word/test1k.json"})
    write_run(root / "monkey", "monkey", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.64},
                                          "contains": {"accuracy": 0.643}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.66}}),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {"accuracy": 0.514, "score": 514}},
                               n=1000),
    }, location="/ckpt/Monkey")
    write_run(root / "docowl", "docowl", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.70}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.50}}),
        "ocrbench": task_entry("ocrbench", {"ocrbench": {"accuracy": 0.6, "score": 600}},
                               n=1000),
    }, location="/ckpt/DocOwl")
    write_run(root / "anytext", "anytext", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.7239, "ned": 0.876},
                                                  "fid": {"fid": 33.54}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 36.0}}),
    }, location="/ckpt/AnyText", data={"anytext-t2i": "/b/laion_word/test1k.json"})
    write_run(root / "glyph", "glyphcontrol", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.40, "ned": 0.70},
                                                  "fid": {"fid": 30.0}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 34.0}}),
    }, location="/ckpt/Glyph")
    return root


SPEC = """\
title: TextHarmony vs specialists
models:
  - name: TextHarmony
    runs: [runs/th-text, runs/th-image]
    role: unified
  - name: Monkey
    run: runs/monkey
    role: text-specialist
  - name: DocOwl
    run: runs/docowl
    role: text-specialist
  - name: AnyText
    run: runs/anytext
    role: image-specialist
  - name: GlyphControl
    run: runs/glyph
    role: image-specialist
"""


@pytest.fixture
def spec(runs: Path) -> Path:
    path = runs.parent / "spec.yaml"
    path.write_text(SPEC)
    return path


def test_runs_of_one_model_merge_and_tables_group_by_modality(runs: Path) -> None:
    models = models_from_runs([runs])
    names = [m.name for m in models]
    assert names == ["anytext:AnyText", "docowl:DocOwl", "glyphcontrol:Glyph",
                     "monkey:Monkey", "textharmony:TextHarmony"], "sorted folders, merged"
    th = models[-1]
    assert sorted(th.tasks) == ["anytext-t2i", "docvqa", "mario-eval", "ocrbench", "textvqa"]
    assert {str(r.path.name) for r in th.runs} == {"th-text", "th-image"}

    board = build_leaderboard(models)
    assert board.modalities() == ["text", "image"]
    keys = [c.key for c in board.columns]
    first_image = next(i for i, k in enumerate(keys) if k[0] == "image")
    assert all(k[0] == "text" for k in keys[:first_image]), "text-out group first"
    assert all(k[0] == "image" for k in keys[first_image:])
    text_tasks = [k[1] for k in keys[:first_image]]
    assert text_tasks.index("textvqa") < text_tasks.index("docvqa") < text_tasks.index(
        "ocrbench"), "the TextMonkey table's order"
    # values in display units: %, counts as is, FID as is; nested categories skipped
    frame = board.frame
    assert frame.loc["textharmony:TextHarmony", ("text", "textvqa", "vqa", "vqa_accuracy",
                                                 "%")] == pytest.approx(58.0)
    assert frame.loc["monkey:Monkey", ("text", "ocrbench", "ocrbench", "score", "count")] == 514
    fid = ("image", "anytext-t2i", "fid", "fid", "FID (lower is better)")
    assert frame.loc["anytext:AnyText", fid] == pytest.approx(33.54)
    assert not any("categories" in k for k in keys)
    # failed-sample counts, NaN where a model has no such task
    failed = ("text", "docvqa", "samples", "failed", "count")
    assert frame.loc["textharmony:TextHarmony", failed] == 3
    assert math.isnan(frame.loc["anytext:AnyText", failed])
    # main metric of the default protocol, and the protocol order (default first)
    main = [c for c in board.columns if c.main]
    assert {(c.task, c.protocol, c.metric) for c in main} >= {
        ("textvqa", "vqa", "vqa_accuracy"), ("ocrbench", "ocrbench", "accuracy"),
        ("anytext-t2i", "anytext", "sen_acc"), ("mario-eval", "fid", "fid")}
    textvqa = [c.protocol for c in board.columns if c.task == "textvqa" and c.kind == "metric"]
    assert textvqa == ["vqa", "contains"]


def test_the_headline_is_one_column_per_task_and_a_coverage_average(runs: Path) -> None:
    board = build_leaderboard(models_from_runs([runs]))
    headline = board.headline
    assert [(t.task, t.protocol, t.metric) for t in headline.tasks] == [
        ("textvqa", "vqa", "vqa_accuracy"), ("docvqa", "anls", "anls"),
        ("ocrbench", "ocrbench", "accuracy"), ("anytext-t2i", "anytext", "sen_acc"),
        ("mario-eval", "fid", "fid")], "the default protocol's main metric, once per task"
    th = "textharmony:TextHarmony"
    assert headline.cell(th, "textvqa").value == pytest.approx(58.0)
    assert headline.cell(th, "docvqa").not_scored == 3
    text = headline.coverage[(th, "text")]
    assert text.average == pytest.approx((58 + 60 + 50) / 3) and text.label == "3/3 tasks"
    # image-out: only anytext sen_acc (mario-eval's main metric is FID: lower is better)
    image = headline.coverage[(th, "image")]
    assert image.eligible == ("anytext-t2i",) and image.average == pytest.approx(55.0)
    nothing = headline.coverage[("anytext:AnyText", "text")]
    assert math.isnan(nothing.average) and nothing.label == "0/3 tasks"
    assert any("mario-eval" in n for n in board.notes)


def test_a_task_with_no_scored_sample_has_no_value_not_zero(tmp_path: Path) -> None:
    write_run(tmp_path / "a", "a", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.0}}, n=5, unsupported=5),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.5}}, n=5)})
    write_run(tmp_path / "b", "b", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.6}}, n=5),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.7}}, n=5)})
    board = build_leaderboard(models_from_runs([tmp_path / "a", tmp_path / "b"]))
    value = board.frame.loc["a", ("text", "textvqa", "vqa", "vqa_accuracy", "%")]
    assert math.isnan(value)
    assert board.frame.loc["a", ("text", "textvqa", "samples", "failed", "count")] == 5
    coverage = board.headline.coverage[("a", "text")]
    assert coverage.covered == ("docvqa",) and coverage.label == "1/2 tasks"
    assert coverage.average == pytest.approx(50.0), "over the task it covers, not a dash"
    assert board.headline.coverage[("b", "text")].average == pytest.approx(65.0)


def test_the_same_task_twice_for_one_model_names_both_runs(tmp_path: Path) -> None:
    for name in ("one", "two"):
        write_run(tmp_path / name, "m", {"textvqa": task_entry(
            "textvqa", {"vqa": {"vqa_accuracy": 0.5}})}, location="/ckpt/M")
    with pytest.raises(DataError) as err:
        models_from_runs([tmp_path / "one", tmp_path / "two"])
    message = str(err.value)
    assert str(tmp_path / "one") in message and str(tmp_path / "two") in message
    assert "textvqa" in message


def test_real_runs_of_the_test_plugin(tmp_path: Path, plugin_site: Path) -> None:
    data = tmp_path / "words.json"
    data.write_text(json.dumps([{"q": f"{i}?", "a": f"w{i}"} for i in range(10)]))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({str(i): f"w{i}" if i < 6 else "!error" if i == 9 else "x"
                                   for i in range(10)}))
    result = run(RunConfig(model="fake", location=str(answers),
                           tasks=[TaskInput("fakewords", data)], output=tmp_path / "out"))
    loaded = load_run(result.folder)
    assert loaded.label == "fake:answers.json"
    assert find_runs(tmp_path / "out") == [result.folder], "a folder of run folders"
    board = build_leaderboard(models_from_runs([tmp_path / "out"]))
    exact = ("text", "fakewords", "fake-exact", "accuracy", "%")
    # 6 right of the 9 scored; the errored sample is counted, never scored as wrong
    assert board.frame.loc["fake:answers.json", exact] == pytest.approx(100 * 6 / 9)
    assert board.frame.loc["fake:answers.json",
                           ("text", "fakewords", "samples", "failed", "count")] == 1
    assert board.column(exact).main


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"tasks": []}), "'tasks'"),
    (json.dumps({"tasks": {"t": {"modality": "audio", "default_protocol": "x"}}}), "modality"),
    (json.dumps({"tasks": {"t": {"modality": "text", "default_protocol": "x", "n": -1}}}),
     "'n'"),
])
def test_bad_scores_json_names_the_file_and_field(tmp_path: Path, content: str,
                                                  problem: str) -> None:
    write_run(tmp_path / "r", "m", {})
    (tmp_path / "r" / "scores.json").write_text(content)
    with pytest.raises(DataError) as err:
        load_run(tmp_path / "r")
    assert "scores.json" in str(err.value) and problem in str(err.value)


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a run folder"):
        find_runs(tmp_path)
    write_run(tmp_path / "r", "m", {})
    (tmp_path / "r" / "scores.json").unlink()
    with pytest.raises(DataError, match=r"no scores\.json"):
        load_run(tmp_path / "r")


# -- degradation -------------------------------------------------------------------------------


def test_degradation_formula_is_direction_aware() -> None:
    assert degradation_percent(60.0, 66.0, lower=False) == pytest.approx(100 * 6 / 66)
    assert degradation_percent(70.0, 66.0, lower=False) < 0, "better than the reference"
    assert degradation_percent(40.0, 36.0, lower=True) == pytest.approx(100 * 4 / 36)
    assert degradation_percent(30.0, 36.0, lower=True) < 0
    assert math.isnan(degradation_percent(1.0, 0.0, lower=False))


def test_degradation_against_the_best_specialist_of_each_modality(spec: Path) -> None:
    models = models_from_spec(load_spec(spec))
    assert [m.role for m in models] == ["unified", "text-specialist", "text-specialist",
                                        "image-specialist", "image-specialist"]
    result = compute_degradation(models)
    rows = {r.task: r for r in result.rows}
    assert [r.task for r in result.rows] == ["textvqa", "docvqa", "ocrbench", "anytext-t2i",
                                             "mario-eval"]
    # textvqa: DocOwl (70) beats Monkey (64); docvqa: Monkey (66) beats DocOwl (50)
    assert rows["textvqa"].reference == "DocOwl"
    assert rows["textvqa"].degradation == pytest.approx(100 * (70 - 58) / 70)
    assert rows["docvqa"].reference == "Monkey"
    assert rows["docvqa"].delta == pytest.approx(-6.0)
    assert rows["ocrbench"].reference == "DocOwl"
    # image-out: sen_acc higher is better (AnyText); FID lower is better (GlyphControl 34)
    assert rows["anytext-t2i"].reference == "AnyText"
    assert rows["mario-eval"].reference == "GlyphControl"
    assert rows["mario-eval"].lower_is_better
    assert rows["mario-eval"].degradation == pytest.approx(100 * (39 - 34) / 34)
    means = {m.modality: m for m in result.means}
    text = [rows[t].degradation for t in ("textvqa", "docvqa", "ocrbench")]
    assert means["text"].mean == pytest.approx(sum(text) / 3)
    assert means["image"].tasks == ("anytext-t2i", "mario-eval")
    frame = result.frame()
    assert list(frame["task"]) == [r.task for r in result.rows]


def test_an_explicit_reference_and_rows_without_one(spec: Path, runs: Path) -> None:
    text = SPEC.replace("    runs: [runs/th-text, runs/th-image]\n    role: unified\n",
                        "    runs: [runs/th-text, runs/th-image]\n    role: unified\n"
                        "    reference: Monkey\n")
    spec.write_text(text)
    result = compute_degradation(models_from_spec(load_spec(spec)))
    rows = {r.task: r for r in result.rows}
    assert rows["textvqa"].reference == "Monkey"
    assert rows["textvqa"].degradation == pytest.approx(100 * 6 / 64)
    # Monkey has no image-out task: no value, and the row says why
    assert math.isnan(rows["anytext-t2i"].degradation)
    assert "Monkey" in rows["anytext-t2i"].note
    assert [m.modality for m in result.means] == ["text"]
    # without any image specialist
    spec.write_text(SPEC.split("  - name: AnyText")[0])
    rows = {r.task: r for r in compute_degradation(
        models_from_spec(load_spec(spec))).rows}
    assert rows["anytext-t2i"].reference is None
    assert "no image-specialist" in rows["anytext-t2i"].note


@pytest.mark.parametrize(("text", "record", "field"), [
    ("models: []", None, "models"),
    ("[1, 2]", None, "models"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: boss\n", "models[0] (A)", "role"),
    ("models:\n  - name: A\n    role: unified\n", "models[0] (A)", "run"),
    ("models:\n  - name: A\n    run: runs/monkey\n    runs: [runs/monkey]\n    role: unified\n",
     "models[0] (A)", "run"),
    ("models:\n  - name: A\n    runs: []\n    role: unified\n", "models[0] (A)", "runs"),
    ("models:\n  - name: A\n    run: runs/nowhere\n    role: unified\n", "models[0] (A)",
     "run"),
    ("models:\n  - run: runs/monkey\n    role: unified\n", "models[0]", "name"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: unified\n    colour: red\n",
     "models[0] (A)", "colour"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: unified\n"
     "  - name: A\n    run: runs/docowl\n    role: text-specialist\n", "models[1] (A)", "name"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: unified\n    reference: B\n",
     "models[0] (A)", "reference"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: text-specialist\n"
     "    reference: A\n", "models[0] (A)", "reference"),
    ("models:\n  - name: A\n    run: runs/monkey\n    role: unified\n  - [x]\n", "models[1]",
     None),
    ("models:\n  - name: A\n   run: x\n", "line", None),
])
def test_bad_specs_name_the_file_the_entry_and_the_field(
    runs: Path, text: str, record: str | None, field: str | None
) -> None:
    path = runs.parent / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        load_spec(path)
    assert err.value.path == str(path)
    if record is not None:
        assert err.value.record is not None and err.value.record.startswith(record)
    assert err.value.field == field
    assert str(path) in str(err.value)


def test_a_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot be read"):
        load_spec(tmp_path / "none.yaml")


# -- formats -----------------------------------------------------------------------------------


def _evil_board(runs: Path) -> Path:
    write_run(runs / "evil", EVIL, {"textvqa": task_entry(
        "textvqa", {"vqa": {"vqa_accuracy": 0.1}})}, location="/ckpt/a|b")
    return runs


def test_markdown_is_escaped_and_grouped(runs: Path) -> None:
    board = build_leaderboard(models_from_runs([_evil_board(runs)]))
    text = to_markdown(board)
    assert "### text-out" in text and "### image-out" in text
    assert EVIL not in text and "&lt;script&gt;" in text
    assert "a\\|b" in text, "a pipe in a name is escaped"
    header = next(line for line in text.splitlines() if line.startswith("| model"))
    assert "| textvqa (%) |" in header and "| text-out coverage |" in header
    assert "| mario-eval (FID (lower is better)) |" in header
    assert "#### textvqa" in text and "| vqa · vqa_accuracy (%) |" in text
    assert "| ocrbench · score (count) |" in text
    assert text.index("## Leaderboard") < text.index("## Details")


def test_csv_json_and_latex(runs: Path) -> None:
    board = build_leaderboard(models_from_runs([runs]))
    rows = list(csv.reader(io.StringIO(to_csv(board))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["model", "role"]
    assert "text-out/textvqa/vqa/vqa_accuracy [%]" in header
    th = next(r for r in body if r[0] == "textharmony:TextHarmony")
    assert float(th[header.index("text-out/textvqa/vqa/vqa_accuracy [%]")]) == 58.0
    assert th[header.index("text-out/ocrbench/ocrbench/score [count]")] == "500"
    anytext = next(r for r in body if r[0] == "anytext:AnyText")
    assert anytext[header.index("text-out/textvqa/vqa/vqa_accuracy [%]")] == ""

    payload = leaderboard_json(board)
    json.dumps(payload, allow_nan=False)  # no NaN in JSON: null instead
    columns = payload["columns"]
    fid = next(i for i, c in enumerate(columns) if c["task"] == "mario-eval"
               and c["metric"] == "fid")
    assert columns[fid]["lower_is_better"] and columns[fid]["scale"] == "FID (lower is better)"
    assert payload["rows"][0]["values"][fid] == 36.0

    latex = to_latex(board)
    assert latex.count("\\begin{tabular}") == 3, "the headline, then one per modality"
    assert "vqa\\_accuracy" in latex, "underscores escaped"


def test_the_html_page_is_self_contained_and_escaped(spec: Path) -> None:
    _evil_board(spec.parent / "runs")
    report = build_report([spec.parent / "runs" / "evil"], spec, with_paper=True)
    assert report.degradation is not None
    chart = inline_svg(degradation_figure(report.degradation))
    page = render_page(report.board, title=f"board {EVIL}", degradation=report.degradation,
                       chart_svg=chart, paper=report.paper)
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1, "our one inline script"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "url(http" not in page
    assert "<link" not in page
    assert "<svg" in page and "<!--" not in page and "<metadata>" not in page
    assert "Content-Security-Policy" in page
    assert page.count('id="leaderboard"') == 1
    assert 'class="sortable num' in page


def test_plots_are_png_and_svg(spec: Path, tmp_path: Path) -> None:
    result = compute_degradation(models_from_spec(load_spec(spec)))
    figure = degradation_figure(result)
    png = render_plot(figure, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = render_plot(figure, "svg").decode()
    assert "<svg" in svg and "<!--" not in svg
    assert format_of("a/b.SVG") == "svg"
    with pytest.raises(DataError, match=r"\.png or \.svg"):
        format_of("chart.pdf")


# -- the command ---------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(leaderboard_command)
    return app


def _invoke(*args: str) -> tuple[int, str, str]:
    """Run the command function through typer; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(_app(), list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_command_writes_every_format_and_the_plot(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    plot = tmp_path / "chart.svg"
    code, _, _ = _invoke("--spec", str(spec), "--format", "html", "--out", str(out),
                         "--plot", str(plot), "--with-paper")
    assert code == 0
    page = out.read_text()
    assert "<h1>TextHarmony vs specialists</h1>" in page
    assert 'id="degradation-chart"' in page and "<svg" in page
    assert plot.read_text().lstrip().startswith("<?xml")
    for fmt in Format:
        code, text, _ = _invoke("--spec", str(spec), "--format", fmt.value)
        assert code == 0 and text.strip(), fmt
    code, text, _ = _invoke("--spec", str(spec), "--format", "json", "--with-paper")
    payload = json.loads(text)
    assert set(payload) == {"title", "leaderboard", "degradation", "paper"}
    assert payload["degradation"]["means"][0]["model"] == "TextHarmony"


def test_the_command_reports_bad_input_with_exit_status_2(spec: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - name: A\n    run: runs/x\n    role: boss\n")
    code, _, err = _invoke("--spec", str(bad))
    assert code == 2 and "bad.yaml" in err and "'role'" in err
    code, _, err = _invoke()
    assert code == 2 and "give run folders or --spec" in err
    code, _, err = _invoke("--spec", str(spec), "--plot", str(tmp_path / "x.gif"))
    assert code == 2 and ".png or .svg" in err


def test_render_markdown_with_paper(spec: Path) -> None:
    report = build_report([], spec, with_paper=True)
    text = render(report, Format.md)
    assert text.startswith("# TextHarmony vs specialists")
    assert "## Degradation of unified models" in text
    assert "## Published numbers beside measured ones" in text


def test_systems_section_says_what_each_model_is(spec: Path) -> None:
    """``about`` in the spec becomes a Systems list above the tables (md and HTML, escaped)."""
    text = spec.read_text().replace(
        "    role: unified\n",
        "    role: unified\n    about: One model <for> both outputs.\n", 1)
    spec.write_text(text)
    assert load_spec(spec).models[0].about == "One model <for> both outputs."
    report = build_report([], spec)
    md = render(report, Format.md)
    assert md.index("## Systems") < md.index("## Leaderboard")
    assert "- **TextHarmony** (unified): One model <for> both" in md
    assert "- **Monkey** (text-specialist)\n" in md
    html = render(report, Format.html)
    assert "One model &lt;for&gt; both outputs." in html and 'id="systems"' in html
    # without any about, no section at all
    spec.write_text(SPEC)
    assert "## Systems" not in render(build_report([], spec), Format.md)
    spec.write_text(SPEC.replace("    role: unified\n", "    role: unified\n    about: 3\n"))
    with pytest.raises(DataError) as err:
        load_spec(spec)
    assert err.value.field == "about"
