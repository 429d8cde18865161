"""A table's own CSV download is not offered: it would write a model's answer
"=HYPERLINK(...)" raw, to run as a formula in a spreadsheet. The app's own
download buttons (core/csv_export.py) are the way to a CSV."""

from playwright.sync_api import expect

from tests.e2e.helpers import go


def test_tables_offer_no_raw_csv_download(page, app_server):
    go(page, app_server.url, "status")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar.get_by_role("button").first).to_be_visible()  # the toolbar is there
    expect(page.locator('button[aria-label="Download as CSV"]').first).to_be_hidden()
