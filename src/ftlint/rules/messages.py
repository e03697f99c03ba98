"""FT1xx: the structure of messages: the list, roles, content, content parts, keys and names."""

from __future__ import annotations

from itertools import repeat

from ..diagnostics import Finding, Severity
from ..example import (
    CHAT_ROLES,
    DPO_INPUT_KEYS,
    DPO_LEGACY_OUTPUT_KEYS,
    DPO_TOP_KEYS,
    RFT_ROLES,
    SFT_TOP_KEYS,
    pointer_token,
)
from ..hookspecs import hookimpl
from ..quote import closest, kind_of, name, show, with_article
from ..rule import Fix, Option, Rule
from .edits import edit_messages, without_keys

WITH_RFT = frozenset({"sft", "dpo", "rft"})
ROLE_ALIASES = {"human": "user", "gpt": "assistant", "bot": "assistant", "model": "assistant",
                "ai": "assistant", "chatbot": "assistant", "prompter": "user", "sys": "system",
                "function_response": "tool", "ipython": "tool"}
#: The roles a fix renames without asking: ShareGPT's two, whose meaning is not in doubt.
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant"}
MESSAGE_KEYS = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "weight", "tool_calls", "function_call", "refusal"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
UNSUPPORTED_KEYS = {"audio": "audio output is not supported for fine-tuning"}
UNSUPPORTED_PARTS = {"input_audio": "audio input", "file": "file input", "audio": "audio"}
PART_KEYS = {"text": frozenset({"type", "text"}), "image_url": frozenset({"type", "image_url"}),
             "refusal": frozenset({"type", "refusal"})}
DETAILS = ("auto", "low", "high")
NONE = type(None)
PLAIN_CONTENT = frozenset({str, list, NONE})
COMMON_KEYS = frozenset({"role", "content", "name", "weight"})


def roles_for(kind: str) -> tuple[str, ...]:
    return RFT_ROLES if kind == "rft" else CHAT_ROLES


def _desc(value) -> str:
    return kind_of(value)


class InvalidMessagesList(Rule):
    code = "FT101"
    name = "invalid-messages-list"
    summary = "The messages list is missing, not a list, or empty"
    formats = WITH_RFT

    def check(self, ex):
        if ex.kind == "dpo" and not isinstance(ex.data.get("input"), dict):
            return None  # FT501 reports the missing input
        pointer, value = ex.conversation
        key = "input.messages" if ex.kind == "dpo" else "messages"
        if value is None and (ex.kind != "dpo" or "messages" not in ex.data["input"]):
            return (Finding(pointer, f"'{key}' is missing", f'add "{key}": a list of message objects'),)
        if not isinstance(value, list):
            return (Finding(pointer, f"'{key}' must be a list of messages, got {_desc(value)}",
                            f'write "{key}": [{{"role": "user", "content": ...}}, ...]'),)
        if not value:
            return (Finding(pointer, f"'{key}' is empty", "add at least a user and an assistant message"),)
        return None


class MessageNotObject(Rule):
    code = "FT102"
    name = "message-not-object"
    summary = "A message is not a JSON object"
    formats = WITH_RFT
    when = frozenset({"message:not-object"})

    def check(self, ex):
        out = []
        for pointer, messages, _ in ex.message_lists:
            for i, m in enumerate(messages):
                if not isinstance(m, dict):
                    out.append(Finding(f"{pointer}/{i}", f"message is {_desc(m)}, not an object",
                                       'write each message as {"role": ..., "content": ...}'))
        return out


