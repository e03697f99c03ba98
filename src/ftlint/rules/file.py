"""FT0xx: the file and its lines, before any format-specific check."""

from __future__ import annotations

import json
import math
import re
from array import array

from ..diagnostics import Finding, Severity
from ..example import FOREIGN_FORMATS, FORMAT_TITLES, METHOD_FORMAT, SFT_TOP_KEYS, foreign_format, pointer_token
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import DROP, FORMATS, FileRule, Fix, Option, Rule

PARSED = FORMATS - {"invalid"}
# A '":' ends a key unless its quote is escaped (inside strings every quote is). Literal patterns:
# the regex engine's literal search is several times faster than bytes.count for two bytes here.
QUOTE_COLON = re.compile(rb'":')
ESCAPED_QUOTE_COLON = re.compile(rb'\\":')
SIMPLE_KEYS = frozenset({"role", "content", "name", "weight"})
SIMPLE_CONTENT = frozenset({str, type(None)})
CHAT_FORMATS = frozenset({"sft", "dpo", "rft", "legacy"})


class _MergeFirst:
    """For file rules whose state carries nothing that parts of a file must combine."""

    def merge(self, first, second):
        return first

    def relocate(self, state, move):
        return state


class _MergeCounts:
    def merge(self, first, second):
        return first.merged(second)

    def relocate(self, state, move):
        state.first_line = move.line(state.first_line)
        return state


class _ParseErrorRule(Rule):
    """Reports lines whose parse error is of one kind."""

    formats = frozenset({"invalid"})
    error_kind = ""
    fix: str | None = None

    def check(self, ex):
        if ex.error.kind == self.error_kind:
            return (Finding("", self.message(ex), self.fix, column=ex.error.column),)
        return None

    def repair(self, ex, state):
        # a line that did not parse holds nothing a fix can keep: the fix removes it (listed)
        return DROP if ex.error.kind == self.error_kind else None

    def message(self, ex) -> str:
        return ex.error.message


class InvalidUtf8(_ParseErrorRule):
    code = "FT001"
    name = "invalid-utf8"
    summary = "Line is not valid UTF-8"
    error_kind = "utf8"
    autofix = Fix("remove the line (unsafe: its example is lost)", safe=False)
    fix = "re-encode the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) or remove the stray bytes"

    def message(self, ex):
        return f"line is not valid UTF-8: {ex.error.message}; JSONL must be UTF-8"


class ByteOrderMark(_MergeFirst, FileRule):
    code = "FT002"
    name = "byte-order-mark"
    summary = "File starts with a UTF-8 byte order mark"
    severity = Severity.WARNING  # what OpenAI does with one is undocumented; Azure OpenAI asks for one
    formats = frozenset()
    autofix = Fix("remove the byte order mark", rewrites="bom")

    def finish(self, state, ctx):
        if ctx.bom:
            return (Finding("", f"file starts with a UTF-8 byte order mark (EF BB BF); {self.provider} does not "
                            "document how it reads one, and JSON parsers that read the first line as it is reject "
                            "it ('Unexpected UTF-8 BOM')",
                            "save the file as UTF-8 without BOM, or ignore this rule if the file has trained "
                            "before", line=1, column=1),)
        return None


class BlankLine(_ParseErrorRule):
    code = "FT003"
    name = "blank-line"
    summary = "Blank line in a JSONL file"
    severity = Severity.WARNING
    error_kind = "blank"
    autofix = Fix("remove the blank line")
    fix = "delete the blank line; every line of a JSONL file must hold one example"

    def message(self, ex):
        return "blank line: JSONL has one JSON object per line, and a strict reader fails to parse an empty one"


class InvalidJson(_ParseErrorRule):
    code = "FT004"
    name = "invalid-json"
    summary = "Line is not valid JSON"
    error_kind = "json"
    autofix = Fix("remove the line (unsafe: its example is lost)", safe=False)
    fix = "fix the JSON syntax at the column shown; each example must be a complete object on one line"

    def message(self, ex):
        return f"line is not valid JSON: {ex.error.message}"


class NotAnObject(_ParseErrorRule):
    code = "FT005"
    name = "not-an-object"
    summary = "Line is valid JSON but not an object"
    error_kind = "not-object"
    autofix = Fix("remove the line (unsafe: its value is lost)", safe=False)
    fix = 'each line must be one object, e.g. {"messages": [...]}'

    def message(self, ex):
        return f"{ex.error.message}; each line must be one training example"


class _Pairs(list):
    """An object as parsed with its key/value pairs kept, duplicates included."""


