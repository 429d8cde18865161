"""A page waiting for an answer's next words is woken by them, not by a clock."""

import threading

from core.events import Answer
from core.progress import GenerationProgress


def progress() -> GenerationProgress:
    return GenerationProgress(1, user_id=1, conversation_id=1, model_id="demo-swift")


def test_a_waiting_reader_wakes_when_text_arrives():
    answer = progress()
    seen = answer.version
    threading.Timer(0.05, answer.apply, args=(Answer("Hello"),)).start()
    assert answer.wait_newer(seen, timeout=30)
    assert answer.snapshot().answer == "Hello"


def test_a_reader_already_behind_does_not_wait():
    answer = progress()
    seen = answer.version
    answer.apply(Answer("Hello"))
    assert answer.wait_newer(seen, timeout=0)


def test_without_news_the_wait_ends_at_its_timeout():
    answer = progress()
    assert not answer.wait_newer(answer.version, timeout=0.01)
