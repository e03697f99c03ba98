"""FT4xx: tool and function definitions and the calls assistant messages make."""

from __future__ import annotations

import json
import re

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import kind_of, show
from ..rule import FileRule, Fix, Rule
from .edits import edit_messages

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
FUNCTION_KEYS = frozenset({"name", "description", "parameters", "strict"})
JSON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
              "array": (list,), "object": (dict,), "null": (type(None),)}


class _Block:
    """What a tools/functions block declares. Blocks repeat on every line of a dataset, so each
    distinct block is analysed once per run and shared (keyed by its serialised form)."""

    __slots__ = ("definitions", "names", "schemas", "findings")

    def __init__(self, ex) -> None:
        self.definitions = list(_iter_definitions(ex))
        self.names = ex.declared_tool_names
        self.schemas = {fn["name"]: fn["parameters"] for _, fn, _ in self.definitions if fn is not None
                        and isinstance(fn.get("name"), str) and isinstance(fn.get("parameters"), dict)}
        self.findings: dict[str, list] = {}  # rule code -> findings that depend on the block only


_BLOCKS: dict[tuple[str, bytes], _Block] = {}
_MAX_BLOCKS = 256


def _block(ex) -> _Block:
    def compute() -> _Block:
        tools_key = ex.tools_key
        if tools_key is None:
            return _Block(ex)
        key = (ex.tools_container[0], tools_key)  # findings carry the block's pointer prefix
        block = _BLOCKS.get(key)
        if block is None:
            if len(_BLOCKS) >= _MAX_BLOCKS:
                _BLOCKS.clear()
            block = _BLOCKS[key] = _Block(ex)
        return block

    return ex._memo("tool_block", compute)


def _definitions(ex):
    return _block(ex).definitions


def _calls(ex):
    return ex._memo("tool_calls", lambda: list(_iter_calls(ex)))


class _Unparsable:
    __slots__ = ("error",)

    def __init__(self, error: str) -> None:
        self.error = error


def _arguments(ex) -> list:
    """The decoded arguments of each call in :func:`_calls`, or an _Unparsable, decoded once."""

    def compute() -> list:
        out = []
        for _, _, args, _ in _calls(ex):
            if not isinstance(args, str):
                out.append(_Unparsable("not a string"))
                continue
            try:
                out.append(json.loads(args))
            except (ValueError, RecursionError) as exc:
                out.append(_Unparsable(str(exc)))
        return out

    return ex._memo("tool_arguments", compute)


def _iter_definitions(ex):
    """Yield (pointer, function-object-or-None, problem) for every tool and legacy function."""
    prefix, holder = ex.tools_container
    tools = holder.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            yield f"{prefix}/tools", None, "'tools' must be a list of tool definitions"
        else:
            for i, t in enumerate(tools):
                where = f"{prefix}/tools/{i}"
                if not isinstance(t, dict):
                    yield where, None, "tool definition must be an object"
                elif t.get("type") != "function":
                    yield where, None, f"tool type must be \"function\", got {show(t.get('type'))}"
                elif not isinstance(t.get("function"), dict):
                    yield where, None, "tool definition needs a 'function' object"
                else:
                    extra = set(t) - {"type", "function"}
                    yield f"{where}/function", t["function"], (
                        f"unknown key(s) {', '.join(sorted(extra))} in the tool definition" if extra else None)
    functions = holder.get("functions")
    if functions is not None:
        if not isinstance(functions, list) or not 1 <= len(functions) <= 128:
            yield f"{prefix}/functions", None, "'functions' must be a list of 1 to 128 function definitions"
        else:
            for i, f in enumerate(functions):
                if not isinstance(f, dict):
                    yield f"{prefix}/functions/{i}", None, "function definition must be an object"
                else:
                    yield f"{prefix}/functions/{i}", f, None