class UnknownRole(Rule):
    code = "FT103"
    name = "unknown-role"
    summary = "A message has no role or a role the format does not know"
    formats = WITH_RFT
    quiet_roles = (frozenset(CHAT_ROLES) | {"developer"}, frozenset(RFT_ROLES))
    autofix = Fix("rename ShareGPT's roles: human to user, gpt to assistant")

    def repair(self, ex, state):
        if not SHAREGPT_ROLES.keys() & {r for r in ex.roles or () if type(r) is str}:
            return None
        return edit_messages(ex, lambda m: {**m, "role": SHAREGPT_ROLES[m["role"]]}
                             if type(m.get("role")) is str and m["role"] in SHAREGPT_ROLES else None)

    def check(self, ex):
        allowed = roles_for(ex.kind)
        try:
            if self.quiet_roles[ex.kind == "rft"].issuperset(ex.roles):
                return None
        except TypeError:  # an unhashable role: report it below
            pass
        out = []
        pointer, value = ex.conversation
        if not isinstance(value, list):
            return None
        for i, m in enumerate(value):
            if not isinstance(m, dict):
                continue
            role = m.get("role")
            if role in allowed or (role == "developer" and ex.kind != "rft"):
                continue
            where = f"{pointer}/{i}"
            if "role" not in m:
                out.append(Finding(where, "message has no 'role' (the server says: Discriminator 'role' is "
                                   "missing in value)", f"add \"role\": one of {', '.join(allowed)}"))
                continue
            if not isinstance(role, str):
                out.append(Finding(where + "/role", f"role must be a string, got {_desc(role)}",
                                   f"use one of {', '.join(allowed)}"))
                continue
            guess = ROLE_ALIASES.get(role.lower()) or (role.lower() if role.lower() in allowed else None)
            if guess is None:
                guess = closest(role.lower(), allowed)
            if ex.kind == "rft" and role == "system":
                guess = "developer"
            fix = f'use "role": "{guess}"' if guess else f"use one of {', '.join(allowed)}"
            fmt = "RFT" if ex.kind == "rft" else "chat fine-tuning"
            out.append(Finding(where + "/role", f"unknown role {show(role)}; {fmt} messages take "
                               f"{', '.join(allowed)}", fix, fixable=role in SHAREGPT_ROLES))
        return out


class DeveloperRole(Rule):
    code = "FT104"
    name = "developer-role"
    summary = "The developer role in SFT or DPO data"
    once_per_file = True
    when = frozenset({"role:developer"})
    severity = Severity.WARNING

    def check(self, ex):
        if "developer" not in map(dict.get, ex.flat_messages, repeat("role")):
            return None
        out = []
        for i, m in enumerate(ex.flat_messages):
            if m.get("role") == "developer":
                out.append(Finding(ex.pointer_of(i) + "/role", "the 'developer' role is not in the SFT/DPO message "
                                   "schema (only RFT takes it); the server may reject or reinterpret it",
                                   'use "role": "system" for instructions in SFT and DPO data'))
        return out


def _has_call(m: dict) -> bool:
    return bool(m.get("tool_calls")) or bool(m.get("function_call"))


class MissingContent(Rule):
    code = "FT105"
    name = "missing-content"
    summary = "A message has no content"
    when = frozenset({"content:null"})
    formats = WITH_RFT

    def check(self, ex):
        out = None
        for i, (m, content) in enumerate(zip(ex.flat_messages, ex.contents)):
            if content is not None:
                continue
            role = m.get("role")
            pointer = ex.pointer_of(i)
            if role == "assistant":
                if _has_call(m) or (isinstance(m.get("refusal"), str) and m["refusal"]):
                    continue
                msg = "assistant message has no content and no tool_calls or function_call"
                fix = "give the assistant message content, or the tool_calls it makes"
            elif role == "function" and "content" in m:
                continue  # legacy function results may be null
            elif isinstance(role, str) and role in MESSAGE_KEYS:
                what = "null content" if "content" in m else "no 'content'"
                msg = f"{role} message has {what}"
                fix = f"give the {role} message a non-empty string content"
            else:
                continue  # FT103 reports a missing or unknown role
            out = out or []
            out.append(Finding(pointer + ("/content" if "content" in m else ""), msg, fix))
        return out


