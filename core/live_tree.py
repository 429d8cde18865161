"""Markdown as an inert node tree, for the live channel's browser module.

An answer being written is sent to the browser beside Streamlit (the live
channel, core/live_channel.py) and drawn there by ui/live_channel.js with
createElement and createTextNode only. What it draws is decided here, from the
same parse as core/markdown.prepare_markdown and by the same rules, so the text
looks the same while it streams and once the page renders it from the store:

- links stay links only to http, https or mailto, followed by their host when
  their text does not say it; other links, and every image (which would load
  with no click), are text showing their destination; a safe image becomes a
  link to it;
- raw HTML and entities are text, as written (entities decoded, as the parser
  reads them); reference definitions show nothing of their own, their uses
  become links or text as above;
- math is its TeX source in a `span.math` (no KaTeX in the component); math
  that could fetch or link is shown as code, as prepare_markdown shows it;
- text over the render budget (`too_heavy_for_markdown`) is one code block.

A node is a string (a text node) or `[tag, {attr: value}, *children]`, with
only the tags and attributes of the protocol's allowlist (p, h1-h6, blockquote,
ul, ol[start], li, hr, br, pre, code[data-lang], em, strong, del, a[href],
table, thead, tbody, tr, th[align], td[align], span[class=math]); the browser
module checks them again (tests/test_live_tree.py holds the list).
"""

from __future__ import annotations

from markdown_it.tree import SyntaxTreeNode

from core.markdown import (
    cell_alignment,
    code_language,
    display_math_as_code,
    inline_math_as_code,
    is_safe_url,
    link_target,
    parse,
    plain_text,
    shown_destination,
    too_heavy_for_markdown,
)

Node = str | list
_MARKS = {"em": "em", "strong": "strong", "s": "del"}


def block_nodes(markdown: str) -> list[Node]:
    """The nodes that show `markdown` (a settled block or the live tail)."""
    if not markdown:
        return []
    if too_heavy_for_markdown(markdown):
        return [["pre", {}, ["code", {}, markdown]]]
    return _blocks(SyntaxTreeNode(parse(markdown)).children)


# ---------------------------------------------------------------- blocks


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out.extend(_block(node))
    return out


def _block(node: SyntaxTreeNode) -> list[Node]:
    kind = node.type
    if kind == "paragraph":
        inline = _inline_of(node)
        # A tight list's paragraphs are not drawn as paragraphs (as in HTML).
        return inline if node.hidden else [_element("p", {}, inline)]
    if kind == "heading":
        return [_element(node.tag, {}, _inline_of(node))]
    if kind == "blockquote":
        return [_element("blockquote", {}, _blocks(node.children))]
    if kind in ("bullet_list", "ordered_list"):
        return [_list(node)]
    if kind in ("fence", "code_block"):
        language = code_language(node.info) if kind == "fence" else ""
        return [_code_block(node.content.rstrip("\n"), language)]
    if kind in ("math_block", "math_block_label"):
        content = node.content.strip("\n")
        if display_math_as_code(content):
            return [_code_block(content, "latex")]
        return [["pre", {}, ["span", {"class": "math"}, content]]]
    if kind == "table":
        return [_table(node)]
    if kind == "hr":
        return [["hr", {}]]
    # Raw HTML and anything else the parser may produce: its lines, as text.
    lines = [line for line in node.content.split("\n") if line.strip()]
    if not lines:
        return []
    children: list[Node] = []
    for line in lines:
        children += [["br", {}], line] if children else [line]
    return [_element("p", {}, children)]


def _inline_of(node: SyntaxTreeNode) -> list[Node]:
    return _inline(node.children[0].children if node.children else [])


def _list(node: SyntaxTreeNode) -> Node:
    attrs = {}
    if node.type == "ordered_list":
        start = int(node.attrs.get("start", 1))
        if start != 1:
            attrs["start"] = str(start)
    items = [_element("li", {}, _blocks(item.children)) for item in node.children]
    return _element("ol" if node.type == "ordered_list" else "ul", attrs, items)


def _code_block(content: str, language: str) -> Node:
    return ["pre", {}, ["code", {"data-lang": language} if language else {}, content]]


def _table(node: SyntaxTreeNode) -> Node:
    sections = []
    for section in node.children:  # thead, tbody
        rows = []
        for row in section.children:
            cells = []
            for cell in row.children:
                alignment = cell_alignment(cell)
                inline = _inline(cell.children[0].children if cell.children else [], True)
                cells.append(_element(cell.tag, {"align": alignment} if alignment else {}, inline))
            rows.append(_element("tr", {}, cells))
        sections.append(_element(section.tag, {}, rows))
    return _element("table", {}, sections)


# ---------------------------------------------------------------- inline


def _inline(nodes: list[SyntaxTreeNode], in_table: bool = False) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out.extend(_inline_node(node, in_table))
    return out


def _inline_node(node: SyntaxTreeNode, in_table: bool) -> list[Node]:
    kind = node.type
    if kind == "softbreak":
        return ["\n"]
    if kind == "hardbreak":
        return [["br", {}]]
    if kind == "code_inline":
        return [["code", {}, node.content]]
    if kind in _MARKS:
        return [_element(_MARKS[kind], {}, _inline(node.children, in_table))]
    if kind == "link":
        return _link(node, in_table)
    if kind == "image":
        return _image(node)
    if kind in ("math_inline", "math_inline_double"):
        if inline_math_as_code(node.content, in_table=in_table):
            return [["code", {}, node.content]]
        return [["span", {"class": "math"}, node.content]]
    # text, html_inline and anything unknown: as written.
    return [node.content] if node.content else []


def _link(node: SyntaxTreeNode, in_table: bool) -> list[Node]:
    href = str(node.attrs.get("href", ""))
    children = _inline(node.children, in_table)
    if not is_safe_url(href):
        return [*children, f" ({shown_destination(href)})"]
    target = link_target(href, plain_text(node))
    return [_element("a", {"href": href}, children), *([f" ({target})"] if target else [])]


def _image(node: SyntaxTreeNode) -> list[Node]:
    """An image as a link to it (a click, never a load), or as text."""
    src = str(node.attrs.get("src", ""))
    alt = node.content or "image"
    if not is_safe_url(src):
        return [f"{alt} ({shown_destination(src)})"]
    target = link_target(src, "")
    return [["a", {"href": src}, f"🖼 {alt}"], *([f" ({target})"] if target else [])]


def _element(tag: str, attrs: dict[str, str], children: list[Node]) -> list:
    """`[tag, attrs, *children]` with neighbouring text nodes joined (the parser
    splits text at every entity and bracket): fewer nodes to send and build."""
    element: list = [tag, attrs]
    for child in children:
        if isinstance(child, str) and len(element) > 2 and isinstance(element[-1], str):
            element[-1] += child
        elif child != "":
            element.append(child)
    return element
