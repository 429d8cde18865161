"""The offline demo as a judge: replies a reader can check by its stated rules."""

import json

from core.demo.content import write_reply
from core.judging import verdicts as v
from core.judging.prompts import SYSTEM, pairwise_prompt, pointwise_prompt


def ask(text: str) -> str:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
    return write_reply(messages, thinking=True).answer


def test_pointwise_against_a_reference_scores_the_share_of_its_words_found():
    reference = "Paris is the capital"
    full = ask(
        pointwise_prompt("Capital?", "Paris is the capital.", rubric=None, expected=reference)
    )
    half = ask(pointwise_prompt("Capital?", "Paris, surely.", rubric=None, expected=reference))
    assert v.read_score(full).score == 10  # 1 + 9 × 4/4
    assert v.read_score(half).score == 3  # 1 + 9 × 1/4, rounded
    assert "demo judge" in json.loads(full)["reason"]


def test_pairwise_prefers_the_answer_closer_to_the_reference_in_either_order():
    good, bad = "Paris is the capital of France.", "Lyon."
    ref = "Paris is the capital of France"
    first = v.read_verdict(ask(pairwise_prompt("Q?", good, bad, rubric=None, expected=ref)))
    second = v.read_verdict(ask(pairwise_prompt("Q?", bad, good, rubric=None, expected=ref)))
    assert (first.verdict, second.verdict) == ("A>>B", "B>>A")
