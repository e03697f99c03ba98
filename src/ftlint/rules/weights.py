"""FT3xx: per-message training weights."""

from __future__ import annotations

from ..diagnostics import Finding
from ..hookspecs import hookimpl
from ..quote import name, show
from ..rule import Fix, Rule
from .edits import edit_messages


class WeightOnNonAssistant(Rule):
    code = "FT301"
    name = "weight-on-non-assistant"
    summary = "A weight on a message that is not an assistant message"
    when = frozenset({"weight"})

    def check(self, ex):
        if "weight" not in ex.message_keys:
            return None
        out = None
        for i, m in enumerate(ex.flat_messages):
            if "weight" in m and m.get("role") != "assistant":
                out = out or []
                out.append(Finding(ex.pointer_of(i) + "/weight", f"'weight' is only allowed on assistant messages, "
                                   f"not on {name(m.get('role'))} messages", "remove the weight from this message"))
        return out


class InvalidWeight(Rule):
    code = "FT302"
    name = "invalid-weight"
    summary = "A weight that is not the integer 0 or 1"
    when = frozenset({"weight"})
    autofix = Fix("write a weight of true, false, 1.0 or 0.0 as the integer 1 or 0")

    def repair(self, ex, state):
        if "weight" not in ex.message_keys:
            return None
        return edit_messages(ex, lambda m: {**m, "weight": int(m["weight"])}
                             if m.get("role") == "assistant" and "weight" in m and _spelled_01(m["weight"]) else None)

    def check(self, ex):
        if "weight" not in ex.message_keys:
            return None
        out = None
        for i, m in enumerate(ex.flat_messages):
            if "weight" not in m or m.get("role") != "assistant":
                continue
            w = m["weight"]
            if type(w) is int and (w == 0 or w == 1):
                continue
            if isinstance(w, bool):
                fix = f'write "weight": {int(w)} (an integer, not a boolean)'
            elif isinstance(w, float) and w in (0.0, 1.0):
                fix = f'write "weight": {int(w)} (an integer, not {show(w)})'
            else:
                fix = 'use "weight": 1 to train on the message or "weight": 0 to skip it'
            out = out or []
            out.append(Finding(ex.pointer_of(i) + "/weight", "weight must be the integer 0 or 1, got "
                                                             f"{ex.quote(w, ex.pointer_of(i) + '/weight')}", fix,
                               fixable=_spelled_01(w)))
        return out


def _spelled_01(w) -> bool:
    """0 or 1 written another way: a boolean or a float (the integers themselves are fine)."""
    return (type(w) is bool) or (type(w) is float and w in (0.0, 1.0))


class NothingToTrain(Rule):
    code = "FT303"
    name = "nothing-to-train"
    summary = "Every assistant message has weight 0"
    when = frozenset({"weight"})
    formats = frozenset({"sft"})

    def check(self, ex):
        if "weight" not in ex.message_keys:
            return None
        assistants = [m for m in ex.messages if isinstance(m, dict) and m.get("role") == "assistant"]
        if not assistants:
            return None
        for m in assistants:
            w = m.get("weight", 1)
            if not (type(w) is int and w == 0):
                return None
        pointer, _ = ex.conversation
        return (Finding(pointer, f"all {len(assistants)} assistant message(s) have weight 0, so nothing in this "
                        "example is trained, yet its tokens are still billed",
                        "set weight 1 on the assistant message(s) to learn, or remove the example"),)


class TopLevelWeight(Rule):
    code = "FT304"
    name = "top-level-weight"
    summary = "A weight on the example instead of on assistant messages"
    when = frozenset({"weight"})

    def check(self, ex):
        if "weight" in ex.data:
            return (Finding("/weight", "'weight' at the top level is rejected ('Example 1 contains an extra "
                            "\"weight\"'); weights belong on assistant messages",
                            'remove it, and put "weight": 0 or 1 on the assistant messages instead'),)
        return None


RULES = (WeightOnNonAssistant, InvalidWeight, NothingToTrain, TopLevelWeight)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
