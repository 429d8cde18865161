"""Which category boards a battle belongs to, read from its prompts and answers.

Categories are derived when the leaderboard is fitted, from the stored text, so
they apply to every vote ever cast and improve for all votes at once when a rule
improves. A battle may be in several (a long Chinese coding question is in
`zh`, `code` and `long`). The rules are deliberately simple and documented in
docs/comparing-models.md; they are heuristics, not a classifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.style import cjk_characters, without_code_blocks, word_count

CHINESE = "zh"
ENGLISH = "en"
CODE = "code"
MATH = "math"
LONG_PROMPT = "long"
MULTI_TURN = "multi_turn"
CATEGORIES = (CHINESE, ENGLISH, CODE, MATH, LONG_PROMPT, MULTI_TURN)

LONG_PROMPT_WORDS = 500  # LMArena's "longer query" threshold is 500 tokens

_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?")
_OTHER_LETTER = re.compile(
    r"[^\W\d_A-Za-z\u00c0-\u024f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# Common function words: a prompt of more than three words with none of them is
# likely not English.
_ENGLISH_WORDS = frozenset(
    "a an the is are was were be to of in on for and or with what how why who which when "  # noqa: SIM905
    "can could would should do does did i you it this that my me please write explain "
    "about from as at by not your if tell give make".split()
)

_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.M)
_CODE_WORDS = re.compile(
    r"(?<![A-Za-z])(?:code|coding|function|python|javascript|typescript|java|rust|golang|c\+\+|c#|sql|"
    r"regex|regexp|bash|shell script|html|css|api|json|yaml|compile[rd]?|debug|bug|"
    r"stack ?trace|exception|refactor|algorithm|class|method|variable|git|docker|"
    r"react|django|flask|numpy|pandas|kotlin|swift)(?![A-Za-z])"
    r"|代码|编程|函数|程序|脚本|报错|调试|算法|编译|正则表达式|数据库|前端|后端|接口|排序",
    re.I,
)
_CODE_SHAPES = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |#include|function |const |let |var |"
    r"public |private |SELECT |CREATE TABLE|fn |func |package )"
    r"|[;{}]\s*$|=>|->|::|\b\w+\([^()\n]*\)\s*[{;:]",
    re.M,
)
_MATH_WORDS = re.compile(
    r"(?<![A-Za-z])(?:math|maths|mathematics|equation|solve|integral|integrate|derivative|"
    r"differentiate|probability|theorem|prove|proof|calculate|compute|polynomial|matrix|"
    r"eigenvalues?|logarithm|geometry|algebra|calculus|arithmetic|factorial|prime|"
    r"fraction|percent(?:age)?|triangle|circle|angle|limit|series|sum of|square root)(?![A-Za-z])"
    r"|数学|方程|积分|求导|导数|微分|概率|定理|证明|计算|多项式|矩阵|特征值|对数|几何|代数|"
    r"微积分|算术|阶乘|质数|素数|分数|百分比|三角形|圆|角度|极限|级数|平方根|函数值|解方程",
    re.I,
)
_MATH_SHAPES = re.compile(
    r"\$[^$\n]+\$|\\(?:frac|int|sum|sqrt|lim|prod|cdot|times|le|ge|infty|pi)\b"
    r"|\d\s*[+*×÷^]\s*\(?\d|\d\s+[-/]\s+\(?\d|(?<![A-Za-z])\d*[a-z]\s*[-+*/^]\s*\d+\s*=|=\s*\?|[∫∑√π≤≥∞]",
    re.I,
)


def language_of(prompts: Sequence[str]) -> str | None:
    """'zh', 'en' or None (another language, or too little text to tell).

    Chinese: Han characters, no kana or hangul (Japanese, Korean), and at least
    as many Han characters as Latin words (a Chinese question quoting English
    terms stays Chinese). English: Latin words only, and either a common English
    word among them or a prompt of three words or fewer ("Fibonacci in Rust").
    Code is left out before counting.
    """
    text = _INLINE_CODE.sub(" ", without_code_blocks("\n".join(prompts)))
    han = cjk_characters(text) - len(_KANA_OR_HANGUL.findall(text))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if _KANA_OR_HANGUL.search(text) or len(_OTHER_LETTER.findall(text)) > len(words):
        return None
    if han and han >= len(words):
        return CHINESE
    accented = sum(not w.isascii() for w in words)
    mostly_ascii = words and not han and accented <= 0.1 * len(words)
    if mostly_ascii and (len(words) <= 3 or _ENGLISH_WORDS.intersection(words)):
        return ENGLISH
    return None


def is_code(prompts: Sequence[str], answers: Sequence[str]) -> bool:
    """A code block anywhere, or a prompt that talks about or looks like code."""
    if any(_FENCE.search(text) for text in (*prompts, *answers)):
        return True
    prompt = "\n".join(prompts)
    return bool(_CODE_WORDS.search(prompt) or _CODE_SHAPES.search(prompt))


def is_math(prompts: Sequence[str]) -> bool:
    """A prompt that names a mathematical task or contains a formula or a sum."""
    prompt = "\n".join(prompts)
    return bool(_MATH_WORDS.search(prompt) or _MATH_SHAPES.search(prompt))


def categories(prompts: Sequence[str], answers: Sequence[str]) -> frozenset[str]:
    """The categories of a battle: `prompts` are the user turns up to the judged
    answer, oldest first; `answers` are both sides' answers on that path."""
    found = set()
    language = language_of(prompts)
    if language:
        found.add(language)
    if is_code(prompts, answers):
        found.add(CODE)
    if is_math(prompts):
        found.add(MATH)
    if sum(word_count(p) for p in prompts) >= LONG_PROMPT_WORDS:
        found.add(LONG_PROMPT)
    if len(prompts) > 1:
        found.add(MULTI_TURN)
    return frozenset(found)
