"""Where a JSON pointer's value starts in the line it came from, so that editors and annotations
jump to the offending value instead of the start of the line.

Only lines with a finding are scanned, once per finding. The scan walks the raw bytes (JSON's
structure is ASCII; multi-byte text sits inside strings) and decodes object keys only, to compare
them with the pointer's tokens. With duplicate keys the last one wins, as in the parsers.
"""

from __future__ import annotations

import functools
import json
import re

_WS = re.compile(rb"[ \t\r\n]*")
_SCALAR_END = re.compile(rb"[^,\]}\s]*")
_NEXT = re.compile(rb'[\[\]{}"]')
EXCERPT = 60  # characters of the value shown with a diagnostic


def _skip_ws(raw: bytes, i: int) -> int:
    return _WS.match(raw, i).end()


def _skip_string(raw: bytes, i: int) -> int:
    """Just past the string that starts at ``i`` (its opening quote). A quote ends it unless an
    odd number of backslashes comes before it; bytes.find runs at memory speed on long strings,
    where a regular expression's repeated group would hold a stack the size of the string."""
    j = i + 1
    while True:
        j = raw.find(b'"', j)
        if j < 0:
            raise ValueError("unterminated string")
        k = j
        while k > i + 1 and raw[k - 1] == 0x5C:  # backslash
            k -= 1
        if (j - k) % 2 == 0:
            return j + 1
        j += 1


# A container that holds no other: one match steps over it (a message is one, mostly). Every run
# between strings must end at a quote or a bracket, so a container that is not flat fails the match
# at once instead of backtracking. The expression keeps a state for each string and escape it
# steps over (about 140 bytes each), so only short lines use it.
_FLAT = re.compile(rb'[{\[][^"{}\[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\]]*)*[}\]]')
FLAT_LIMIT = 1 << 12  # a short line's messages; on longer ones the loop is as fast and holds no state


def _skip_value(raw: bytes, i: int) -> int:
    c = raw[i:i + 1]
    if c == b'"':
        return _skip_string(raw, i)
    if c not in (b"{", b"["):
        return _SCALAR_END.match(raw, i).end()
    if len(raw) <= FLAT_LIMIT:
        m = _FLAT.match(raw, i)
        if m is not None:
            return m.end()
    depth = 0
    while True:  # a container: count brackets, stepping over strings
        m = _NEXT.search(raw, i)
        if m is None:
            raise ValueError("unterminated container")
        i = m.start()
        c = raw[i:i + 1]
        if c == b'"':
            i = _skip_string(raw, i)
            continue
        depth += 1 if c in (b"{", b"[") else -1
        i += 1
        if depth == 0:
            return i


# A key without escapes, with its colon and the spaces around it, in one match: its bytes between
# the quotes are then the key's UTF-8. A key with an escape (it may spell the token another way)
# is decoded by json.
_PLAIN_KEY = re.compile(rb'"([^"\\]*)"[ \t\r\n]*:[ \t\r\n]*')
_COMMA = re.compile(rb"[ \t\r\n]*,[ \t\r\n]*")


# Printable ASCII other than the quote, backslash and slash: the only other spelling of such a key
# escapes one of its characters by its code (backslash, u, 00XX); the short escapes stand for
# other characters.
_PLAIN_TOKEN = re.compile(r"[ !#-.0-\[\]-~]*")
_ASCII_ESCAPE = re.compile(rb"\\u00[2-7][0-9a-fA-F]")


@functools.lru_cache(maxsize=256)
def _spellings(token: str) -> tuple[bytes, bytes, bool]:
    """The token's UTF-8, its quoted JSON form as a line without escapes holds it, and whether
    it is plain (see :data:`_PLAIN_TOKEN`)."""
    return (token.encode("utf-8", "surrogatepass"),
            json.dumps(token, ensure_ascii=False).encode("utf-8", "surrogatepass"),
            _PLAIN_TOKEN.fullmatch(token) is not None)


def _escapes(raw: bytes) -> int:
    """What escapes the line holds, once a line: 0 none, 1 none that spells printable ASCII
    (which a plain key could be written with), 2 some that do."""
    if b"\\" not in raw:
        return 0
    return 2 if _ASCII_ESCAPE.search(raw) is not None else 1


def _unique(raw: bytes, quoted: bytes, plain: bool, escapes: int) -> bool:
    """True when the key occurs once in the line and cannot be spelled another way in it."""
    return raw.count(quoted) == 1 and (escapes == 0 or (plain and escapes == 1))


def _member(raw: bytes, i: int, token: str, escapes: int) -> int | None:
    """Offset of the value of ``token`` in the object at ``i`` (``escapes``: see :func:`_escapes`)."""
    found = None
    want, quoted, plain = _spellings(token)
    # A key whose quoted form occurs once in the line, with no escape that could spell it another
    # way, has no duplicate: the first match is the last.
    unique = _unique(raw, quoted, plain, escapes)
    i = _skip_ws(raw, i + 1)
    while True:
        m = _PLAIN_KEY.match(raw, i)
        if m is not None:
            same = m.group(1) == want
            value = m.end()
        elif raw[i:i + 1] == b'"':
            end = _skip_string(raw, i)
            same = json.loads(raw[i:end]) == token
            i = _skip_ws(raw, end)
            if raw[i:i + 1] != b":":
                return None
            value = _skip_ws(raw, i + 1)
        else:
            break
        if same:
            found = value
            if unique:  # no later key can be this one: the rest of the object need not be walked
                return found
        m = _COMMA.match(raw, _skip_value(raw, value))
        if m is None:
            break
        i = m.end()
    return found


def _element(raw: bytes, i: int, index: int) -> int | None:
    """Offset of element ``index`` of the array at ``i``."""
    i = _skip_ws(raw, i + 1)
    for _ in range(index):
        if raw[i:i + 1] in (b"]", b""):
            return None
        m = _COMMA.match(raw, _skip_value(raw, i))
        if m is None:
            return None
        i = m.end()
    return None if raw[i:i + 1] in (b"]", b"") else i


def locate(raw: bytes, pointer: str) -> int | None:
    """Byte offset in ``raw`` (one JSON text) where the value at ``pointer`` starts, or None when
    the line does not hold it (or is not JSON)."""
    try:
        i = _skip_ws(raw, 0)
        if raw.startswith(b"\xef\xbb\xbf", i):
            i += 3
        escapes = _escapes(raw)
        for token in pointer.split("/")[1:] if pointer else ():
            token = token.replace("~1", "/").replace("~0", "~")
            c = raw[i:i + 1]
            if c == b"{":
                found = _member(raw, i, token, escapes)
            elif c == b"[" and token.isdigit():
                found = _element(raw, i, int(token))
            else:
                return None
            if found is None:
                return None
            i = found
        return i
    except (ValueError, IndexError, RecursionError):
        return None


def column_and_excerpt(raw: bytes, pointer: str) -> tuple[int | None, str | None]:
    """The 1-based column (in characters) of the pointer's value and the start of that value as
    text, or (None, None)."""
    offset = locate(raw, pointer)
    if offset is None:
        return None, None
    column = offset + 1 if raw.isascii() else len(raw[:offset].decode("utf-8", "replace")) + 1
    try:
        end = min(_skip_value(raw, offset), offset + 4 * EXCERPT)
    except (ValueError, IndexError):
        end = offset + 4 * EXCERPT
    text = raw[offset:end].decode("utf-8", "replace")
    return column, (text[:EXCERPT] + "…" if len(text) > EXCERPT else text)