def _find_duplicates(node, pointer: str, out: list) -> None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            if key in seen:
                out.append((pointer, key))
            seen.add(key)
            _find_duplicates(value, f"{pointer}/{pointer_token(key)}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _find_duplicates(value, f"{pointer}/{i}", out)


class DuplicateKey(Rule):
    code = "FT006"
    name = "duplicate-key"
    summary = "An object has the same key twice"
    severity = Severity.WARNING
    formats = PARSED

    def check(self, ex):
        raw = ex.raw
        # A parser keeps one value per key, so a duplicate leaves more key-ending '":' in the line
        # than keys in the parsed object. Count keys cheaply where the shape allows, otherwise by
        # re-serialising; only on a mismatch pay for the exact search.
        data = ex.data
        messages = data.get("messages")
        if len(data) == 1 and type(messages) is list and ex.content_types <= SIMPLE_CONTENT \
                and ex.messages_are_objects and ex.message_keys <= SIMPLE_KEYS:
            keys = len(QUOTE_COLON.findall(raw))
            if raw.find(b"\\") != -1:  # an escaped quote inside a string ends no key
                keys -= len(ESCAPED_QUOTE_COLON.findall(raw))
            if keys == 1 + sum(map(len, messages)):
                return None
        else:
            canonical = ex.canonical  # shared with the duplicate rules; None beyond 64-bit integers
            if canonical is not None and raw.count(b":") == canonical.count(b":"):
                return None
        try:
            tree = json.loads(raw, object_pairs_hook=_Pairs)
        except (ValueError, RecursionError):
            return None
        found: list = []
        try:
            _find_duplicates(tree, "", found)
        except RecursionError:  # a line nested about as deeply as Python's parser goes: report what was found
            pass
        return [
            Finding(f"{pointer}/{pointer_token(key)}", f"key {show(key)} appears more than once in the object at "
                    f"'{pointer or '/'}'; parsers keep only one of the values (orjson and Python keep the last)",
                    "remove or rename the duplicate key")
            for pointer, key in found
        ]


class _FileState:
    __slots__ = ("first_kind", "first_line", "count", "keys")

    def __init__(self) -> None:
        self.first_kind: str | None = None
        self.first_line = 0
        self.count = 0
        self.keys: set[str] = set()

    def merged(self, later: _FileState) -> _FileState:
        if not self.count:
            self.first_line = later.first_line
        self.count += later.count
        self.keys |= later.keys
        return self


class EmptyFile(_MergeFirst, FileRule):
    code = "FT007"
    name = "empty-file"
    summary = "File holds no examples"
    formats = frozenset()

    def finish(self, state, ctx):
        if ctx.examples or ctx.compression:  # a compressed file is FT017's
            return None
        what = "is empty" if ctx.size == 0 else "has only blank lines"
        return (Finding("", f"file {what}: there is nothing to train on",
                        "add examples, one JSON object per line, or remove the file", line=1),)


class MixedFormats(FileRule):
    code = "FT008"
    name = "mixed-formats"
    summary = "Lines of different formats in one file"
    formats = CHAT_FORMATS

    # The state: format -> its lines as runs, [first, last, first, last, ...]. A file of one
    # format is a few runs (each broken line or line of another format starts a new one), so the
    # state stays small however long the file is; every line of a second format is a finding anyway.
    def start(self, ctx):
        return {} if ctx.method == "auto" else None

    def observe(self, state, ex):
        runs = state.get(ex.kind)
        if runs is None:
            state[ex.kind] = array("I", (ex.line, ex.line))
        elif runs[-1] == ex.line - 1:
            runs[-1] = ex.line
        else:
            runs.append(ex.line)
            runs.append(ex.line)

    def merge(self, first, second):
        for kind, runs in second.items():
            mine = first.get(kind)
            if mine is None:
                first[kind] = runs
            elif mine[-1] == runs[0] - 1:  # a run that goes on across the parts' boundary
                mine[-1] = runs[1]
                mine.extend(runs[2:])
            else:
                mine.extend(runs)
        return first

    def relocate(self, state, move):
        return {kind: array("I", move.lines(runs)) for kind, runs in state.items()}

    def finish(self, state, ctx):
        if len(state) < 2:
            return None
        first_kind = min(state, key=lambda k: state[k][0])
        first_line = state[first_kind][0]
        out = []
        for kind, runs in state.items():
            if kind == first_kind:
                continue
            message = (f"line is {FORMAT_TITLES[kind]} but the file started as {FORMAT_TITLES[first_kind]} "
                       f"(line {first_line}); a training file must use one format throughout")
            for i in range(0, len(runs), 2):
                for line in range(runs[i], runs[i + 1] + 1):
                    out.append(Finding("", message, "move these lines to a file of their own, or convert them",
                                       line=line))
        return out


class ForeignFormat(FileRule):
    code = "FT019"
    name = "foreign-format"
    summary = "File is in another tool's format (Alpaca, ShareGPT, TRL), not OpenAI's"
    formats = frozenset({"foreign"})

    def start(self, ctx):
        return {}  # format name -> [count, first line]

    def observe(self, state, ex):
        name = foreign_format(ex.data)[0]
        seen = state.get(name)
        if seen is None:
            state[name] = [1, ex.line]
        else:
            seen[0] += 1

    def merge(self, first, second):
        for name, (count, line) in second.items():
            if name in first:
                first[name][0] += count
                first[name][1] = min(first[name][1], line)
            else:
                first[name] = [count, line]
        return first

    def relocate(self, state, move):
        return {name: [count, move.line(line)] for name, (count, line) in state.items()}

    def finish(self, state, ctx):
        if not state:
            return None
        name, (count, line) = max(state.items(), key=lambda item: item[1][0])
        others = sum(c for n, (c, _) in state.items() if n != name)
        how = next(h for n, _, _, h in FOREIGN_FORMATS if n == name)
        also = f", and {others} more line(s) in other tools' formats" if others else ""
        to = "dpo" if name.startswith("TRL") else "sft"
        how = f"{how}; `ftlint convert {ctx.path} --to {to} -o OUT.jsonl` does it, row by row"
        return (Finding("", f"{count} line(s) are {name} rows{also}: {self.provider} does not train on this "
                        "format, so the file is not fine-tuning data as it stands", how, line=line),)


class UnknownFormat(Rule):
    code = "FT009"
    name = "unknown-format"
    summary = "Line matches no fine-tuning format"
    formats = frozenset({"unknown"})

    def check(self, ex):
        keys = ", ".join(show(k) for k in list(ex.data)[:6]) or "no keys"
        fix = 'write each example as {"messages": [...]} (SFT) or {"input": ..., "preferred_output": ..., ' \
              '"non_preferred_output": ...} (DPO); rows of another trainer (ShareGPT, Alpaca, Dolly, TRL, ' \
              'prompt/completion) convert with `ftlint convert FILE --to sft -o OUT.jsonl`'
        looks = ""
        if "text" in ex.data:
            looks = "; it looks like plain text"
            fix = f'{self.provider} trains on conversations: ' \
                '{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}'
        elif "prompt" in ex.data:
            looks, fix = "; it looks like prompt/completion without 'completion'", 'chat format is required: ' \
                '{"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]}'
        return (Finding("", f"line has none of the keys of a known format ({keys}){looks}", fix),)


class LegacyFormat(_MergeCounts, FileRule):
    code = "FT010"
    name = "legacy-prompt-completion"
    summary = "Legacy prompt/completion format, no longer trainable"
    formats = frozenset({"legacy"})

    def start(self, ctx):
        return _FileState()

    def observe(self, state, ex):
        if not state.count:
            state.first_line = ex.line
        state.count += 1

    def finish(self, state, ctx):
        if not state.count:
            return None
        return (Finding("", f"{state.count} line(s) use the legacy prompt/completion format, which only "
                        "babbage-002 and davinci-002 trained on; OpenAI stopped new training runs on them on "
                        "2024-10-28 and shut both models down on 2026-09-28. This file is not SFT data",
                        'convert each line to {"messages": [{"role": "user", "content": prompt}, '
                        '{"role": "assistant", "content": completion}]}: `ftlint convert FILE --to sft -o '
                        'OUT.jsonl` does it', line=state.first_line),)


class FileTooLarge(_MergeFirst, FileRule):
    code = "FT011"
    name = "file-too-large"
    summary = "File is over the Files API upload limit"
    severity = Severity.WARNING
    formats = frozenset()
    options = {"max-bytes": Option(512 * 1024 * 1024, "Largest file the Files API takes in one upload, in "
                                                      "bytes.", min=1)}

    def finish(self, state, ctx):
        limit = self.opts["max-bytes"]
        if ctx.size <= limit:
            return None
        return (Finding("", f"file is {ctx.size / 1e6:,.1f} MB, over the Files API limit of "
                        f"{limit / 1e6:,.1f} MB for one upload",
                        "upload it through the multipart Uploads API (up to 8 GB), or split it", line=1),)


class ReinforcementFormat(_MergeCounts, FileRule):
    code = "FT012"
    name = "reinforcement-format"
    summary = "File is reinforcement fine-tuning (RFT) data, not SFT"
    severity = Severity.WARNING
    formats = frozenset({"rft"})

    def start(self, ctx):
        return _FileState() if ctx.method == "auto" else None

    def observe(self, state, ex):
        if state is None:
            return None
        if not state.count:
            state.first_line = ex.line
        state.count += 1
        if len(state.keys) < 8:
            state.keys.update(k for k in ex.data if k not in SFT_TOP_KEYS)
        return None

    def finish(self, state, ctx):
        if state is None or not state.count:
            return None
        extra = ", ".join(sorted(state.keys)[:5])
        grader = f" and grader fields ({extra})" if extra else ""
        return (Finding("", f"{state.count} line(s) are reinforcement fine-tuning (RFT) rows: messages with no "
                        f"assistant answer{grader}. This is not SFT data; ftlint checks only the message "
                        "structure of RFT rows",
                        'if this is RFT data, set method = "rft"; if it is SFT data, give every example '
                        "an assistant answer", line=state.first_line),)


class FormatMethodMismatch(_MergeCounts, FileRule):
    code = "FT013"
    name = "format-method-mismatch"
    summary = "File format does not match the declared training method"
    formats = CHAT_FORMATS

    def start(self, ctx):
        expected = METHOD_FORMAT.get(ctx.method)
        if expected is None:
            return None
        state = _FileState()
        state.first_kind = expected
        return state

    def observe(self, state, ex):
        if state is None or ex.kind == state.first_kind:
            return None
        if not state.count:
            state.first_line = ex.line
            state.keys.add(ex.kind)
        state.count += 1
        return None

    def finish(self, state, ctx):
        if state is None or not state.count:
            return None
        kind = next(iter(state.keys))
        return (Finding("", f"{state.count} line(s) are in the {FORMAT_TITLES[kind]} format, but the method "
                        f"is {ctx.method}; the server rejects the file ('the specified fine-tuning job is not "
                        f"using ... as the training method')",
                        f"set method to match the data, or convert the lines to "
                        f"{FORMAT_TITLES[state.first_kind]}", line=state.first_line),)


_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_MOST_PER_LINE = 5


def _nonstandard(node, pointer: str, out: list) -> None:
    """(pointer, kind, what) for each lone surrogate and non-finite number, depth first, up to a few."""
    if len(out) >= _MOST_PER_LINE:
        return
    if type(node) is str:
        found = _SURROGATE.search(node)
        if found:
            out.append((pointer, "surrogate", f"the string holds a lone surrogate \\u{ord(found.group()):04x} at "
                                              f"character {found.start() + 1}"))
    elif type(node) is float:
        if node != node or node in (math.inf, -math.inf):
            out.append((pointer, "number", f"the value is {_NON_FINITE[repr(node)]}, which is not JSON"))
    elif type(node) is dict:
        for key, value in node.items():
            inner = f"{pointer}/{pointer_token(key)}"
            found = _SURROGATE.search(key)
            if found:
                out.append((inner, "surrogate", f"the key holds a lone surrogate \\u{ord(found.group()):04x}"))
            _nonstandard(value, inner, out)
    elif type(node) is list:
        for i, value in enumerate(node):
            _nonstandard(value, f"{pointer}/{i}", out)


class NonstandardJson(Rule):
    code = "FT014"
    name = "nonstandard-json"
    summary = "A line that only a lenient JSON parser reads: lone surrogates, NaN, Infinity"
    severity = Severity.WARNING
    formats = PARSED
    # The reader marks the lines that orjson (a strict parser) refused and Python's json module
    # read; every other line is standard JSON, so the rule never runs on it.
    when = frozenset({"json:lenient"})

    def check(self, ex):
        found: list = []
        try:
            _nonstandard(ex.data, "", found)
        except RecursionError:  # nested about as deeply as Python's parser goes: report what was found
            pass
        out = []
        for pointer, kind, what in found:
            if kind == "surrogate":
                out.append(Finding(pointer, f"{what}: half of a UTF-16 pair, so the text has a broken character "
                                   "(often an emoji cut in two). Python's json reads it and the tokenizer sees "
                                   "U+FFFD; strict parsers reject the line",
                                   "repair the pair (e.g. \\ud83d\\ude00) or remove the escape"))
            else:
                out.append(Finding(pointer, f"{what}: Python's json reads it, strict parsers reject the line",
                                   "write a number, or null"))
        return out


RULES = (InvalidUtf8, ByteOrderMark, BlankLine, InvalidJson, NotAnObject, DuplicateKey, EmptyFile,
         MixedFormats, UnknownFormat, ForeignFormat, LegacyFormat, FileTooLarge, ReinforcementFormat,
         FormatMethodMismatch, NonstandardJson)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
