"""Quoting data in messages: any JSON value, shown short, as JSON, and safe to print.

Rules quote what they found ("weight must be 0 or 1, got true"). The value may be anything a
line can hold: a string with terminal escape sequences, an object nested a thousand levels deep,
an integer of thousands of digits. ``show`` writes it without recursion, cut to a few dozen
characters, with every character a terminal or a CI log would act on escaped.
"""

from __future__ import annotations

from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def escape_char(c: str) -> str:
    known = _ESCAPES.get(c)
    if known is not None:
        return known
    if c.isprintable():
        return c
    code = ord(c)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def safe_text(text: str) -> str:
    """``text`` with every character that is not printable (C0 and C1 controls, escape sequences,
    line and paragraph separators, bidirectional overrides, lone surrogates) escaped as in JSON.
    Printable text, which is nearly all text, is returned as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else escape_char(c) for c in text)


def show_string(text: str, limit: int = 60) -> str:
    """A string as a JSON string literal, cut to about ``limit`` characters."""
    cut = len(text) > limit
    body = "".join(map(escape_char, text[:limit] if cut else text))
    return f'"{body}…"' if cut else f'"{body}"'


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        digits = len(str(value)) if value.bit_length() < 13_000 else None
        if digits is None or digits > 40:
            return f"an integer of {digits or 'thousands of'} digits"
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        return show_string(value)
    return f"<{type(value).__name__}>"


def show(value: Any, limit: int = 60) -> str:
    """``value`` as short JSON text: strings quoted, containers cut after ``limit`` characters
    or three levels (``[[[…]]]``), never raising, never recursing."""
    if not isinstance(value, (list, dict)):
        text = _scalar(value)
        return text if len(text) <= limit + 4 else text[:limit] + "…"
    out: list[str] = []
    size = 0
    # An explicit stack of (iterator, closing bracket, first item pending).
    stack: list[list] = []

    def push(container) -> None:
        if isinstance(container, dict):
            stack.append([iter(container.items()), "}", True])
            out.append("{")
        else:
            stack.append([iter(container), "]", True])
            out.append("[")

    push(value)
    size = 1
    while stack:
        if size > limit:
            out.append("…" + "".join(frame[1] for frame in reversed(stack)))
            break
        frame = stack[-1]
        item = next(frame[0], frame)
        if item is frame:
            stack.pop()
            out.append(frame[1])
            size += 1
            continue
        if not frame[2]:
            out.append(", ")
            size += 2
        frame[2] = False
        if frame[1] == "}":
            key, item = item
            text = show_string(key, 20) + ": "
            out.append(text)
            size += len(text)
        if isinstance(item, (list, dict)):
            if len(stack) >= 3:
                text = "[…]" if isinstance(item, list) else "{…}"
                out.append(text)
                size += 3
            else:
                push(item)
                size += 1
        else:
            text = _scalar(item)
            if len(text) > 24:
                text = text[:24] + "…" + text[-1] if text.startswith('"') else text[:24] + "…"
            out.append(text)
            size += len(text)
    return "".join(out)


def name(value: Any, limit: int = 30) -> str:
    """A value that names something in a message (a role, a key): a short printable string as it
    is, anything else (a role given as a list, a name of 70,000 characters) shown as JSON."""
    if type(value) is str and len(value) <= limit and value.isprintable():
        return value
    return show(value, limit)


def kind_of(value: Any) -> str:
    """What a JSON value is, in words: "a string", "an array", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def with_article(word: str) -> str:
    """``word`` after "a" or "an" as it sounds, for the words ftlint names (an assistant, an Alpaca
    row, a user: a 'u' here sounds 'you')."""
    return f"{'an' if word[:1].lower() in 'aeio' else 'a'} {word}"


def closest(word: str, choices) -> str | None:
    """The choice most like ``word`` (a mistyped key, rule, role or command), or None."""
    import difflib  # only when something was mistyped: not a cost of every start-up

    close = difflib.get_close_matches(word, list(choices), n=1)
    return close[0] if close else None