def _iter_calls(ex):
    """Yield (pointer, name-or-None, arguments, call-object) for every tool call and function call."""
    for i, m in enumerate(ex.flat_messages):
        calls = m.get("tool_calls")
        if isinstance(calls, list):
            for k, c in enumerate(calls):
                if isinstance(c, dict) and isinstance(c.get("function"), dict):
                    fn = c["function"]
                    yield f"{ex.pointer_of(i)}/tool_calls/{k}/function", fn.get("name"), fn.get("arguments"), fn
        fc = m.get("function_call")
        if isinstance(fc, dict):
            yield f"{ex.pointer_of(i)}/function_call", fc.get("name"), fc.get("arguments"), fc


class InvalidToolDefinition(Rule):
    code = "FT401"
    name = "invalid-tool-definition"
    summary = "A malformed tool or function definition"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})

    def check(self, ex):
        block = _block(ex)
        found = block.findings.get(self.code)
        if found is None:
            found = block.findings[self.code] = self.analyse(block.definitions)
        return found

    @staticmethod
    def analyse(definitions) -> list:
        out = []
        seen: set = set()
        for where, fn, problem in definitions:
            problems = [problem] if problem else []
            if fn is not None:
                name = fn.get("name")
                if not isinstance(name, str):
                    problems.append("function definition needs a string 'name'")
                elif name in seen:
                    problems.append(f"function {show(name)} is declared twice")
                else:
                    seen.add(name)
                if "description" in fn and not isinstance(fn["description"], str):
                    problems.append("'description' must be a string")
                params = fn.get("parameters")
                if params is not None and (not isinstance(params, dict) or params.get("type", "object") != "object"):
                    problems.append("'parameters' must be a JSON Schema object ({\"type\": \"object\", ...})")
                if "strict" in fn and not isinstance(fn["strict"], bool):
                    problems.append("'strict' must be true or false")
                extra = set(fn) - FUNCTION_KEYS
                if extra:
                    problems.append(f"unknown key(s) {', '.join(sorted(extra))} in the function definition")
            for p in problems:
                out.append(Finding(where, p, 'define tools as {"type": "function", "function": {"name": ..., '
                                   '"description": ..., "parameters": {"type": "object", ...}}}'))
        return out


class InvalidToolName(Rule):
    code = "FT402"
    name = "invalid-tool-name"
    summary = "A tool or function name with characters or a length the API refuses"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})

    def check(self, ex):
        block = _block(ex)
        declared = block.findings.get(self.code)
        if declared is None:
            declared = block.findings[self.code] = self.analyse(
                (w + "/name", fn.get("name")) for w, fn, _ in block.definitions if fn is not None)
        calls = self.analyse((w + "/name", name) for w, name, _, _ in _calls(ex))
        return declared + calls if calls else declared

    @staticmethod
    def analyse(names) -> list:
        out = []
        for where, name in names:
            if isinstance(name, str) and not NAME_RE.match(name):
                fixed = re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "tool"
                out.append(Finding(where, f"tool name {show(name)} must be 1-64 characters of a-z, A-Z, 0-9, _ and -",
                                   f"rename it, e.g. to {show(fixed)}, in the definition and in every call"))
        return out


class InvalidToolCall(Rule):
    code = "FT403"
    name = "invalid-tool-call"
    summary = "A malformed tool_calls entry or function_call"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})

    def check(self, ex):
        out = []
        for i, m in enumerate(ex.flat_messages):
            if "tool_calls" in m:
                calls = m["tool_calls"]
                if not isinstance(calls, list) or not calls:
                    out.append(Finding(ex.pointer_of(i) + "/tool_calls", "'tool_calls' must be a non-empty list",
                                       "remove the key, or list the calls"))
                    continue
                for k, c in enumerate(calls):
                    where = f"{ex.pointer_of(i)}/tool_calls/{k}"
                    fix = '{"id": "call_1", "type": "function", "function": {"name": ..., "arguments": "{...}"}}'
                    if not isinstance(c, dict):
                        out.append(Finding(where, "tool call must be an object", fix))
                        continue
                    if not isinstance(c.get("id"), str) or not c.get("id"):
                        out.append(Finding(where, "tool call needs a string 'id' that tool messages answer", fix))
                    if c.get("type") != "function":
                        out.append(Finding(where, f"tool call type must be \"function\", got {show(c.get('type'))}"
                                           + ("; custom tool calls are not documented for fine-tuning"
                                              if c.get("type") == "custom" else ""), fix))
                    fn = c.get("function")
                    if not isinstance(fn, dict):
                        out.append(Finding(where, "tool call needs a 'function' object with name and arguments", fix))
                    elif not isinstance(fn.get("name"), str):
                        out.append(Finding(where + "/function", "tool call function needs a string 'name'", fix))
                    elif "arguments" not in fn:
                        out.append(Finding(where + "/function", "tool call function needs 'arguments'", fix))
            if "function_call" in m:
                fc = m["function_call"]
                fix = '{"name": ..., "arguments": "{...}"}'
                if not isinstance(fc, dict):
                    out.append(Finding(ex.pointer_of(i) + "/function_call", "function_call must be an object", fix))
                elif not isinstance(fc.get("name"), str) or "arguments" not in fc:
                    out.append(Finding(ex.pointer_of(i) + "/function_call", "function_call needs a string 'name' and "
                                       "'arguments'", fix))
        return out


