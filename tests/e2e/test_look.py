"""How the app looks to a consumer: no developer chrome, a phone, dark mode, two languages."""

from playwright.sync_api import expect

from tests.e2e.helpers import open_app, send, wait_idle


def test_no_developer_chrome(page, app_server):
    open_app(page, app_server.url)
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
    expect(page.get_by_test_id("stMainMenu")).to_have_count(0)


def test_readable_on_a_phone(new_context, app_server):
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    open_app(page, app_server.url)
    send(page, "Hello from a phone")
    wait_idle(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "nothing may force sideways scrolling on a phone"
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_in_viewport()


def test_dark_mode_follows_the_system(new_context, app_server):
    context = new_context(color_scheme="dark")
    page = context.new_page()
    open_app(page, app_server.url)
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red + green + blue < 150, background


def test_language_can_be_switched_in_the_sidebar(page, app_server):
    open_app(page, app_server.url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Settings", exact=True).click()
    sidebar.get_by_text("中文").click()
    wait_idle(page)
    expect(page.get_by_text("有什么可以帮你？")).to_be_visible()
    expect(sidebar.get_by_role("button", name="新对话")).to_be_visible()