class EmptyContent(Rule):
    code = "FT106"
    name = "empty-content"
    summary = "A message's content is an empty string or an empty list"
    formats = WITH_RFT
    when = frozenset({"content:empty"})

    def check(self, ex):
        out = None
        for i, (m, content) in enumerate(zip(ex.flat_messages, ex.contents)):
            if (content == "" or content == []) and not _has_call(m):
                pointer = ex.pointer_of(i)
                out = out or []
                kind = "an empty string" if content == "" else "an empty list"
                out.append(Finding(pointer + "/content", f"{name(m.get('role', 'message'))} content is {kind}",
                                   "write the text of the message, or remove the message"))
        return out


class WhitespaceContent(Rule):
    code = "FT107"
    name = "whitespace-only-content"
    summary = "A message's content is only whitespace"
    severity = Severity.WARNING
    formats = WITH_RFT

    def check(self, ex):
        if ex.content_types <= {str, NONE} and not any(map(str.isspace, filter(None, ex.contents))):
            return None
        out = None
        for i, (m, content) in enumerate(zip(ex.flat_messages, ex.contents)):
            if isinstance(content, str):
                if content and not content.strip():
                    pointer = ex.pointer_of(i)
                    out = out or []
                    out.append(Finding(pointer + "/content", f"{name(m.get('role', 'message'))} content is only "
                                       "whitespace", "write the text of the message, or remove the message"))
        for where, _, part in ex.content_parts():
            if isinstance(part, dict) and part.get("type") == "text":
                text = part.get("text")
                if isinstance(text, str) and text and not text.strip():
                    out = out or []
                    out.append(Finding(f"{where}/text", "text part is only whitespace",
                                       "write the text, or remove the part"))
        return out


class InvalidContentType(Rule):
    code = "FT108"
    name = "invalid-content-type"
    summary = "A message's content is neither a string nor a list of parts"
    formats = WITH_RFT
    when = frozenset({"content:other"})

    def check(self, ex):
        out = None
        for i, m in enumerate(ex.flat_messages):
            content = m.get("content")
            if content is not None and not isinstance(content, (str, list)):
                out = out or []
                out.append(Finding(ex.pointer_of(i) + "/content", f"content must be a string or a list of content "
                                   f"parts, got {_desc(content)}",
                                   "write the content as a string (JSON-encode structured data into it)"))
        return out


def _image_url_problem(part: dict) -> str | None:
    image = part.get("image_url")
    if not isinstance(image, dict):
        return f"image_url must be an object {{\"url\": ...}}, got {_desc(image)}"
    url = image.get("url")
    if not isinstance(url, str) or not url:
        return "image_url has no 'url'"
    if not url.startswith(("https://", "http://", "data:image/")):
        return f"image url must be an http(s) URL or a data:image/... base64 URL, got {show(url, 40)}"
    if url.startswith("data:image/") and ";base64," not in url[:64]:
        return "data URL must be base64-encoded (data:image/jpeg;base64,...)"
    detail = image.get("detail")
    if detail is not None and detail not in DETAILS:
        return f"image detail must be one of auto, low, high; got {show(detail)}"
    extra = set(image) - {"url", "detail"}
    if extra:
        return f"image_url has unknown key(s) {', '.join(show(k) for k in sorted(extra))}"
    return None


