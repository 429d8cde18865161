"""A new user's first minutes with the chat, in a real browser."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import choose, last_answer, messages, open_app, send, wait_idle


def test_first_question_streams_reasoning_then_answer(page, app_server):
    open_app(page, app_server.url)
    expect(page.get_by_text("What can I help you with?")).to_be_visible()
    send(page, "Explain how a reasoning model thinks")
    # The reasoning panel opens and streams while the model thinks…
    thinking = page.get_by_text("Thinking…")
    expect(thinking).to_be_visible()
    trace = last_answer(page).get_by_test_id("stExpanderDetails")
    lengths = set()
    for _ in range(8):
        lengths.add(len(trace.inner_text()))
        page.wait_for_timeout(100)
    assert len(lengths) >= 3, "the reasoning should grow in place, not appear at once"
    # …then collapses with its duration, and the answer streams below it.
    expect(page.get_by_text(re.compile(r"Thought for [\d.]+ s"))).to_be_visible()
    answer = last_answer(page)
    expect(answer).to_contain_text("This is the offline demo model")
    wait_idle(page)
    expect(answer).to_contain_text("Demo Thinker · offline · via Demo Cloud East (offline)")
    expect(answer.get_by_test_id("stExpanderDetails")).to_be_hidden()  # collapsed


def test_switch_model_then_reload_and_find_both_answers(page, app_server):
    open_app(page, app_server.url)
    send(page, "Name three rivers")
    wait_idle(page)
    choose(page, 0, "Demo Swift · offline")
    send(page, "And three lakes")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("Demo Swift · offline")
    page.reload()
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name="Name three rivers")).to_be_visible()
    page.goto(app_server.url)  # a fresh visit: open it from the sidebar
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Name three rivers").click()
    wait_idle(page)
    expect(messages(page)).to_have_count(4)
    expect(messages(page).nth(1)).to_contain_text("Demo Thinker · offline")
    expect(messages(page).nth(3)).to_contain_text("Demo Swift · offline")


def test_long_answer_keeps_going_while_you_look_elsewhere(page, app_server):
    open_app(page, app_server.url)
    send(page, "Short one first")
    wait_idle(page)
    page.get_by_role("button", name="New chat").click()
    wait_idle(page)
    send(page, "Write a long detailed essay about tortoises")
    expect(page.get_by_text("Thinking…")).to_be_visible()
    # Leave for the other conversation while the answer is being written.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Short one first").click()
    wait_idle(page)
    expect(messages(page).first).to_contain_text("Short one first")
    page.wait_for_timeout(1500)
    page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("Write a long")).click()
    wait_idle(page, timeout=60_000)
    answer = last_answer(page)
    expect(answer).to_contain_text("Part 6")
    expect(answer).to_contain_text("In short:")
    expect(answer).not_to_contain_text("incomplete")


def test_stop_keeps_the_text_and_says_so(page, app_server):
    open_app(page, app_server.url)
    send(page, "Another long detailed essay, please")
    expect(last_answer(page)).to_contain_text("This is the offline demo model", timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    wait_idle(page)
    answer = last_answer(page)
    expect(answer).to_contain_text("Stopped. The text so far is kept.")
    expect(answer).to_contain_text("This is the offline demo model")
    expect(answer.get_by_role("button", name="Retry")).to_be_visible()


def test_chinese_browser_sees_chinese(new_context, app_server):
    context = new_context(locale="zh-CN")
    page = context.new_page()
    open_app(page, app_server.url)
    expect(page.get_by_text("有什么可以帮你？")).to_be_visible()
    send(page, "你好，介绍一下长城")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("离线演示模型")
    expect(page.get_by_text(re.compile(r"已思考 [\d.]+ 秒"))).to_be_visible()


def test_code_in_an_answer_has_a_copy_button(page, app_server):
    open_app(page, app_server.url)
    send(page, "Write a Python function, with code")
    wait_idle(page)
    code = last_answer(page).locator("pre").first
    code.scroll_into_view_if_needed()
    code.hover()
    # Streamlit's code toolbar, beside the block: its button copies the code.
    copy = code.locator("xpath=..").get_by_test_id("stElementToolbarButton")
    expect(copy.first).to_be_visible()
