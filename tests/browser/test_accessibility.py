"""axe-core over every page in pages.PAGES, as every role that may open it: no serious or critical
violation anywhere. A new page joins by one line in pages.PAGES."""

from __future__ import annotations

import pytest

from tests.browser.harness import BROWSER_MARKS, axe_violations, describe
from tests.browser.pages import ALL, PAGES

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("role", [None, *ALL], ids=lambda r: r or "logged-out")
def test_every_page_has_no_serious_or_critical_accessibility_violation(page_as, workspace, role):
    # given
    page = page_as(role)
    pages = [p for p in PAGES if role in p.roles]
    failures = []
    # when
    for entry in pages:
        response = page.goto(workspace.url(entry))
        assert response.status == 200, f"{entry.name} ({workspace.url(entry)}) answered {response.status} for {role}"
        page.wait_for_load_state("networkidle")
        found = axe_violations(page)
        if found:
            failures.append(f"{entry.name} ({workspace.url(entry)}):\n{describe(found)}")
    # then
    assert pages
    assert not failures, f"axe-core, as {role or 'a logged-out visitor'}:\n" + "\n".join(failures)
    # Remote images in mail are blocked by design; scripts and styles must all be our own files.
    assert [v for v in page.csp_violations if "script-src" in v or "style-src" in v] == []
