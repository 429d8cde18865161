"""A presenter shows the busy handling offline, from the Status page.

Faults are injected with the `demo_faults` fixture, whose teardown makes every
cloud healthy again whether the journey passed or failed.
"""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import go, last_answer, send, wait_idle

CLOUDS = ("demo-east", "demo-west")


def test_a_busy_cloud_fails_over_to_the_next(page, app_server, demo_faults):
    demo_faults(CLOUDS[0], busy=100)
    go(page, app_server.url)
    send(page, "Is anyone there?")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("via Demo Cloud West (offline)")


def test_every_cloud_busy_counts_down_then_falls_back_and_says_so(page, app_server, demo_faults):
    for cloud in CLOUDS:
        demo_faults(cloud, busy=100, retry_after=3)
    go(page, app_server.url)
    send(page, "Hello during the rush")
    countdown = page.get_by_text(re.compile(r"retrying in \d+ s, attempt \d of 5"))
    expect(countdown).to_be_visible()
    wait_idle(page, timeout=60_000)
    answer = last_answer(page)
    expect(answer).to_contain_text(
        "Answered by Demo Swift · offline because Demo Thinker · offline was busy."
    )
    expect(answer).to_contain_text("via Demo Cloud Lite (offline)")


def test_a_full_cloud_puts_requests_in_line(page, app_server, demo_faults):
    demo_faults(CLOUDS[1], down=True)
    context = page.context
    tabs = [context.new_page() for _ in range(3)]
    for index, tab in enumerate(tabs[:2]):
        go(tab, app_server.url)
        send(tab, f"A long detailed essay number {index}")
        expect(tab.get_by_text("Thinking…")).to_be_visible()
    go(tabs[2], app_server.url)
    send(tabs[2], "Me too, please")
    expect(tabs[2].get_by_text(re.compile(r"You are #1 in line, about"))).to_be_visible()
    for tab in tabs:
        tab.close()  # the answers finish on their own in the worker
