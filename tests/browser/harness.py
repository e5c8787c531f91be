"""What every browser test shares: the marks that skip without chromium or real services, a logged-in
page, and the axe-core check.

axe-core comes from the npm registry at set-up (./parley's ensure_frontend copies it to
static/vendor/axe.min.js). It is evaluated into the page through the DevTools protocol, which the
page's CSP does not govern, so the pages are checked under the same strict CSP users get.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "static" / "vendor" / "axe.min.js"

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the live server needs PostgreSQL and Redis",
    ),
]

# What fails a page: the impacts a user of assistive technology cannot work around.
BLOCKING_IMPACTS = ("serious", "critical")


def open_page(browser: Any, server: str, user: Any | None) -> Any:
    """A fresh browser context logged in as user (None: logged out), recording CSP violations."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": server}]
        )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
    return page


@cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: ./parley test fetches axe-core from the npm registry (ensure_frontend)")
    return AXE.read_text()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"  {v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in violations)
