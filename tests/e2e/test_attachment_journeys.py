"""Attaching a PDF and an image in Chromium: chips, tokens, and the answer."""

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
