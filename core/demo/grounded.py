"""The offline demo's answer to a web-searched question: it cites its sources.

A question sent in the search template (core/websearch/grounding.py) carries
numbered pages; the demo answers with the first sentence or two of each,
followed by its [citation:X], so the offline demo shows citations and the
Sources panel the way a real model's answer does.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(
    r"\[webpage (\d+) begin\]\nTitle: (.*?)\nURL: .*?\n(.*?)\n\[webpage \1 end\]", re.DOTALL
)
_QUESTION = re.compile(r"# (?:The user's message is:|用户消息为：)\n(.*)\Z", re.DOTALL)
_SENTENCE = re.compile(r"(.+?(?:[.!?](?=\s|$)|[。！？]))", re.DOTALL)


def is_grounded(text: str) -> bool:
    return "[webpage 1 begin]" in text and bool(_QUESTION.search(text))


def grounded_answer(text: str, chinese: bool) -> str:
    question = _QUESTION.search(text).group(1).strip()
    points = []
    for number, title, body in _BLOCK.findall(text)[:4]:
        sentence = _SENTENCE.match(" ".join(body.split()))
        point = sentence.group(1) if sentence else title
        points.append(f"- {point} [citation:{number}]")
    flat = " ".join(question.split())[:120]
    if chinese:
        head = f"根据搜索到的网页，关于“{flat}”："
        tail = "*（离线演示：以上内容摘自随应用附带的演示网页，不是真实的搜索结果。）*"
    else:
        head = f"Here is what the search results say about “{flat}”:"
        tail = "*(Offline demo: quoted from the demo pages bundled with the app, not live.)*"
    return "\n\n".join([head, "\n".join(points), tail])
