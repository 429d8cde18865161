"""Deleting a finished batch from its page: it leaves the page and its history,
and its old address says it is not found (BatchService.delete)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import go, wait_idle


def test_a_deleted_batch_is_gone_from_the_page_its_history_and_its_address(
    page, app_server, tmp_path
):
    prompts = tmp_path / "delete-me.csv"
    prompts.write_text("prompt\nName a bird\nName a fish\n")
    go(page, app_server.url, "batch")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(prompts))
    wait_idle(page)
    main = page.get_by_role("main")
    main.get_by_role("button", name="Run").click()
    delete = main.get_by_role("button", name="Delete", exact=True)
    expect(delete).to_be_visible(timeout=60_000)  # offered once the batch has finished
    address = page.url
    assert re.search(r"/batch\?batch=\w+", address)

    delete.click()
    page.get_by_role("button", name="Delete this batch and its answers").click()
    wait_idle(page)

    expect(page.get_by_test_id("stFileUploaderDropzoneInput")).to_be_attached()
    expect(main.get_by_text("delete-me.csv")).to_have_count(0)
    main.get_by_role("button", name="Batches").click()
    expect(page.get_by_test_id("stPopoverBody")).not_to_contain_text("delete-me.csv")
    page.keyboard.press("Escape")
    page.goto(address)
    wait_idle(page)
    expect(page.get_by_text("That batch was not found.")).to_be_visible()  # a toast
    expect(page).not_to_have_url(re.compile(r"batch="))
    expect(page.get_by_test_id("stException")).to_have_count(0)
