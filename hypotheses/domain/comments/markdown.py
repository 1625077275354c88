"""Comment text to safe HTML: Markdown by markdown-it-py, then the nh3 allow-list sanitizer.

Raw HTML in a comment is shown as text (markdown-it ``html=False``); links may only be http,
https or mailto (markdown-it refuses javascript:, nh3 checks again); images are not shown. An
``@name`` of a team member (their display name, or the part of their e-mail before the @ when
that is unique) becomes a mention: highlighted here, and notified by the comment rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
    "td", "span",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Member:
    """A team member who can be mentioned."""

    id: int
    name: str
    email: str = ""


def handles(members: list[Member]) -> list[tuple[str, Member]]:
    """Return (lower-case handle, member) pairs, longest first: each display name, and each
    e-mail's local part that belongs to one member only."""
    pairs: dict[str, Member | None] = {}
    for member in members:
        pairs[member.name.strip().lower()] = member
    locals_: dict[str, list[Member]] = {}
    for member in members:
        local = member.email.split("@", 1)[0].lower()
        if local:
            locals_.setdefault(local, []).append(member)
    for local, owners in locals_.items():
        if local not in pairs and len(owners) == 1:
            pairs[local] = owners[0]
    return sorted(
        ((handle, member) for handle, member in pairs.items() if handle and member),
        key=lambda pair: -len(pair[0]),
    )


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``@`` + a member's handle, not inside a word, ends a mention token."""
    src, pos = state.src, state.pos
    if src[pos] != "@" or (pos > 0 and _word(src[pos - 1])):
        return False
    rest = src[pos + 1 : state.posMax].lower()
    for handle, member in state.env.get("handles", ()):
        end = len(handle)
        if rest.startswith(handle) and (end == len(rest) or not _word(rest[end])):
            if not silent:
                token = state.push("mention", "", 0)
                token.content = src[pos + 1 : pos + 1 + end]
                token.meta = {"id": member.id, "name": member.name}
                state.env.setdefault("mentioned", []).append(member.id)
            state.pos += 1 + end
            return True
    return False


def _render_mention(_renderer, tokens, idx, _options, _env) -> str:
    token = tokens[idx]
    return f'<span class="mention">@{escape(token.meta["name"])}</span>'


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


def _sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        allowed_classes={"span": {"mention"}},
        filter_style_properties={"text-align"},
    )


def render(body: str, members: list[Member] | None = None) -> tuple[str, list[int]]:
    """Return the comment's safe HTML and the ids of the members it mentions (in order, once)."""
    env: dict = {"handles": handles(members or [])}
    html = _parser().render(body, env)
    mentioned = list(dict.fromkeys(env.get("mentioned", [])))
    return _sanitize(html), mentioned


def mentions(body: str, members: list[Member]) -> list[int]:
    """Return the ids of the members *body* mentions (code spans and blocks do not count)."""
    return render(body, members)[1]
