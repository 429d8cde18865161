"""Personas in a real browser: make one, start a chat from it, see its system
prompt above the conversation, change it from the conversation's menu."""

from playwright.sync_api import expect

from tests.e2e.helpers import last_answer, open_app, send, wait_idle

PROMPT = "Answer only in haiku, about the sea."


def test_make_a_persona_start_a_chat_and_see_its_system_prompt(page, app_server):
    open_app(page, app_server.url)
    page.get_by_role("button", name="Personas").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Your personas")
    dialog.get_by_role("textbox", name="Name").fill("Haiku poet")
    dialog.get_by_role("textbox", name="Icon").fill("🌸")
    dialog.get_by_role("textbox", name="System prompt").fill(PROMPT)
    dialog.get_by_role("button", name="Create").click()
    wait_idle(page)
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The new persona is offered, and chosen for the next chat.
    pill = page.get_by_role("radio", name="Haiku poet")
    expect(pill).to_be_checked()
    expect(page.get_by_test_id("stExpander").filter(has_text="System prompt")).to_be_visible()

    send(page, "Tell me about waves")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("offline demo")
    panel = page.get_by_test_id("stExpander").filter(has_text="System prompt")
    expect(panel).to_have_count(1)
    expect(panel).not_to_contain_text(PROMPT)  # collapsed, and not even sent until opened
    panel.get_by_text("System prompt").click()
    wait_idle(page)
    expect(panel).to_contain_text(PROMPT)
    # The panel sits above the first question.
    panel_top = panel.bounding_box()["y"]
    first_message_top = page.get_by_test_id("stChatMessage").first.bounding_box()["y"]
    assert panel_top < first_message_top

    # A reload reopens the conversation with its prompt.
    page.reload()
    wait_idle(page)
    expect(page.get_by_test_id("stExpander").filter(has_text="System prompt")).to_be_visible()

    # The conversation's menu shows and changes it.
    page.get_by_role("main").get_by_role("button", name="Tell me about waves").click()
    dialog = page.get_by_role("dialog")
    prompt_box = dialog.get_by_role("textbox", name="System prompt")
    expect(prompt_box).to_have_value(PROMPT)
    prompt_box.fill("Answer in limericks.")
    dialog.get_by_role("button", name="Save settings").click()
    wait_idle(page)
    panel = page.get_by_test_id("stExpander").filter(has_text="System prompt")
    panel.get_by_text("System prompt").click()
    wait_idle(page)
    expect(panel).to_contain_text("Answer in limericks.")
