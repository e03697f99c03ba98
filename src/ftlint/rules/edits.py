"""What the rules' fixes share: copies of an example with some messages changed. A repair never
changes ``ex.data`` in place (other rules have read it, and the views of the example were made
from it); it returns a new value that shares every part it did not change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..example import DPO_TOP_KEYS

_OUTPUTS = ("preferred_output", "non_preferred_output")


def _edited_list(messages: Any, change: Callable[[dict], dict | None]) -> list | None:
    if type(messages) is not list:
        return None
    out = None
    for i, m in enumerate(messages):
        if type(m) is not dict:
            continue
        new = change(m)
        if new is not None:
            if out is None:
                out = list(messages)
            out[i] = new
    return out


def edit_messages(ex, change: Callable[[dict], dict | None]) -> dict | None:
    """A copy of the example with ``change(message)`` (a new message, or None to keep it) applied
    to every message object: the conversation, a DPO input's messages and its outputs. None when
    no message changed."""
    data = ex.data
    if type(data) is not dict:
        return None
    new: dict | None = None
    if "messages" in data:
        edited = _edited_list(data["messages"], change)
        if edited is not None:
            new = dict(data)
            new["messages"] = edited
    if ex.kind == "dpo" or DPO_TOP_KEYS & data.keys():
        inp = data.get("input")
        if type(inp) is dict:
            edited = _edited_list(inp.get("messages"), change)
            if edited is not None:
                new = new or dict(data)
                new["input"] = {**inp, "messages": edited}
        for key in _OUTPUTS:
            edited = _edited_list(data.get(key), change)
            if edited is not None:
                new = new or dict(data)
                new[key] = edited
    return new


def without_keys(obj: dict, unwanted: Callable[[str], bool]) -> dict | None:
    """``obj`` without the keys ``unwanted`` picks, in the same order; None when it has none."""
    if not any(unwanted(k) for k in obj):
        return None
    return {k: v for k, v in obj.items() if not unwanted(k)}
