"""`ftlint convert`: other trainers' datasets as OpenAI chat SFT or DPO, streamed row by row.

Sources, told apart by each row's keys (or named with ``source``): ShareGPT (``conversations``
of ``from``/``value`` turns), Alpaca (``instruction``, ``input``, ``output``, optional
``system`` and ``history``), Dolly (``instruction``, ``context``, ``response``), TRL and Hugging
Face preference data (``prompt``, ``chosen``, ``rejected`` as strings or message lists, or
``chosen``/``rejected`` conversations that share their prompt), legacy ``prompt``/``completion``,
and rows already in OpenAI's SFT or DPO shape (kept, or turned into the other shape). A row that
cannot be converted is not guessed at: it is left out and reported with the reason."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .example import FileContext
from .fixing import json_line
from .quote import with_article
from .reader import read_examples, utf8_lines

TARGETS = ("sft", "dpo")
SOURCES = ("auto", "sharegpt", "alpaca", "dolly", "preference", "legacy", "openai")
NAMES = {"sharegpt": "ShareGPT", "alpaca": "Alpaca", "dolly": "Dolly", "preference": "preference", "legacy":
         "legacy prompt/completion", "openai": "OpenAI"}
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
                  "system": "system"}


class Skip(Exception):
    """This row cannot be converted; the message says why."""


@dataclass
class ConvertResult:
    converted: int = 0
    by_source: Counter = field(default_factory=Counter)
    #: (line, why) of every row left out
    skipped: list[tuple[int, str]] = field(default_factory=list)
    blank: int = 0


def source_of(row: dict) -> str:
    """The format a row is written in, by its keys."""
    if "conversations" in row:
        return "sharegpt"
    if "chosen" in row and "rejected" in row:
        return "preference"
    if "instruction" in row and "output" in row:
        return "alpaca"
    if "instruction" in row and "response" in row:
        return "dolly"
    if "messages" in row or "input" in row and "preferred_output" in row:
        return "openai"
    if "prompt" in row and "completion" in row:
        return "legacy"
    raise Skip(f"no known format has these keys ({', '.join(map(repr, list(row)[:6]))})")


def _text(row: dict, key: str, *, optional: bool = False) -> str:
    value = row.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise Skip(f"'{key}' is {'missing' if value is None else 'not a string'}")
    return value


def _msg(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def _sharegpt(row: dict) -> list[dict]:
    turns = row.get("conversations")
    if not isinstance(turns, list) or not turns:
        raise Skip("'conversations' is not a non-empty list")
    out = []
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        out.append(_msg("system", system))
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise Skip(f"turn {i} is not an object")
        who = turn.get("from", turn.get("role"))
        role = SHAREGPT_ROLES.get(who.lower()) if isinstance(who, str) else None
        if role is None:
            raise Skip(f"turn {i} is from {json.dumps(who)}; ftlint converts human, gpt and system turns (tool "
                       "turns need their calls written out by hand)")
        value = turn.get("value", turn.get("content"))
        if not isinstance(value, str):
            raise Skip(f"turn {i} has no string 'value'")
        out.append(_msg(role, value))
    return out


def _instruction(row: dict, answer_key: str, extra_key: str) -> list[dict]:
    instruction = _text(row, "instruction")
    extra = _text(row, extra_key, optional=True)
    out = []
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        out.append(_msg("system", system))
    history = row.get("history") or []
    if not isinstance(history, list):
        raise Skip("'history' is not a list of [question, answer] pairs")
    for pair in history:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise Skip("'history' holds an entry that is not a [question, answer] pair of strings")
        out += [_msg("user", pair[0]), _msg("assistant", pair[1])]
    out.append(_msg("user", f"{instruction}\n\n{extra}" if extra.strip() else instruction))
    out.append(_msg("assistant", _text(row, answer_key)))
    return out


def _messages(value: Any, key: str) -> list[dict]:
    """A preference field as messages: a string is one message (its role decided by the caller)."""
    if not isinstance(value, list) or not value:
        raise Skip(f"'{key}' is neither a string nor a non-empty list of messages")
    for i, m in enumerate(value):
        if not (isinstance(m, dict) and isinstance(m.get("role"), str) and "content" in m):
            raise Skip(f"'{key}' item {i} is not a message with a role and content")
    return [dict(m) for m in value]


def _preference(row: dict) -> tuple[list[dict], dict, dict]:
    """(prompt messages, chosen answer, rejected answer)."""
    chosen, rejected, prompt = row.get("chosen"), row.get("rejected"), row.get("prompt")
    if prompt is None:  # implicit prompt: two conversations that differ in their last answer
        a, b = _messages(chosen, "chosen"), _messages(rejected, "rejected")
        shared = 0
        while shared < min(len(a), len(b)) and a[shared] == b[shared]:
            shared += 1
        prompt_msgs, a, b = a[:shared], a[shared:], b[shared:]
        if not prompt_msgs:
            raise Skip("'chosen' and 'rejected' share no prompt")
    else:
        prompt_msgs = [_msg("user", prompt)] if isinstance(prompt, str) else _messages(prompt, "prompt")
        a = [_msg("assistant", chosen)] if isinstance(chosen, str) else _messages(chosen, "chosen")
        b = [_msg("assistant", rejected)] if isinstance(rejected, str) else _messages(rejected, "rejected")
    for side, answer in (("chosen", a), ("rejected", b)):
        if len(answer) != 1 or answer[0].get("role") != "assistant":
            raise Skip(f"'{side}' holds {len(answer)} message(s) after the prompt; DPO trains on exactly one "
                       "assistant answer per side")
    return prompt_msgs, a[0], b[0]


def convert_row(row: Any, to: str, source: str = "auto") -> tuple[dict, str]:
    """(the row in the target shape, the source it was read as). Raises :class:`Skip`."""
    if not isinstance(row, dict):
        raise Skip("the line is not a JSON object")
    kind = source_of(row) if source == "auto" else source
    if kind == "preference":
        prompt, chosen, rejected = _preference(row)
        if to == "dpo":
            return {"input": {"messages": prompt}, "preferred_output": [chosen],
                    "non_preferred_output": [rejected]}, kind
        return {"messages": [*prompt, chosen]}, kind
    if kind == "openai":
        if "messages" in row and to == "sft":
            return row, kind
        if "preferred_output" in row and to == "dpo":
            return row, kind
        if "preferred_output" in row:  # DPO to SFT: the prompt and the preferred answer
            inp = row.get("input")
            msgs = inp.get("messages") if isinstance(inp, dict) else None
            out = row.get("preferred_output")
            if not isinstance(msgs, list) or not isinstance(out, list) or not out:
                raise Skip("the DPO row has no input messages or preferred output")
            return {"messages": [*msgs, *out[:1]]}, kind
        raise Skip("an SFT row holds one answer, and DPO needs a preferred and a non-preferred one")
    if to == "dpo":
        raise Skip(f"{with_article(NAMES.get(kind, kind))} row holds one answer, and DPO needs a preferred and a "
                   "non-preferred one")
    if kind == "sharegpt":
        return {"messages": _sharegpt(row)}, kind
    if kind == "alpaca":
        return {"messages": _instruction(row, "output", "input")}, kind
    if kind == "dolly":
        return {"messages": _instruction(row, "response", "context")}, kind
    if kind == "legacy":
        return {"messages": [_msg("user", _text(row, "prompt")), _msg("assistant", _text(row, "completion"))]}, kind
    raise Skip(f"unknown source {kind!r}")


def convert_stream(stream: BinaryIO, name: str, out: BinaryIO, to: str, source: str = "auto") -> ConvertResult:
    """Convert every line of ``stream`` into ``out``; a row that cannot be converted is listed."""
    result = ConvertResult()
    ctx = FileContext(name)
    for ex in read_examples(utf8_lines(stream, ctx), ctx):
        if ex.error is not None and ex.error.kind == "blank":
            result.blank += 1
            continue
        try:
            if ex.error is not None and ex.error.kind != "not-object":
                raise Skip(f"the line does not parse ({ex.error.message})")
            converted, kind = convert_row(ex.data, to, source)
        except Skip as why:
            result.skipped.append((ex.line, str(why)))
            continue
        out.write(json_line(converted) + b"\n")
        result.converted += 1
        result.by_source[kind] += 1
    if ctx.compression:
        result.skipped.append((1, f"the file is {ctx.compression}-compressed; decompress it first"))
    return result


def skipped_lines(result: ConvertResult, name: str) -> Iterator[str]:
    for line, why in result.skipped:
        yield f"{name}:{line}: not converted: {why}"
