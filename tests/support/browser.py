"""A real browser for the page tests (tests/e2e/test_browser_pages.py) and `make
screenshots`: Debian's chromium, driven by Playwright for Python. Playwright's own
browser download needs the internet, so it is pointed at the system's (`make test`
installs it with apt when it is missing).

With TEAMSPACE_SCREENSHOTS set to a folder, `shot` writes a PNG of the page there under
the state's name (docs/images: `make screenshots`); otherwise it does nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

SCREENSHOTS = "TEAMSPACE_SCREENSHOTS"
# The size of a laptop's window, at which the README shows the pages.
VIEWPORT = {"width": 960, "height": 720}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError(
            "Debian's chromium is needed for the browser tests: `make test` installs it "
            "(apt-get install -y chromium)"
        )
    return found


@contextmanager
def launched() -> Iterator[Browser]:
    """One headless chromium for a whole run (pages are cheap, browsers are not)."""
    # As root, chromium runs only without its sandbox.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=args)
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    """A PNG of the page as it is now, when screenshots were asked for (`full_page`: all
    of it, past the window's height)."""
    folder = os.environ.get(SCREENSHOTS)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        page.screenshot(path=path, animations="disabled", full_page=full_page)


class OfflinePage:
    """A page of its own (a fresh context: no storage shared with another test) that can
    reach `base` and nothing else, and remembers what went wrong in it: requests
    elsewhere (aborted, as without internet), Content-Security-Policy violations and
    uncaught script errors."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.elsewhere: list[str] = []
        self.violations: list[str] = []
        self.exceptions: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.exceptions.append(str(error)))

    def _only_local(self, route: Route) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def clean(self) -> bool:
        """Nothing went wrong: nothing asked of elsewhere, no violation, no error."""
        return not (self.elsewhere or self.violations or self.exceptions)

    def close(self) -> None:
        self.context.close()
