"""What the offline demo models say.

They are not language models: they write a plausible, clearly labelled
answer from templates, quoting the question, so that a demo shows every part
of the product (a thinking trace, Markdown, a table, code, math) with no key
and no network. Chinese questions get Chinese answers. The same question
always gets the same answer, which keeps tests and screenshots stable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.demo.grounded import grounded_answer, is_grounded
from core.demo.judge import is_judge_prompt, judge_reply

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_STOP = {
    "what",
    "which",
    "when",
    "where",
    "would",
    "could",
    "should",
    "about",
    "there",
    "their",
    "please",
    "explain",
    "write",
    "tell",
    "with",
    "from",
    "that",
    "this",
    "have",
    "does",
    "your",
    "into",
    "make",
    "give",
    "some",
    "more",
    "long",
}
_CODE_HINTS = ("code", "python", "function", "script", "sql", "bug", "代码", "函数", "编程")
_MATH_HINTS = ("math", "prove", "equation", "integral", "数学", "证明", "方程", "公式")
_LONG_HINTS = ("long", "detailed", "in depth", "essay", "详细", "长文", "展开")


@dataclass(frozen=True)
class DemoReply:
    reasoning: str
    answer: str


def last_user_content(messages: list[dict]) -> str | list:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message.get("content") or ""
    return ""


def last_user_text(messages: list[dict]) -> str:
    """The last question's text; of content parts, the text parts joined."""
    content = last_user_content(messages)
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))


# DeepSeek-R1's file template, as core/attachments/template.py writes it.
_FILE = re.compile(
    r"\[file name\]: (?P<name>[^\n]*)\n\[file content begin\]\n"
    r"(?P<body>.*?)\n\[file content end\]\n?",
    re.S,
)


def acknowledgement(messages: list[dict]) -> str:
    """What a demo model honestly says about the files and images it was sent:
    their names and sizes, not a pretended reading of them."""
    content = last_user_content(messages)
    files = [(m["name"], len(m["body"])) for m in _FILE.finditer(last_user_text(messages))]
    images = [
        len(p.get("image_url", {}).get("url", ""))
        for p in (content if isinstance(content, list) else [])
        if isinstance(p, dict) and p.get("type") == "image_url"
    ]
    lines = [f"- `{name}`: {size:,} characters of text" for name, size in files]
    lines += [f"- an image ({size:,} bytes as a data URL)" for size in images]
    if not lines:
        return ""
    return (
        "*(Demo model: I received these attachments but, not being a real model, "
        "I cannot read them.)*\n\n" + "\n".join(lines) + "\n\n"
    )


