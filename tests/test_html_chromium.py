"""The leaderboard page in real headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

The page is loaded from a ``file://`` URL in a 1400x900 window; a click on a column header must
sort the rows, no script error or blocked request may reach the console, a hostile model name
must stay text. On a realistic board (six models, ten tasks, a unified model that degrades) the
headline and degradation tables must fit the window without horizontal scrolling and the chart
must show its bars. Screenshots are saved (``HB_SCREENSHOT_DIR`` keeps a copy for a person to
look at).
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from leaderboard_runs import realistic_board, task_entry, write_run

from harmonybench.cli.leaderboard import Format, build_report, render
from harmonybench.plots import degradation_figure, inline_svg

WINDOW = (1400, 900)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
EVIL = "<script>alert(1)</script>"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="Chromium is not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A page with a unified model, two text specialists, an image specialist, a hostile name."""
    root = tmp_path / "runs"
    write_run(root / "th", "textharmony", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.58}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.60}}, failed=2),
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.55, "ned": 0.8},
                                                  "fid": {"fid": 40.0}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 40.0}}),
    })
    write_run(root / "monkey", "monkey", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.64}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.66}}),
    })
    write_run(root / "evil", "evil", {
        "textvqa": task_entry("textvqa", {"vqa": {"vqa_accuracy": 0.70}}),
        "docvqa": task_entry("docvqa", {"anls": {"anls": 0.50}}),
    })
    write_run(root / "anytext", "anytext", {
        "anytext-t2i": task_entry("anytext-t2i", {"anytext": {"sen_acc": 0.72, "ned": 0.88},
                                                  "fid": {"fid": 33.5}}),
        "mario-eval": task_entry("mario-eval", {"fid": {"fid": 33.5}}),
    })
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""\
title: 'Leaderboard {EVIL}'
models:
  - {{name: TextHarmony, run: runs/th, role: unified}}
  - {{name: Monkey, run: runs/monkey, role: text-specialist}}
  - {{name: '{EVIL}', run: runs/evil, role: text-specialist}}
  - {{name: AnyText, run: runs/anytext, role: image-specialist}}
""")
    report = build_report([], spec, with_paper=True)
    assert report.degradation is not None
    html = render(report, Format.html, inline_svg(degradation_figure(report.degradation)))
    path = tmp_path / "board.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()


def _names(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#leaderboard tbody td.name")]


def _header(driver: Any, task: str, metric: str) -> Any:
    """The leaf header of ``task``'s ``metric`` column (found by the column's title)."""
    from selenium.webdriver.common.by import By

    for th in driver.find_elements(By.CSS_SELECTOR, "#leaderboard th.sortable"):
        title = th.get_attribute("title") or ""
        if title.startswith(f"{task} · ") and f" · {metric} (" in title:
            return th
    raise AssertionError(f"no header for {task} {metric}")


def test_the_page_loads_sorts_on_click_and_logs_no_error(driver: Any, page: Path,
                                                         tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    assert driver.title == f"Leaderboard {EVIL}", "the title is text, not markup"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018  (the hostile name never ran)
    assert _names(driver) == ["TextHarmony", "Monkey", EVIL, "AnyText"], "spec order"
    assert driver.find_elements(By.CSS_SELECTOR, "#degradation-chart svg")

    textvqa = _header(driver, "textvqa", "vqa_accuracy")
    textvqa.click()
    assert textvqa.get_attribute("aria-sort") == "descending"
    # 70 (hostile name), 64, 58, then AnyText (no textvqa) last
    assert _names(driver) == [EVIL, "Monkey", "TextHarmony", "AnyText"]
    textvqa.click()
    assert textvqa.get_attribute("aria-sort") == "ascending"
    assert _names(driver) == ["TextHarmony", "Monkey", EVIL, "AnyText"], "missing stays last"

    fid = _header(driver, "mario-eval", "fid")
    fid.click()
    assert fid.get_attribute("aria-sort") == "ascending", "lower is better: best first"
    assert textvqa.get_attribute("aria-sort") is None
    assert _names(driver)[:2] == ["AnyText", "TextHarmony"]

    model = driver.find_element(By.CSS_SELECTOR, '#leaderboard th[data-col="0"]')
    model.click()
    assert model.get_attribute("aria-sort") == "ascending"
    assert _names(driver) == [EVIL, "AnyText", "Monkey", "TextHarmony"]

    degradation = driver.find_elements(By.CSS_SELECTOR, "#degradation tbody tr")
    assert len(degradation) == 4  # textvqa, docvqa, anytext-t2i, mario-eval

    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors

    _screenshot(driver, tmp_path / "leaderboard.png")


def _screenshot(driver: Any, shot: Path) -> None:
    """Save a screenshot to ``shot`` (and a copy into ``HB_SCREENSHOT_DIR`` when set)."""
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("HB_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


FITS = """
const box = document.getElementById(arguments[0]);
const table = box.querySelector("table");
return {scroll: box.scrollWidth, client: box.clientWidth,
        right: table.getBoundingClientRect().right,
        viewport: document.documentElement.clientWidth};
"""
BARS = """
return Array.from(document.querySelectorAll('#degradation-chart g[id^="bar-"]')).map(
    g => { const r = g.getBoundingClientRect(); return [r.width, r.height]; });
"""


def test_a_realistic_board_fits_1400x900_and_shows_its_bars(driver: Any,
                                                             tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    report = build_report([], realistic_board(tmp_path))
    assert report.degradation is not None
    page = tmp_path / "realistic.html"
    page.write_text(render(report, Format.html,
                           inline_svg(degradation_figure(report.degradation))),
                    encoding="utf-8")
    driver.get(page.as_uri())
    assert driver.execute_script("return window.outerWidth") == WINDOW[0]
    headers = driver.find_elements(By.CSS_SELECTOR, "#leaderboard thead tr:last-child th")
    assert len(headers) == 2 + 2 * 2 + 10, "model, role, 2 x (average, coverage), 10 tasks"
    for box in ("leaderboard-box", "degradation-box"):
        fit = driver.execute_script(FITS, box)
        assert fit["scroll"] <= fit["client"], (box, fit)
        assert fit["right"] <= fit["viewport"], (box, fit)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    column = next(th for th in driver.find_elements(By.CSS_SELECTOR, "#degradation th")
                  if th.text.startswith("degradation"))
    edge = driver.execute_script("return arguments[0].getBoundingClientRect().right", column)
    assert 0 < edge <= WINDOW[0], "the degradation % column is visible"

    bars = driver.execute_script(BARS)
    values = [r.degradation for r in report.degradation.rows]
    values += [m.mean for m in report.degradation.means]
    shown = [v for v in values if not math.isnan(v)]
    assert len(bars) == len(values) and len(shown) >= 10
    assert sum(1 for w, h in bars if w > 0 and h > 0) == len(shown), bars
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors
    _screenshot(driver, tmp_path / "realistic-1400x900.png")
    driver.execute_script("document.getElementById('degradation-section').scrollIntoView()")
    _screenshot(driver, tmp_path / "realistic-degradation-1400x900.png")
