"""A supervisor goes from the reports to the arrivals heatmap on the demo's month of history and
reads how long off-hours arrivals waited, with the demo calendar's opening hours outlined."""

from __future__ import annotations

from tests.browser.harness import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_a_supervisor_opens_the_heatmap_and_reads_the_off_hours_wait(page_as):
    # given
    page = page_as("supervisor")
    page.goto("/sla/reports/?period=30")
    # when
    page.locator("#arrivals-link").click()
    page.locator("#arrivals-heatmap").wait_for()
    summary = page.locator("#arrivals-summary").inner_text()
    outlined = page.locator("#arrivals-heatmap td.open").count()
    calendar = page.locator("#id_calendar option:checked").inner_text()
    # then
    assert calendar == "Stockholm office hours"
    assert "came while Stockholm office hours was closed" in summary
    assert outlined == 5 * 9
    assert page.locator("#arrivals-heatmap tbody tr").count() == 7
    assert page.csp_violations == []
