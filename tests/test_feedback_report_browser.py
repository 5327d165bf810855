"""The feedback report's page in a real browser (Playwright driving Debian's Chromium, as the
panel's tests do; tests/panel_harness.py): it renders from the file alone, nothing fetched, with
its figures, its two plots over time and a table per breakdown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.cli import main

from tests.feedback_rows import seed, shown, verdict
from tests.panel_harness import TIMEOUT_MS, browser, chromium_path, playwright_instance  # noqa: F401  (fixtures)

QWEN = {"template": "回复@v1", "model": "通义千问-14b", "strategy": "calm_and_help", "locale": "zh-CN", "degraded": False}
LLAMA = {"template": "reply@v2", "model": "llama-3.1-8b", "strategy": "focus_on_problem", "locale": "en", "degraded": True}


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feedback-report")
    shown_rows, verdict_rows = [], []
    for day in range(1, 8):
        if day == 4:
            continue  # a day without traffic: the rate lines break there
        when = f"2025-05-0{day}T0{day}:00:00+00:00"
        shown_rows += [shown(when, f"q{day}", 3, **QWEN), shown(when, f"l{day}", 1, **LLAMA)]
        verdict_rows += [verdict(when, f"q{day}", "accepted", 0, 0.0, **QWEN),
                         verdict(when, f"q{day}", "edited", day, day / 20, **QWEN),
                         verdict(when, f"l{day}", "rejected", **LLAMA)]
    store = seed(str(folder / "feedback.sqlite3"), shown_rows, verdict_rows)
    store.dispose()
    assert main(["feedback", "report", "--db", str(folder / "feedback.sqlite3"), "--from", "2025-05-01",
                 "--to", "2025-05-07", "--out", str(folder)]) == 0
    return folder / "feedback.html"


@pytest.fixture
def page(browser) -> Iterator[object]:  # noqa: ANN001, F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


def test_the_report_renders_with_its_plots_and_breakdowns(page, report_page: Path) -> None:  # noqa: ANN001
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(report_page.as_uri())
    assert requested == [report_page.as_uri()] and not errors  # self-contained
    assert page.title() == "coach feedback · 2025-05-01 to 2025-05-07"
    tile = lambda name: page.locator(f'[data-figure="{name}"] b').inner_text()  # noqa: E731
    assert (tile("shown"), tile("used"), tile("rejected")) == ("24", "12", "6")
    assert (tile("acceptance rate"), tile("edit rate")) == ("50.0%", "50.0%")

    volume, rates = page.locator("svg#volume"), page.locator("svg#rates")
    for chart in (volume, rates):
        box = chart.bounding_box()
        assert box is not None and box["width"] > 800 and box["height"] > 200  # drawn at the page's width
    # Counts are plotted every day (0 on the quiet one); rates only where something was shown.
    assert volume.locator('circle[data-series="shown"]').count() == 7
    assert volume.locator('polyline[data-series="shown"]').count() == 1
    assert rates.locator('circle[data-series="acceptance rate"]').count() == 6
    assert rates.locator('polyline[data-series="acceptance rate"]').count() == 2  # broken at 05-04
    assert "05-04 shown: 0" in volume.locator('circle[data-day="2025-05-04"][data-series="shown"] title').text_content()
    assert page.locator('circle[data-day="2025-05-07"][data-series="acceptance rate"]').is_visible()

    models = page.locator('table[data-breakdown="model"] tr[data-key]')
    assert models.count() == 2 and models.first.get_attribute("data-key") == "通义千问-14b"
    assert models.first.locator("td").first.inner_text() == "通义千问-14b"
    assert page.locator('table[data-breakdown="model"] tr[data-key="通义千问-14b"] td').nth(6).inner_text() == "66.7%"
    degraded = page.locator('table[data-breakdown="degraded"] tr[data-key="degraded"] td')
    assert (degraded.nth(5).inner_text(), degraded.nth(6).inner_text()) == ("6", "0.0%")  # rejected, acceptance
    for dimension in ("template", "model", "strategy", "locale", "degraded"):
        assert page.locator(f'table[data-breakdown="{dimension}"]').is_visible()
    page.click("details summary")
    assert page.locator('table[data-breakdown="day"] tr[data-key]').count() == 6
