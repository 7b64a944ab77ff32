"""Every protocol declares what its numbers mean, and ``scores.json`` records it.

Each registered protocol is run (``evaluate_many`` and ``reduce``) on a small sample of the
kind it scores; every number it journals or reduces to must be declared
(:mod:`harmonybench.meaning`), with exactly one main metric, its :attr:`metric`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from harmonybench.meaning import MetricInfo, MetricMeanings, declare, table_from_json
from harmonybench.metrics.image_quality import CLIPSCORE_PROTOCOLS
from harmonybench.registries import DATASET_PROTOCOLS, PROTOCOLS, get_protocol
from harmonybench.runner import RunConfig, TaskInput, run
from harmonybench.scales import COUNT, PERCENT, PERCENT_LOWER, scale_for
from harmonybench.schema import Sample

SQUARE = [[10.0, 10.0], [100.0, 10.0], [100.0, 60.0], [10.0, 60.0]]


def _text(name: str) -> tuple[list[Sample], list[Any]]:
    meta = {"type": "Regular Text Recognition", "dataset_name": "IIIT5K", "dataset": "IIIT5K"}
    samples = [Sample(id=str(i), task="t", question="what?", answers=("10",) * 5 + ("answer",) * 5,
                      metadata=meta) for i in range(3)]
    return samples, ["10", "answer 1", "nope"]


def _grounding(name: str) -> tuple[list[Sample], list[Any]]:
    target = {"box": [10, 10, 100, 60]} if name == "ocrbench-v2-iou" else {"polygon": SQUARE}
    samples = [Sample(id=str(i), task="g", question="where?", target=target,
                      metadata={"width": 448, "height": 448}) for i in range(2)]
    return samples, ["[10, 10, 100, 60]", "no box"]


def _detection(name: str) -> tuple[list[Sample], list[Any]]:
    samples = [Sample(id=str(i), task="d", question="locate",
                      target={"polygons": [SQUARE], "texts": ["WORD"]},
                      metadata={"width": 448, "height": 448}) for i in range(2)]
    return samples, ["[10, 10, 100, 60] WORD", "nothing"]


def _lines(name: str) -> tuple[list[Sample], list[Any]]:
    samples = [Sample(id=str(i), task="a", question="a sign",
                      target={"lines": [{"text": "Open", "polygon": SQUARE}]})
               for i in range(2)]
    reading = {"reader": "fake", "images": [{"lines": ["Open"]}, {"lines": ["0pen"]}]}
    return samples, [reading, reading]


def _words(name: str) -> tuple[list[Sample], list[Any]]:
    samples = [Sample(id=str(i), task="m", question="a sign 'open'",
                      target={"words": ["open"]}) for i in range(2)]
    return samples, [{"reader": "spotter", "words": [["open"], ["shut"]]}] * 2


def _inputs(name: str) -> tuple[list[Sample], list[Any]]:
    if name.startswith(("grounding-", "ocrbench-v2-iou")):
        return _grounding(name)
    if name.startswith(("detection-", "spotting-")):
        return _detection(name)
    if name in ("anytext", "textharmony"):
        return _lines(name)
    if name == "mario":
        return _words(name)
    return _text(name)


def _numbers(values: dict[str, Any]) -> set[str]:
    return {k for k, v in values.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


@pytest.mark.parametrize("name", PROTOCOLS.names())
def test_every_protocol_declares_every_number_it_returns(name: str) -> None:
    cls = PROTOCOLS.load(name)
    assert cls.metrics, f"{name} declares no metrics"
    declared = cls.declared_metrics()
    assert [m for m, info in declared.items() if info.main] == [cls.metric]
    protocol = get_protocol(name)
    samples, answers = _inputs(name)
    values = protocol.evaluate_many(answers, samples)
    journaled = set().union(*(v.keys() for v in values))
    assert journaled <= set(declared), f"{name} journals undeclared {journaled - set(declared)}"
    reduced = _numbers(protocol.reduce(values, samples))
    assert cls.metric in reduced
    assert reduced <= set(declared), f"{name} reduces to undeclared {reduced - set(declared)}"


def test_dataset_level_scores_declare_theirs() -> None:
    assert set(CLIPSCORE_PROTOCOLS) <= set(DATASET_PROTOCOLS), "every CLIPScore convention"
    fid = DATASET_PROTOCOLS.load("fid").metrics["fid"]
    assert fid == MetricInfo(unit="fid", higher_is_better=False, main=True)
    background = DATASET_PROTOCOLS.load("background").metrics
    assert background["psnr"].unit == "db" and background["psnr"].main
    assert background["images"].statistic


def test_declarations_round_trip_and_bad_ones_are_refused() -> None:
    table = declare(fid=MetricInfo("fid", False, main=True), images=MetricInfo("count"))
    assert table_from_json(json.loads(json.dumps(
        {k: v.to_json() for k, v in table.items()}))) == table
    with pytest.raises(ValueError, match="exactly one main"):
        declare(a=MetricInfo(), b=MetricInfo())
    with pytest.raises(ValueError, match="metric 'fid': unit 'furlongs'"):
        table_from_json({"fid": {"unit": "furlongs"}})


def test_scores_json_records_the_declarations_and_readers_prefer_them(
    tmp_path: Path, plugin_site: Path
) -> None:
    data = tmp_path / "words.json"
    data.write_text(json.dumps([{"q": "w?", "a": "w"}]))
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"0": "w"}))
    folder = run(RunConfig(model="fake", location=str(answers),
                           tasks=[TaskInput("fakewords", data)], output=tmp_path / "r")).folder
    entry = json.loads((folder / "scores.json").read_text())["tasks"]["fakewords"]
    assert entry["metrics_info"]["fake-exact"] == {"accuracy": {
        "unit": "fraction", "higher_is_better": True, "main": True, "statistic": False}}
    entry["metrics_info"]["fake-exact"]["accuracy"]["higher_is_better"] = False
    assert not MetricMeanings().info("fakewords", "fake-exact", "accuracy", entry) \
        .higher_is_better, "the recorded declaration wins over the registry's"


def test_scales_come_from_declared_units_and_directions() -> None:
    meanings = MetricMeanings()
    assert scale_for(meanings.info("textvqa", "vqa", "vqa_accuracy")) is PERCENT
    assert scale_for(meanings.info("ocrbench", "ocrbench", "score")) is COUNT, "declared count"
    fid = meanings.info("mario-eval", "fid", "fid")
    assert not fid.higher_is_better and fid.main, "FID from the task's dataset declarations"
    assert scale_for(fid).label == "FID (lower is better)"
    assert scale_for(fid).show(38.758) == "38.76"
    assert scale_for(MetricInfo(higher_is_better=False)) is PERCENT_LOWER
    assert scale_for(meanings.info("anytext-edit", "background", "psnr")).label == "dB"
    assert meanings.info("x", "no-such-protocol", "hits").statistic, "undeclared: not headline"
    assert PERCENT.show(math.nan) == "–"
    assert meanings.info("docvqa", "anls", "anls").higher_is_better
