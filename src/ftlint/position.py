"""Where a JSON pointer's value starts in the line it came from, so that editors and annotations
jump to the offending value instead of the start of the line.

Only lines with a finding are scanned, once per finding. The scan walks the raw bytes (JSON's
structure is ASCII; multi-byte text sits inside strings) and decodes object keys only, to compare
them with the pointer's tokens. With duplicate keys the last one wins, as in the parsers.
"""

from __future__ import annotations

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


def _skip_value(raw: bytes, i: int) -> int:
    c = raw[i:i + 1]
    if c == b'"':
        return _skip_string(raw, i)
    if c not in (b"{", b"["):
        return _SCALAR_END.match(raw, i).end()
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


def _member(raw: bytes, i: int, token: str) -> int | None:
    """Offset of the value of ``token`` in the object at ``i``."""
    found = None
    # A key whose quoted form occurs once in the line, with no escape that could spell it another
    # way, has no duplicate: the first match is the last.
    quoted = json.dumps(token, ensure_ascii=False).encode("utf-8", "surrogatepass")
    unique = b"\\" not in raw and raw.count(quoted) == 1
    i = _skip_ws(raw, i + 1)
    while raw[i:i + 1] == b'"':
        end = _skip_string(raw, i)
        key = json.loads(raw[i:end])
        i = _skip_ws(raw, end)
        if raw[i:i + 1] != b":":
            return None
        value = _skip_ws(raw, i + 1)
        if key == token:
            found = value
            if unique:  # no later key can be this one: the rest of the object need not be walked
                return found
        i = _skip_ws(raw, _skip_value(raw, value))
        if raw[i:i + 1] != b",":
            break
        i = _skip_ws(raw, i + 1)
    return found


def _element(raw: bytes, i: int, index: int) -> int | None:
    """Offset of element ``index`` of the array at ``i``."""
    i = _skip_ws(raw, i + 1)
    for _ in range(index):
        if raw[i:i + 1] in (b"]", b""):
            return None
        i = _skip_ws(raw, _skip_value(raw, i))
        if raw[i:i + 1] != b",":
            return None
        i = _skip_ws(raw, i + 1)
    return None if raw[i:i + 1] in (b"]", b"") else i


def locate(raw: bytes, pointer: str) -> int | None:
    """Byte offset in ``raw`` (one JSON text) where the value at ``pointer`` starts, or None when
    the line does not hold it (or is not JSON)."""
    try:
        i = _skip_ws(raw, 0)
        if raw.startswith(b"\xef\xbb\xbf", i):
            i += 3
        for token in pointer.split("/")[1:] if pointer else ():
            token = token.replace("~1", "/").replace("~0", "~")
            c = raw[i:i + 1]
            if c == b"{":
                found = _member(raw, i, token)
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
    column = len(raw[:offset].decode("utf-8", "replace")) + 1
    try:
        end = min(_skip_value(raw, offset), offset + 4 * EXCERPT)
    except (ValueError, IndexError):
        end = offset + 4 * EXCERPT
    text = raw[offset:end].decode("utf-8", "replace")
    return column, (text[:EXCERPT] + "…" if len(text) > EXCERPT else text)
