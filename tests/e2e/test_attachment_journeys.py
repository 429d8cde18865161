"""Attaching a PDF and an image in Chromium: chips, tokens, and the answer;
downloading the original file again."""

from pathlib import Path

from playwright.sync_api import expect

from tests.attachments import files
from tests.e2e.helpers import last_answer, messages, open_app, send, wait_idle


def test_attach_a_pdf_and_an_image_and_see_chips_tokens_and_the_answer(page, app_server):
    open_app(page, app_server.url)
    expect(page.get_by_text("10 MB each")).to_be_visible()  # the limit beside the input
    clip = page.locator('[data-testid="stChatInput"] input[type="file"]')
    clip.set_input_files(
        [
            {"name": "report.pdf", "mimeType": "application/pdf", "buffer": files.pdf("Revenue")},
            {"name": "chart.png", "mimeType": "image/png", "buffer": files.png(120, 60)},
        ]
    )
    page.wait_for_timeout(1500)
    send(page, "What do these show?")
    question = messages(page).first
    expect(question).to_contain_text("What do these show?", timeout=20_000)
    expect(question).to_contain_text("report.pdf")
    expect(question).to_contain_text("tokens")
    # The text-only thinker had the image described by the demo vision model.
    expect(question).to_contain_text("described by Demo Eye · offline")
    answer = last_answer(page)
    expect(answer).to_contain_text("I received these attachments", timeout=30_000)
    expect(answer).to_contain_text("report.pdf")
    wait_idle(page)
    expect(page.get_by_text("This conversation takes about")).to_be_visible()


def test_download_the_original_file_again_from_its_chip(page, app_server):
    open_app(page, app_server.url)
    deck = files.pptx([{"title": "Roadmap", "body": ["Ship in May"], "notes": "Be brief"}])
    clip = page.locator('[data-testid="stChatInput"] input[type="file"]')
    clip.set_input_files(
        [{"name": "road/map.pptx", "mimeType": "application/octet-stream", "buffer": deck}]
    )
    page.wait_for_timeout(1500)
    send(page, "Summarise the deck")
    question = messages(page).first
    expect(question).to_contain_text("map.pptx", timeout=20_000)
    wait_idle(page)
    button = question.get_by_role("button", name="Download")
    with page.expect_download(timeout=20_000) as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename == "map.pptx"  # the folder in the name is gone
    # Byte for byte: the file as attached, not its extracted text.
    assert Path(saved.path()).read_bytes() == deck
