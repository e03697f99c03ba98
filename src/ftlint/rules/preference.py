"""FT5xx: preference (DPO) examples."""

from __future__ import annotations

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import kind_of, name, show
from ..rule import Fix, Rule

DPO = frozenset({"dpo"})
OUTPUTS = ("preferred_output", "non_preferred_output")


class InvalidPreferenceShape(Rule):
    code = "FT501"
    name = "invalid-preference-shape"
    summary = "A DPO example without an input object or output lists"
    formats = DPO

    def check(self, ex):
        data = ex.data
        out = []
        if not isinstance(data.get("input"), dict):
            got = "nothing" if "input" not in data else kind_of(data["input"])
            out.append(Finding("/input", f"'input' must be an object holding messages, got {got}",
                               'write "input": {"messages": [...]}'))
        for key in OUTPUTS:
            if key not in data:
                legacy = key.replace("_output", "_completion")
                if legacy not in data:  # FT505 reports the old name
                    out.append(Finding(f"/{key}", f"'{key}' is missing",
                                       f'add "{key}": [{{"role": "assistant", "content": ...}}]'))
            elif not isinstance(data[key], list):
                out.append(Finding(f"/{key}", f"'{key}' must be a list holding one assistant message",
                                   f'write "{key}": [{{"role": "assistant", "content": ...}}]'))
        return out


class OutputNotSingleAssistant(Rule):
    code = "FT502"
    name = "output-not-single-assistant"
    summary = "A DPO output that is not exactly one assistant message"
    formats = DPO

    def check(self, ex):
        out = []
        for key in OUTPUTS:
            value = ex.data.get(key)
            if not isinstance(value, list):
                continue
            if len(value) != 1:
                out.append(Finding(f"/{key}", f"'{key}' holds {len(value)} messages; {self.provider} trains DPO "
                                   "on exactly one assistant message per side",
                                   "keep only the final assistant message"))
            for i, m in enumerate(value):
                if isinstance(m, dict) and m.get("role") != "assistant":
                    out.append(Finding(f"/{key}/{i}/role", f"'{key}' messages must have role assistant, got "
                                       f"{show(m.get('role'))}", 'set "role": "assistant"'))
        return out


class InputNotEndingWithUser(Rule):
    code = "FT503"
    name = "input-not-ending-with-user"
    summary = "A DPO input that does not end with the user turn being answered"
    severity = Severity.WARNING
    formats = DPO

    def check(self, ex):
        roles = ex.roles
        if roles and roles[-1] not in ("user", "tool"):
            pointer, _ = ex.conversation
            return (Finding(f"{pointer}/{len(roles) - 1}", f"input ends with a {name(roles[-1])} message; the "
                            "preferred "
                            "and non-preferred outputs must answer the last user (or tool) message",
                            "end the input with the user message the outputs answer"),)
        return None


def _norm(message) -> object:
    if not isinstance(message, dict):
        return message
    content = message.get("content")
    if isinstance(content, str):
        content = " ".join(content.split())
    return (content, message.get("tool_calls"), message.get("function_call"), message.get("refusal"))


class IdenticalOutputs(Rule):
    code = "FT504"
    name = "identical-outputs"
    summary = "Preferred and non-preferred outputs are the same"
    severity = Severity.WARNING
    formats = DPO

    def check(self, ex):
        a, b = ex.data.get("preferred_output"), ex.data.get("non_preferred_output")
        if isinstance(a, list) and isinstance(b, list) and a and len(a) == len(b):
            if [_norm(m) for m in a] == [_norm(m) for m in b]:
                exact = "identical" if a == b else "identical apart from whitespace"
                return (Finding("/non_preferred_output", f"preferred and non-preferred outputs are {exact}; the "
                                "pair teaches nothing but is still billed",
                                "replace the non-preferred output with a worse answer, or drop the example"),)
        return None


class LegacyPreferenceKeys(Rule):
    code = "FT505"
    name = "legacy-preference-keys"
    summary = "preferred_completion / non_preferred_completion instead of *_output"
    formats = DPO
    autofix = Fix("rename preferred_completion and non_preferred_completion to preferred_output and "
                  "non_preferred_output (where the new name is not taken)")

    def repair(self, ex, state):
        data = ex.data
        names = {old: old.replace("_completion", "_output") for old in LEGACY if old in data}
        names = {old: new for old, new in names.items() if new not in data}
        return {names.get(k, k): v for k, v in data.items()} if names else None

    def check(self, ex):
        out = None
        for old in LEGACY:
            if old in ex.data:
                new = old.replace("_completion", "_output")
                out = out or []
                out.append(Finding(f"/{old}", f"'{old}' is the name from a 2025 draft of the API; the server "
                                   f"expects '{new}'", f'rename "{old}" to "{new}"', fixable=new not in ex.data))
        return out


LEGACY = ("preferred_completion", "non_preferred_completion")


class MultiTurnPreferenceInput(Rule):
    code = "FT506"
    name = "multi-turn-preference-input"
    summary = "A DPO input with earlier assistant turns"
    severity = Severity.WARNING
    once_per_file = True
    formats = DPO

    def check(self, ex):
        roles = ex.roles
        if "assistant" in roles[:-1] if roles else False:
            pointer, _ = ex.conversation
            i = roles.index("assistant")
            return (Finding(f"{pointer}/{i}", "input holds earlier assistant turns; OpenAI trains DPO \"on one-turn "
                            "conversations for each example\"",
                            "keep only the system and final user message in the input"),)
        return None


RULES = (InvalidPreferenceShape, OutputNotSingleAssistant, InputNotEndingWithUser, IdenticalOutputs,
         LegacyPreferenceKeys, MultiTurnPreferenceInput)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