class InvalidArguments(Rule):
    code = "FT404"
    name = "invalid-tool-arguments"
    summary = "Tool call arguments that are not a JSON-encoded object"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})
    autofix = Fix("write arguments given as a JSON object as the JSON string of that object")

    def repair(self, ex, state):
        return edit_messages(ex, _encoded_arguments)

    def check(self, ex):
        out = None
        for (where, _, args, fn), value in zip(_calls(ex), _arguments(ex)):
            if "arguments" not in fn:
                continue
            problem = None
            if not isinstance(args, str):
                problem = (f"arguments must be a JSON-encoded string, got {kind_of(args)}",
                           "encode the arguments object as a string with json.dumps")
            elif isinstance(value, _Unparsable):
                problem = (f"arguments are not valid JSON: {value.error}", "fix the JSON inside the arguments string")
            elif isinstance(value, str):
                problem = ("arguments are JSON-encoded twice (the string decodes to another string)",
                           "encode the arguments object once")
            elif not isinstance(value, dict):
                problem = (f"arguments must encode an object, got {kind_of(value)}",
                           'wrap the values in an object, e.g. "{\\"value\\": ...}"')
            if problem:
                out = out or []
                out.append(Finding(where + "/arguments", *problem, fixable=type(args) is dict))
        return out


def _encode(fn) -> dict | None:
    if type(fn) is dict and type(fn.get("arguments")) is dict:
        return {**fn, "arguments": json.dumps(fn["arguments"], ensure_ascii=False)}
    return None


def _encoded_arguments(m: dict) -> dict | None:
    """The message with every call's arguments object written as its JSON string; None if none is."""
    new = None
    calls = m.get("tool_calls")
    if type(calls) is list:
        edited = [({**c, "function": f} if (f := _encode(c.get("function"))) is not None else c)
                  if type(c) is dict else c for c in calls]
        if any(a is not b for a, b in zip(edited, calls)):
            new = {**m, "tool_calls": edited}
    fc = _encode(m.get("function_call"))
    if fc is not None:
        new = {**(new or m), "function_call": fc}
    return new


class UndeclaredTool(Rule):
    code = "FT405"
    name = "undeclared-tool"
    summary = "A call to a tool the example does not declare"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})
    severity = Severity.WARNING

    def check(self, ex):
        out = None
        declared = _block(ex).names
        for where, name, _, _ in _calls(ex):
            if not isinstance(name, str) or (declared is not None and name in declared):
                continue
            out = out or []
            if declared is None:
                msg = f"call to {show(name)}, but the example declares no tools"
                fix = "add the tool definitions to 'tools', as they will be sent at inference"
            else:
                msg = (f"call to {show(name)}, which is not among the declared tools "
                       f"({', '.join(sorted(declared)) or 'none'})")
                fix = "declare the tool, or fix the name in the call"
            out.append(Finding(where + "/name", msg, fix))
        return out


