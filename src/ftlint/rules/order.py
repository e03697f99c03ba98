"""FT2xx: the order of a conversation: assistant answers, system position, turns, tool round trips."""

from __future__ import annotations

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import name, show
from ..rule import Option, Rule


class MissingAssistant(Rule):
    code = "FT201"
    name = "missing-assistant-message"
    summary = "An SFT example has no assistant message"
    formats = frozenset({"sft"})

    def check(self, ex):
        roles = ex.roles
        if roles and "assistant" not in roles:
            pointer, _ = ex.conversation
            return (Finding(pointer, f"example has no assistant message (roles: {', '.join(map(name, roles))}); "
                            "there is nothing to train on",
                            "add the assistant answer the model should learn as the last message"),)
        return None


class LastMessageNotAssistant(Rule):
    code = "FT202"
    name = "last-message-not-assistant"
    summary = "Messages after the last assistant message are never trained"
    severity = Severity.WARNING
    formats = frozenset({"sft"})

    def check(self, ex):
        roles = ex.roles
        if not roles or roles[-1] == "assistant" or "assistant" not in roles:
            return None
        pointer, _ = ex.conversation
        last = len(roles) - 1
        return (Finding(f"{pointer}/{last}", f"the conversation ends with a {name(roles[-1])} message; what follows "
                        "the last assistant message is never trained",
                        "end the example with the assistant answer, or drop the trailing messages"),)


class SystemNotFirst(Rule):
    code = "FT203"
    name = "system-not-first"
    summary = "A system message that is not the first message"
    severity = Severity.WARNING

    def check(self, ex):
        if "system" not in ex.roles[1:]:
            return None
        out = None
        pointer, _ = ex.conversation
        for i, role in enumerate(ex.roles):
            if role == "system" and i > 0:
                out = out or []
                out.append(Finding(f"{pointer}/{i}", f"system message at position {i + 1}; a system prompt "
                                   "belongs at the start, as it will be at inference",
                                   "move the instructions into the first message"))
        return out


class ConsecutiveSameRole(Rule):
    code = "FT204"
    name = "consecutive-same-role"
    summary = "Two messages in a row from the same role"
    severity = Severity.WARNING
    options = {"roles": Option(["system", "user", "assistant"], "Roles that must not follow themselves.",
                               list, item_type=str)}

    def configure(self):
        self._roles = frozenset(self.opts["roles"])

    def check(self, ex):
        out = None
        roles = ex.roles
        pointer, _ = ex.conversation
        for i in range(1, len(roles)):
            role = roles[i]
            if type(role) is str and role == roles[i - 1] and role in self._roles:
                out = out or []
                out.append(Finding(f"{pointer}/{i}", f"two {role} messages in a row (positions {i} and {i + 1})",
                                   f"merge the two {role} messages into one"))
        return out


def _conversation_call_ids(ex) -> list:
    """The tool-call ids of each conversation message (empty for messages that call nothing)."""
    return ex._memo("conversation_call_ids", lambda: [
        _call_ids(m) if type(m) is dict and "tool_calls" in m else [] for m in ex.messages])


def _call_ids(message: dict) -> list:
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return []
    # Ids that are not strings are FT403's to report; here they answer nothing.
    return [c.get("id") if isinstance(c.get("id"), str) else None for c in calls if isinstance(c, dict)]


class ToolMessageWithoutCall(Rule):
    code = "FT205"
    name = "tool-message-without-call"
    summary = "A tool message that answers no earlier tool call"
    when = frozenset({"role:tool"})

    def check(self, ex):
        if "tool" not in ex.roles:
            return None
        out = None
        seen: set = set()
        pointer, messages = ex.conversation
        ids = _conversation_call_ids(ex)
        for i, role in enumerate(ex.roles):
            if role == "assistant":
                seen.update(ids[i])
            elif role == "tool" and type(messages[i]) is dict:
                m = messages[i]
                call_id = m.get("tool_call_id")
                problem = None
                if call_id is None:
                    problem = ("tool message has no 'tool_call_id'",
                               "set tool_call_id to the id of the assistant tool call it answers")
                elif not isinstance(call_id, str):
                    problem = (f"tool_call_id must be a string, got {show(call_id)}",
                               "set tool_call_id to the id of the assistant tool call it answers")
                elif call_id not in seen:
                    problem = (f"tool_call_id {show(call_id)} matches no tool call of an earlier assistant message",
                               "answer only calls made earlier in the conversation, with the call's id")
                if problem:
                    out = out or []
                    out.append(Finding(f"{pointer}/{i}/tool_call_id" if call_id is not None else f"{pointer}/{i}",
                                       *problem))
        return out


class UnansweredToolCall(Rule):
    code = "FT206"
    name = "unanswered-tool-call"
    summary = "A tool call the conversation goes on without answering"
    when = frozenset({"tool_calls"})
    severity = Severity.WARNING

    def check(self, ex):
        if "tool_calls" not in ex.message_keys:
            return None
        messages = ex.messages
        out = None
        pointer, _ = ex.conversation
        all_ids = _conversation_call_ids(ex)
        last = len(messages) - 1
        for i in range(len(messages)):
            if i == last or not all_ids[i]:
                continue
            ids = [c for c in all_ids[i] if c is not None]
            if not ids:
                continue
            answered = set()
            j = i + 1
            while j < len(messages) and isinstance(messages[j], dict) and messages[j].get("role") == "tool":
                answer = messages[j].get("tool_call_id")
                if isinstance(answer, str):
                    answered.add(answer)
                j += 1
            for k, call_id in enumerate(ids):
                if call_id not in answered:
                    out = out or []
                    out.append(Finding(f"{pointer}/{i}/tool_calls/{k}", f"tool call {show(call_id)} is not answered "
                                       "by a tool message before the conversation goes on",
                                       "add a tool message with this tool_call_id right after the assistant message"))
        return out


class DuplicateToolCallId(Rule):
    code = "FT207"
    name = "duplicate-tool-call-id"
    summary = "Two tool calls in one assistant message share an id"
    when = frozenset({"tool_calls"})
    severity = Severity.WARNING

    def check(self, ex):
        if "tool_calls" not in ex.message_keys:
            return None
        out = None
        for i, m in enumerate(ex.flat_messages):
            ids = _call_ids(m)
            if len(ids) > 1:
                seen: set = set()
                for k, call_id in enumerate(ids):
                    if call_id in seen and isinstance(call_id, str):
                        out = out or []
                        out.append(Finding(f"{ex.pointer_of(i)}/tool_calls/{k}/id",
                                           f"tool call id {show(call_id)} is used "
                                           "twice in one message, so tool answers cannot be matched to calls",
                                           "give each call in the message its own id"))
                    seen.add(call_id)
        return out


RULES = (MissingAssistant, LastMessageNotAssistant, SystemNotFirst, ConsecutiveSameRole,
         ToolMessageWithoutCall, UnansweredToolCall, DuplicateToolCallId)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
