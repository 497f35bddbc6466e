"""The HTML report opened in a real browser (Debian's Chromium via Playwright), offline:
every figure decodes and is drawn at a readable size, and nothing is fetched from
anywhere (the report is one self-contained file).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import chromium_executable
from PIL import Image, ImageStat

from exports.report import write_report
from store.embedded_store import EmbeddedStore
from tests.test_report import SCHEMA, report_graph

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    args = ["--proxy-server=http://127.0.0.1:9"]  # offline
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_executable(), args=args)
        try:
            yield launched
        finally:
            launched.close()


def test_every_report_figure_renders_in_chromium_without_the_network(
    browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(report_graph())
    report = write_report(store, SCHEMA, None, tmp_path / "report")
    figures = sorted(report.parent.glob("*.png"))
    assert len(figures) >= 3

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all(
        "figure img",
        "imgs => imgs.map(i => ({ok: i.complete && i.naturalWidth > 0,"
        " shown: i.getBoundingClientRect().width, alt: i.alt}))",
    )
    assert len(images) == len(figures)
    for image in images:
        assert image["ok"], f"figure did not decode: {image['alt']}"
        assert image["shown"] >= 400, f"figure drawn too small to read: {image}"
    assert [u for u in requested if not u.startswith(("file:", "data:"))] == []

    shot = tmp_path / "report.png"
    page.locator("#chokepoints").screenshot(path=str(shot))
    with Image.open(shot) as picture:
        assert max(ImageStat.Stat(picture.convert("RGB")).stddev) > 10, "blank section"
    with capsys.disabled():
        print(f"\nreport screenshot: {shot}")
    page.close()