def write_reply(messages: list[dict], *, thinking: bool) -> DemoReply:
    question = _FILE.sub("", last_user_text(messages)).strip()
    if is_judge_prompt(question):  # a batch's judge (core/judging/prompts.py)
        return DemoReply("", judge_reply(question))
    if is_grounded(question):  # a web-searched question: answer from its sources
        chinese = bool(_CJK.search(question.rsplit("\n# ", 1)[-1]))
        return DemoReply("", grounded_answer(question, chinese))
    chinese = bool(_CJK.search(question))
    topic = _topic(question, chinese)
    seed = int(hashlib.sha256(question.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16)
    lowered = question.lower()
    wants_code = any(h in lowered for h in _CODE_HINTS)
    wants_math = any(h in lowered for h in _MATH_HINTS)
    long = any(h in lowered for h in _LONG_HINTS)
    turns = sum(1 for m in messages if m.get("role") == "user")
    write = _zh if chinese else _en
    reasoning, answer = write(question, topic, seed, wants_code, wants_math, long, turns)
    return DemoReply(reasoning if thinking else "", acknowledgement(messages) + answer)


_ZH_FILLER = re.compile(
    r"请|帮我|给我|能不能|可以|详细|简单|解释|介绍|说明|一下|什么是|什么|是|如何|怎么|怎样|为什么|吗|呢|吧|的|了|写|一个|一段|长文"
)
_ZH_RUN = re.compile(r"[\u3400-\u9fffA-Za-z0-9]{2,12}")


def _topic(question: str, chinese: bool) -> str:
    if chinese:
        runs = _ZH_RUN.findall(_ZH_FILLER.sub(" ", question))
        return runs[0] if runs else "你的问题"
    words = [w for w in _WORD.findall(question) if w.lower() not in _STOP]
    if not words:
        return "你的问题" if chinese else "your question"
    return ("、" if chinese else ", ").join(dict.fromkeys(words[:3]))


def _quote(question: str, limit: int = 160) -> str:
    flat = " ".join(question.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _en(question: str, topic: str, seed: int, code: bool, math: bool, long: bool, turns: int):
    angle = ["first principles", "a worked example", "the trade-offs", "common pitfalls"][seed % 4]
    reasoning = (
        f"The user asks: “{_quote(question)}”.\n\n"
        f"Key terms: {topic}. This is turn {turns} of the conversation, so I should keep "
        "what was said before in mind.\n\n"
        f"Approach: start from {angle}, then give a short structured answer. "
        "A table would make the comparison easy to scan.\n\n"
        "Wait — I am the offline demo model, not a real one. I should say so plainly in the "
        "answer and point to the README for connecting a real provider.\n\n"
        "Let me also double-check the structure: heading, a numbered plan, a table, a short "
        "summary. That reads well on a phone too."
    )
    sections = [
        f"## {topic[:1].upper() + topic[1:]}\n",
        f"> You asked: *{_quote(question)}*\n",
        "**This is the offline demo model.** It writes this answer from a template so the app can "
        "be shown with no key and no network. Add a provider key (see the README) to get real "
        "answers from DeepSeek, Hunyuan and others.\n",
        "Here is how a good answer would be built:\n",
        f"1. **Clarify** what “{topic}” means in your situation.\n"
        f"2. **Reason from {angle}** rather than from memory alone.\n"
        "3. **Check** the result against a simple case before trusting it.\n",
        "| Step | What it gives you |\n|---|---|\n| Clarify | the right question |\n"
        "| Reason | an answer you can explain |\n| Check | confidence |\n",
    ]
    if code:
        sections.append(
            "A small example:\n\n```python\ndef answer(question: str) -> str:\n"
            '    """Offline demo: echo the question back, politely."""\n'
            '    return f"You asked: {question}"\n```\n'
        )
    if math:
        sections.append(
            "The classic identity, for the record:\n\n$$e^{i\\pi} + 1 = 0$$\n\n"
            "and inline, $a^2 + b^2 = c^2$.\n"
        )
    if long:
        sections.extend(_long_sections_en(topic, seed))
    sections.append(f"**In short:** clarify, reason, check, and {topic} becomes tractable.")
    return reasoning, "\n".join(sections)


def _long_sections_en(topic: str, seed: int) -> list[str]:
    parts = []
    for index in range(1, 7):
        parts.append(
            f"### Part {index}: looking closer at {topic}\n\n"
            f"Point {index} builds on the previous one. A careful reader would ask what changes "
            f"when the assumptions shift; the honest answer is that it depends on the details, "
            f"and that writing them down is half the work. Consider case {seed % 7 + index}: "
            "the same reasoning applies, with one extra check at the end.\n\n"
            "- what is assumed\n- what follows\n- what would prove it wrong\n"
        )
    return parts


def _zh(question: str, topic: str, seed: int, code: bool, math: bool, long: bool, turns: int):
    angle = ["基本原理", "一个具体例子", "利弊权衡", "常见误区"][seed % 4]
    reasoning = (
        f"用户的问题是：“{_quote(question)}”。\n\n"
        f"关键词：{topic}。这是对话的第 {turns} 轮，要记得前面说过的内容。\n\n"
        f"思路：先从{angle}讲起，再给出一个结构清楚的简短回答，用表格方便对比。\n\n"
        "等等——我是离线演示模型，不是真正的模型。回答里要直接说明这一点，"
        "并告诉用户在 README 里如何接入真实的服务商。\n\n"
        "再检查一下结构：标题、分步说明、表格、总结。手机上读起来也清楚。"
    )
    sections = [
        f"## 关于{topic}\n",
        f"> 你的问题：*{_quote(question)}*\n",
        "**这是离线演示模型。** 它按模板写出回答，让应用在没有密钥、没有网络时也能演示。"
        "按 README 配置服务商密钥后，即可获得 DeepSeek、混元等模型的真实回答。\n",
        "一个好的回答通常这样构成：\n",
        f"1. **澄清**：在你的场景里，“{topic}”具体指什么。\n"
        f"2. **推理**：从{angle}出发，而不只是凭记忆。\n"
        "3. **检验**：先用简单的情况验证结论。\n",
        "| 步骤 | 作用 |\n|---|---|\n"
        "| 澄清 | 问对问题 |\n| 推理 | 说得清的答案 |\n| 检验 | 可信度 |\n",
    ]
    if code:
        sections.append(
            "一个小例子：\n\n```python\ndef answer(question: str) -> str:\n"
            '    """离线演示：礼貌地复述问题。"""\n'
            '    return f"你问的是：{question}"\n```\n'
        )
    if math:
        sections.append(
            "顺便写下欧拉恒等式：\n\n$$e^{i\\pi} + 1 = 0$$\n\n行内公式：$a^2 + b^2 = c^2$。\n"
        )
    if long:
        for index in range(1, 7):
            sections.append(
                f"### 第 {index} 部分：进一步看{topic}\n\n"
                f"第 {index} 点建立在前一点之上。认真的读者会问：前提变了，结论会怎样？"
                "老实说，这取决于细节，而把细节写清楚就完成了一半。"
                f"再看情形 {seed % 7 + index}：同样的推理依然成立，只是最后多一步检验。\n\n"
                "- 前提是什么\n- 能推出什么\n- 什么会推翻它\n"
            )
    sections.append(f"**一句话总结：** 澄清、推理、检验，{topic}就不难了。")
    return reasoning, "\n".join(sections)