class InvalidContentPart(Rule):
    code = "FT109"
    name = "invalid-content-part"
    summary = "A content part is malformed or of a type fine-tuning does not take"
    when = frozenset({"content:list"})
    formats = WITH_RFT

    def check(self, ex):
        out = None
        for where, _, part in ex.content_parts():
            problem = fix = None
            written = part.get("type") if isinstance(part, dict) else None
            ptype = written if isinstance(written, (str, type(None))) else ""
            if not isinstance(part, dict):
                problem, fix = f"content part is {_desc(part)}, not an object", \
                    'write {"type": "text", "text": ...}'
            elif ptype in UNSUPPORTED_PARTS:
                problem = f"{UNSUPPORTED_PARTS[ptype]} parts are not supported for fine-tuning"
                fix = "remove the part; fine-tuning takes text and images only"
            elif ptype not in PART_KEYS:
                problem = (f"unknown content part type {show(written)}" if written is not None
                           else "content part has no 'type'")
                fix = "use type text, image_url (user messages) or refusal (assistant messages)"
            elif ptype == "text" and not isinstance(part.get("text"), str):
                problem, fix = "text part needs a string 'text'", 'write {"type": "text", "text": "..."}'
            elif ptype == "refusal" and not isinstance(part.get("refusal"), str):
                problem, fix = "refusal part needs a string 'refusal'", \
                    'write {"type": "refusal", "refusal": "..."}'
            elif ptype == "image_url":
                problem = _image_url_problem(part)
                fix = 'write {"type": "image_url", "image_url": {"url": "https://...", "detail": "low"}}'
            if problem is None and isinstance(part, dict) and ptype in PART_KEYS:
                extra = set(part) - PART_KEYS[ptype]
                if extra:
                    problem = f"{ptype} part has unknown key(s) {', '.join(sorted(extra))}"
                    fix = "remove the extra keys"
            if problem:
                out = out or []
                out.append(Finding(where, problem, fix))
        return out


class ContentPartNotAllowed(Rule):
    code = "FT110"
    name = "content-part-not-allowed"
    summary = "A content part in a message whose role does not take it"
    when = frozenset({"content:list"})
    formats = WITH_RFT

    def check(self, ex):
        out = None
        for i, m in enumerate(ex.flat_messages):
            content = m.get("content")
            if not isinstance(content, list):
                continue
            role = m.get("role")
            types = [p.get("type") if isinstance(p, dict) else None for p in content]
            for j, ptype in enumerate(types):
                problem = None
                if ptype == "image_url" and role != "user":
                    problem = (f"images are only allowed in user messages, not in {name(role)} messages",
                               "move the image into a user message")
                elif ptype == "refusal" and role != "assistant":
                    problem = (f"refusal parts belong to assistant messages, not {name(role)}",
                               "write the text as a text part")
                if problem:
                    out = out or []
                    out.append(Finding(f"{ex.pointer_of(i)}/content/{j}", *problem))
            if role == "assistant" and "refusal" in types and len(types) > 1:
                out = out or []
                out.append(Finding(ex.pointer_of(i) + "/content", "assistant content must be text parts, or "
                                   "exactly one refusal part, not a mix",
                                   "keep a single refusal part, or only text parts"))
        return out


class TooManyImages(Rule):
    code = "FT111"
    name = "too-many-images"
    summary = "More images in one example than the provider allows"
    when = frozenset({"content:list"})
    options = {"max-images": Option(10, "Most images allowed in one example (OpenAI: 10; Azure OpenAI: 64).", min=0)}

    def check(self, ex):
        count = 0
        first = None
        for where, _, part in ex.content_parts():
            if isinstance(part, dict) and part.get("type") == "image_url":
                count += 1
                if count == self.opts["max-images"] + 1:
                    first = where
        if first is None:
            return None
        return (Finding(first, f"example has {count} images; at most {self.opts['max-images']} are allowed "
                        "per example", "split the example or drop images"),)


