"""FT709-FT710: the dataset in the format the model will see at inference.

A model is served one system prompt and one set of tool definitions; training data that mixes
prompts, or defines the same tool in different ways, teaches it a format it will not meet.
"""

from __future__ import annotations

from collections import Counter

from ..diagnostics import Finding, Severity
from ..example import HUGE_LINE
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import DatasetRule, Option
from .shared import Paths, digest, hash_strings, loc, moved


class _System(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.with_system = 0
        self.without = 0
        self.first_without = 0
        self.first_with = 0
        self.prompts: Counter = Counter()


class SystemPromptInconsistent(DatasetRule):
    code = "FT709"
    name = "system-prompt-inconsistent"
    summary = "Some examples with a system prompt and some without, or many different ones"
    severity = Severity.WARNING
    options = {"max-distinct": Option(10, "Most distinct system prompts before warning.", min=1),
               "min-share": Option(0.05, "Smaller share of examples with (or without) a system prompt that is "
                                         "still reported as a mix.", float, min=0, max=1)}

    def new_state(self):
        return _System()

    def _counted(self) -> int:
        """Past this many distinct prompts no more are told apart ("more than ..."): a part's
        state and a merge of parts keep the same number, so the count does not depend on how the
        file was cut, and memory does not grow with the data."""
        return 4 * self.opts["max-distinct"]

    def observe(self, state, ex):
        if ex.ctx.role != "train":
            return
        roles = ex.roles
        state.see(ex)
        if roles and roles[0] == "system":
            state.with_system += 1
            if not state.first_with:
                state.first_with = loc(ex)
            if len(state.prompts) <= self._counted():
                content = ex.messages[0].get("content")
                state.prompts[hash_strings(content, len(content) >= HUGE_LINE) if isinstance(content, str)
                              else digest(content)] += 1
        else:
            state.without += 1
            if not state.first_without:
                state.first_without = loc(ex)

    def relocate(self, state, move):
        state.move_paths(move)
        state.first_with = moved(state.first_with, move)
        state.first_without = moved(state.first_without, move)
        return state

    def merge(self, first, second):
        first.merge_paths(second)
        first.with_system += second.with_system
        first.without += second.without
        first.first_with = first.first_with or second.first_with
        first.first_without = first.first_without or second.first_without
        room = self._counted() + 1 - len(first.prompts)  # one more than counted: "more than"
        for key, count in second.prompts.items():
            if key in first.prompts:
                first.prompts[key] += count
            elif room > 0:
                first.prompts[key] = count
                room -= 1
        return first

    def finish(self, state):
        total = state.with_system + state.without
        if not total:
            return None
        out = []
        minority = min(state.with_system, state.without)
        if minority and minority / total >= self.opts["min-share"]:
            path, line = state.where(state.first_without)
            out.append(Finding("", f"{state.with_system} of {total} examples start with a system prompt and "
                               f"{state.without} do not; train in the format you will use at inference",
                               "give every example the system prompt you will send (or none)",
                               path=path, line=line))
        if len(state.prompts) > self.opts["max-distinct"]:
            path, line = state.where(state.first_with)
            bound = self._counted()
            many = f"more than {bound}" if len(state.prompts) > bound else str(len(state.prompts))
            out.append(Finding("", f"{many} different system prompts; if inference uses one "
                               "prompt, train with that one", "use the inference system prompt in every example",
                               path=path, line=line))
        return out


class _Variant:
    __slots__ = ("definition", "count", "first")

    def __init__(self, definition: dict, count: int, first: int) -> None:
        self.definition = definition
        self.count = count
        self.first = first


class _Definitions(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.tools: dict[str, dict[int, _Variant]] = {}  # name -> canonical digest -> variant


# Each distinct tools block is taken apart once per process: blocks repeat on every line.
_BLOCKS: dict[bytes, tuple] = {}
_MAX_BLOCKS = 256
_MAX_TOOLS = 256  # names followed; beyond that a file defines tools per example, not one set
_MAX_VARIANTS = 32  # definitions kept per name


def _definitions(ex) -> tuple:
    """(name, canonical digest, definition) for every named function the example declares."""
    key = ex.tools_key
    if key is None:  # integers beyond 64 bits: FT4xx report the block; nothing to compare here
        return ()
    found = _BLOCKS.get(key)
    if found is None:
        _, holder = ex.tools_container
        tools, functions = holder.get("tools"), holder.get("functions")
        defs = [t.get("function") for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []
        defs += functions if isinstance(functions, list) else []
        found = tuple((d["name"], digest(d), d) for d in defs if isinstance(d, dict) and isinstance(d.get("name"), str))
        if len(_BLOCKS) >= _MAX_BLOCKS:
            _BLOCKS.clear()
        _BLOCKS[key] = found
    return found


def _differences(a: dict, b: dict) -> list[str]:
    """Where two definitions of a tool differ: top-level keys, and parameter properties by name."""
    out = []
    for key in sorted(set(a) | set(b), key=str):
        if a.get(key) == b.get(key):
            continue
        pa, pb = a.get(key), b.get(key)
        if key == "parameters" and isinstance(pa, dict) and isinstance(pb, dict):
            props_a, props_b = pa.get("properties"), pb.get("properties")
            if isinstance(props_a, dict) and isinstance(props_b, dict):
                names = sorted(n for n in set(props_a) | set(props_b) if props_a.get(n) != props_b.get(n))
                out += [f"parameter {show(n)}" for n in names]
                if {k: v for k, v in pa.items() if k != "properties"} != {k: v for k, v in pb.items()
                                                                          if k != "properties"}:
                    out.append("parameters (besides the properties)")
                continue
        out.append(key)
    return out


class ToolDefinitionsInconsistent(DatasetRule):
    code = "FT710"
    name = "tool-definitions-inconsistent"
    summary = "The same tool defined in different ways in different examples"
    severity = Severity.WARNING
    when = frozenset({"tools", "functions"})

    def new_state(self):
        return _Definitions()

    def observe(self, state, ex):
        tools = state.tools
        for name, key, definition in _definitions(ex):
            variants = tools.get(name)
            if variants is None:
                if len(tools) >= _MAX_TOOLS:
                    continue
                variants = tools[name] = {}
            variant = variants.get(key)
            if variant is not None:
                variant.count += 1
            elif len(variants) < _MAX_VARIANTS:
                state.see(ex)
                variants[key] = _Variant(definition, 1, loc(ex))

    def relocate(self, state, move):
        state.move_paths(move)
        for variants in state.tools.values():
            for variant in variants.values():
                variant.first = moved(variant.first, move)
        return state

    def merge(self, first, second):
        first.merge_paths(second)
        for name, theirs in second.tools.items():
            mine = first.tools.get(name)
            if mine is None:
                if len(first.tools) < _MAX_TOOLS:
                    first.tools[name] = theirs
                continue
            for key, variant in theirs.items():
                if key in mine:
                    mine[key].count += variant.count
                    mine[key].first = min(mine[key].first, variant.first)
                elif len(mine) < _MAX_VARIANTS:
                    mine[key] = variant
        return first

    def finish(self, state):
        out = []
        for name, variants in state.tools.items():
            if len(variants) < 2:
                continue
            ordered = sorted(variants.values(), key=lambda v: v.first)
            main = max(ordered, key=lambda v: v.count)  # the most used; the earliest of equals
            for variant in ordered:
                if variant is main:
                    continue
                path, line = state.where(variant.first)
                at = state.cite(main.first, path)
                parts = _differences(main.definition, variant.definition)
                out.append(Finding(
                    "", f"tool {show(name)} is defined {len(variants)} ways in the data: {variant.count} example(s) "
                    f"use this definition, {main.count} the one at {at}; it differs in "
                    f"{', '.join(parts[:4]) or 'number formatting'}{' and more' if len(parts) > 4 else ''}",
                    f"give every example the definition of {show(name)} you will send at inference",
                    path=path, line=line))
        return out


RULES = (SystemPromptInconsistent, ToolDefinitionsInconsistent)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