def _schema_problems(value, schema: dict, path: str, out: list, depth: int = 0) -> None:
    if depth > 8 or not isinstance(schema, dict):
        return
    expected = schema.get("type")
    if isinstance(expected, str) and expected in JSON_TYPES:
        ok = isinstance(value, JSON_TYPES[expected]) and not (
            expected in ("integer", "number") and isinstance(value, bool))
        if expected == "integer" and isinstance(value, float) and value.is_integer():
            ok = True
        if not ok:
            out.append(f"{path or 'arguments'} should be {expected}, got {kind_of(value)}")
            return
    if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
        out.append(f"{path or 'arguments'} is {show(value)}, not one of {show(schema['enum'])}")
    if isinstance(value, dict):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        for key in required:
            if isinstance(key, str) and key not in value:
                out.append(f"required argument {path + '.' if path else ''}{key} is missing")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props:
                    out.append(f"argument {path + '.' if path else ''}{key} is not a declared parameter")
        for key, sub in props.items():
            if key in value:
                _schema_problems(value[key], sub, f"{path + '.' if path else ''}{key}", out, depth + 1)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _schema_problems(item, schema["items"], f"{path}[{i}]", out, depth + 1)


class ArgumentsSchemaMismatch(Rule):
    code = "FT406"
    name = "arguments-schema-mismatch"
    summary = "Tool call arguments that do not fit the declared parameters"
    when = frozenset({"tools", "functions", "function_call", "tool_calls"})
    severity = Severity.WARNING

    def check(self, ex):
        block = _block(ex)
        if block.names is None:
            return None
        schemas = block.schemas
        out = None
        for (where, name, _args, _), value in zip(_calls(ex), _arguments(ex)):
            schema = schemas.get(name) if isinstance(name, str) else None
            if schema is None or not isinstance(value, dict):
                continue  # FT404 reports arguments that are not an object
            problems: list[str] = []
            _schema_problems(value, schema, "", problems)
            for p in problems:
                out = out or []
                out.append(Finding(where + "/arguments", f"call to {show(name)}: {p}",
                                   "make the call's arguments match the tool's parameters"))
        return out


class LegacyFunctions(FileRule):
    code = "FT407"
    name = "legacy-functions"
    summary = "The deprecated functions / function_call format"
    when = frozenset({"function_call", "functions", "role:function"})
    severity = Severity.WARNING
    formats = frozenset({"sft", "dpo"})

    def start(self, ctx):
        return [0, 0]  # examples using it, first line

    def merge(self, first, second):
        return [first[0] + second[0], first[1] if first[0] else second[1]]

    def relocate(self, state, move):
        return [state[0], move.line(state[1])]

    def observe(self, state, ex):
        _, holder = ex.tools_container
        uses = "functions" in holder or "function_call" in ex.message_keys or "function" in ex.roles
        if uses:
            if not state[0]:
                state[1] = ex.line
            state[0] += 1
        return None

    def finish(self, state, ctx):
        if not state[0]:
            return None
        return (Finding("", f"{state[0]} example(s) use the deprecated functions / function_call / function-role "
                        "format; OpenAI deprecated it in favour of tools, and newer models may not train on it",
                        "use 'tools', assistant 'tool_calls' with ids, and 'tool' messages with tool_call_id",
                        line=state[1]),)


class InvalidParallelToolCalls(Rule):
    code = "FT408"
    name = "invalid-parallel-tool-calls"
    summary = "parallel_tool_calls that is not a boolean"
    when = frozenset({"parallel_tool_calls"})

    def check(self, ex):
        prefix, holder = ex.tools_container
        if "parallel_tool_calls" in holder and not isinstance(holder["parallel_tool_calls"], bool):
            return (Finding(f"{prefix}/parallel_tool_calls", f"parallel_tool_calls must be true or false, got "
                            f"{ex.quote(holder['parallel_tool_calls'], prefix + '/parallel_tool_calls')}",
                            "write true or false (no quotes)"),)
        return None


RULES = (InvalidToolDefinition, InvalidToolName, InvalidToolCall, InvalidArguments, UndeclaredTool,
         ArgumentsSchemaMismatch, LegacyFunctions, InvalidParallelToolCalls)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