class UnknownTopLevelKey(Rule):
    code = "FT112"
    name = "unknown-top-level-key"
    summary = "A top-level key the format does not define"
    once_per_file = True

    # Keys with a rule of their own: top-level weight (FT304) and *_completion (FT505).
    handled = frozenset({"weight"}) | DPO_LEGACY_OUTPUT_KEYS
    autofix = Fix("remove the unknown key (unsafe: its value is lost)", safe=False)

    def repair(self, ex, state):
        data = ex.data
        allowed = SFT_TOP_KEYS if ex.kind == "sft" else DPO_TOP_KEYS
        new = without_keys(data, lambda k: k not in allowed and k not in self.handled)
        inp = data.get("input")
        if ex.kind == "dpo" and type(inp) is dict:
            kept = without_keys(inp, lambda k: k not in DPO_INPUT_KEYS)
            if kept is not None:
                new = new if new is not None else dict(data)
                new["input"] = kept
        return new

    def check(self, ex):
        data = ex.data
        allowed = SFT_TOP_KEYS if ex.kind == "sft" else DPO_TOP_KEYS
        if data.keys() <= allowed and (ex.kind == "sft" or not isinstance(data.get("input"), dict)
                                       or data["input"].keys() <= DPO_INPUT_KEYS):
            return None
        out = None
        for key in data:
            if key not in allowed and key not in self.handled:
                out = out or []
                out.append(Finding("/" + pointer_token(key), f"unknown top-level key {show(key)}; the server "
                                   "rejects extra keys "
                                   f"('Example N contains an extra {show(key)}'). Allowed: "
                                   f"{', '.join(sorted(allowed))}",
                                   "remove the key (keep ids and metadata in a separate file)"))
        if ex.kind == "dpo" and isinstance(data.get("input"), dict):
            for key in data["input"]:
                if key not in DPO_INPUT_KEYS:
                    out = out or []
                    out.append(Finding("/input/" + pointer_token(key), f"unknown key {show(key)} in input; allowed: "
                                       f"{', '.join(sorted(DPO_INPUT_KEYS))}", "remove the key"))
        return out


class UnknownMessageKey(Rule):
    code = "FT113"
    name = "unknown-message-key"
    summary = "A message key its role does not define"
    severity = Severity.WARNING
    once_per_file = True
    formats = WITH_RFT
    autofix = Fix("remove the unknown key (unsafe: its value is lost)", safe=False)

    def repair(self, ex, state):
        if ex.message_keys <= COMMON_KEYS:
            return None

        def change(m):
            role = m.get("role")
            allowed = MESSAGE_KEYS.get(role) if type(role) is str else None
            return None if allowed is None else without_keys(m, lambda k: k not in allowed and k != "weight")

        return edit_messages(ex, change)

    def check(self, ex):
        if ex.message_keys <= COMMON_KEYS:
            return None
        out = None
        for i, m in enumerate(ex.flat_messages):
            role = m.get("role")
            allowed = MESSAGE_KEYS.get(role) if type(role) is str else None
            if allowed is None:
                continue
            for key in m:
                if key not in allowed and key != "weight":  # FT301 owns misplaced weights
                    out = out or []
                    why = UNSUPPORTED_KEYS.get(key) or f"{m['role']} messages take {', '.join(sorted(allowed))}"
                    out.append(Finding(f"{ex.pointer_of(i)}/{pointer_token(key)}",
                                       f"unknown key {show(key)} in {with_article(m['role'])} message; {why}",
                                       "remove the key"))
        return out


class InvalidName(Rule):
    code = "FT114"
    name = "invalid-name"
    summary = "A message name that is not a non-empty string"
    when = frozenset({"name", "role:function"})
    formats = WITH_RFT

    def check(self, ex):
        if "name" not in ex.message_keys and "function" not in ex.roles:
            return None
        out = None
        for i, m in enumerate(ex.flat_messages):
            if "name" in m:
                name = m["name"]
                if not isinstance(name, str) or not name.strip():
                    out = out or []
                    where = ex.pointer_of(i) + "/name"
                    out.append(Finding(where, f"name must be a non-empty string, got {ex.quote(name, where)}",
                                       "remove the name or set it to the participant's name"))
            elif m.get("role") == "function":
                out = out or []
                out.append(Finding(ex.pointer_of(i), "function message has no 'name'",
                                   "add the name of the function whose result this is"))
        return out


RULES = (InvalidMessagesList, MessageNotObject, UnknownRole, DeveloperRole, MissingContent, EmptyContent,
         WhitespaceContent, InvalidContentType, InvalidContentPart, ContentPartNotAllowed, TooManyImages,
         UnknownTopLevelKey, UnknownMessageKey, InvalidName)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
