"""Driving Debian's Chromium for the browser suites: the browser, a fresh context, signing in,
watching for CSP violations, screenshots for docs/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from tests.web.helpers import Person

CHROMIUM = os.environ.get("CONNECTAPPS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("CONNECTAPPS_UPDATE_SCREENSHOTS") == "1"
TIMEOUT_MS = 15_000


def new_context(chromium: Browser, **options: object) -> BrowserContext:
    context = chromium.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    return context


def watch_csp(page: Page) -> list[str]:
    """Console messages about Content-Security-Policy violations (there must be none)."""
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def sign_in(page: Page, person: Person, password: str | None = None) -> None:
    page.fill("#email", person.email)
    page.fill("#password", password or person.password)
    page.click("button:has-text('Sign in')")


def save_screenshot(page: Page, tmp_path: Path, name: str, publish: bool = True) -> None:
    """A full-page screenshot in ``tmp_path``; ``publish``: also in docs/screenshots (see above)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    target = SCREENSHOTS / name
    if publish and (UPDATE_SCREENSHOTS or not target.exists()):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
