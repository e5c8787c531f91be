"""A supervisor opens the reports on the demo's month of history, switches the period, reads the
chart and its table, and follows a breaches figure to the conversations behind it."""

from __future__ import annotations

from tests.browser.harness import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_a_supervisor_switches_the_period_reads_the_chart_and_follows_a_figure(page_as):
    # given
    page = page_as("supervisor")
    page.goto("/sla/reports/?period=today")
    hourly = page.locator("#series-heading").inner_text()
    # when
    page.locator("#id_period").select_option("30")
    page.locator("#report-filters button[type=submit]").click()
    page.locator("#series-heading", has_text="Day by day").wait_for()
    bars = page.locator("svg.chart rect.bar").count()
    page.locator("details.chart-table summary").click()
    days = page.locator("#series-table tbody tr").count()
    both_clocks = page.locator("#overall thead").inner_text()
    page.locator("#by-channel a.breach-count").first.click()
    page.locator("#drill-down").wait_for()
    # then
    assert hourly == "Hour by hour"
    assert bars == days == 30
    assert "p50 business" in both_clocks and "p50 real wait" in both_clocks
    assert "breached" in page.locator("h1").inner_text()
    assert page.locator("#drill-down tbody tr a").count() > 0
    assert page.csp_violations == []
