"""The pages under test: the embedded default served for real on 127.0.0.1, and Debian's Chromium
driven headless by Playwright (never a downloaded browser). No Chromium is a failure, not a skip."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.served import served_at

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded default (every service, the dev issuer, the pages) in a fresh data directory,
    one per test module (each test makes its own people and cases)."""
    from onewindow_launcher.embedded import create_app

    data = tmp_path_factory.mktemp("embedded") / "var"
    with served_at(lambda base: create_app(data, base_url=base), within=90) as base:  # six services' start-up
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per module, closed with it: Playwright's sync API keeps an event loop running on the
    main thread while it is open, and the suite's later tests (asyncio.run, pytest-asyncio) need it free."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `deploy/chromium.sh install` (./ow test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any, site: str) -> Iterator[Any]:
    context = chromium.new_context(base_url=site, locale="zh-CN", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


class Screenshots:
    """Each page into docs/pages/NAME.png, only when ONEWINDOW_SCREENSHOTS names the folder, so a
    test run never rewrites tracked files by accident."""

    def __init__(self) -> None:
        folder = os.environ.get("ONEWINDOW_SCREENSHOTS")
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Any, name: str) -> None:
        assert re.fullmatch(r"[a-z0-9-]+", name)
        if self.folder:
            page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def screenshot() -> Screenshots:
    return Screenshots()
