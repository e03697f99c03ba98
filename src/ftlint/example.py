"""An example (one JSONL line) and its views, plus format detection.

Views are computed once, on first use, and shared by every rule that reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import orjson

from .quote import show

SFT_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
DPO_TOP_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
DPO_LEGACY_OUTPUT_KEYS = frozenset({"preferred_completion", "non_preferred_completion"})
DPO_INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})

CHAT_ROLES = ("system", "user", "assistant", "tool", "function")
RFT_ROLES = ("developer", "user", "assistant", "tool")

_STR = frozenset({str})
_PLAIN_CONTENT = frozenset({str, list, type(None)})
ROLE_FEATURES = {r: f"role:{r}" for r in (*CHAT_ROLES, "developer")}
METHOD_FORMAT = {"sft": "sft", "dpo": "dpo", "rft": "rft"}
FORMAT_TITLES = {
    "sft": "chat SFT (messages)",
    "dpo": "preference/DPO (input, preferred_output, non_preferred_output)",
    "rft": "reinforcement/RFT (messages plus grader fields)",
    "legacy": "legacy prompt/completion",
    "foreign": "another tool's format (Alpaca, ShareGPT, TRL)",
    "unknown": "unknown",
}


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a line did not become a JSON object. ``kind`` is blank, utf8, json or not-object."""

    kind: str
    message: str
    column: int | None = None


@dataclass
class FileContext:
    """What file rules learn about the file as a whole."""

    path: str
    method: str = "auto"
    size: int = 0  # bytes read; for a UTF-16 file, of the UTF-8 it was decoded to (what it will upload as)
    lines: int = 0
    examples: int = 0  # non-blank lines
    bom: bool = False  # the file starts with a UTF-8 byte order mark
    encoding: str = "UTF-8"  # or UTF-16LE/BE, UTF-32LE/BE, decoded by the reader (see ftlint.sniff)
    encoding_bom: bool = False  # a byte order mark told that encoding (else its zero bytes did)
    compression: str | None = None  # zip (or a compressed file inside another): no line could be read
    decompressed: str | None = None  # gzip, zstd, bzip2 or xz: the reader read through it
    damaged: str | None = None  # why the compressed data ended early (what was read before is checked)
    cr_lines: bool = False  # lines end with CR alone (classic Mac OS); the reader split them there
    crlf_lines: int = 0  # lines that end with CR LF (Windows)
    target: str = "openai"
    model_name: str | None = None  # as configured
    model: Any = None  # its catalog entry (ftlint.catalog.Model), None when unknown or unset
    accounting: Any = None  # ftlint.accounting.Accounting when token rules run
    today: Any = None  # datetime.date of the run
    role: str = "train"  # or "validation"
    file_index: int = 0  # position of the file among the run's inputs
    has_validation: bool = False  # the run includes a validation file
    split: str | None = None  # train, validation or test, as the file's name says (splits.py)


def _has_assistant(messages: Any) -> bool:
    if not isinstance(messages, list):
        return False
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "assistant":
            return True
    return False


#: Formats other tools train on, recognised by their keys so that a whole file of them gets one
#: verdict with its conversion, instead of an error on every line: (name, keys it must have,
#: keys it must not have, how to convert). The first that matches names the line.
FOREIGN_FORMATS = (
    ("ShareGPT 'conversations'", ("conversations",), (),
     'rename "conversations" to "messages" and convert each {"from": "human"|"gpt", "value": ...} to '
     '{"role": "user"|"assistant", "content": ...} ("system" stays "system")'),
    ("Alpaca instruction/input/output", ("instruction", "output"), ("preferred_output", "non_preferred_output"),
     'convert each row to {"messages": [{"role": "user", "content": instruction + "\\n\\n" + input}, '
     '{"role": "assistant", "content": output}]}'),
    ("Dolly instruction/context/response", ("instruction", "response"), ("preferred_output",),
     'convert each row to {"messages": [{"role": "user", "content": instruction + "\\n\\n" + context}, '
     '{"role": "assistant", "content": response}]}'),
    ("TRL preference (chosen/rejected)", ("chosen", "rejected"), ("preferred_output",),
     'convert each row to {"input": {"messages": [... the prompt ...]}, "preferred_output": [{"role": '
     '"assistant", "content": chosen}], "non_preferred_output": [{"role": "assistant", "content": rejected}]}'),
)


def foreign_format(data: dict) -> tuple[str, str] | None:
    """(name, conversion) of the other tool's format this line is written in, or None."""
    if "messages" in data:
        return None
    for name, needed, refused, how in FOREIGN_FORMATS:
        if all(k in data for k in needed) and not any(k in data for k in refused):
            return name, how
    return None


def detect_kind(data: dict, method: str = "auto") -> str:
    """The format of one parsed JSON object.

    ``method`` is the training method the user declared (auto, sft, dpo, rft). With a declared
    method a ``messages`` line is taken as that method's format; with ``auto`` a line with
    ``messages``, no assistant message and either grader fields or a ``developer`` role is RFT.
    """
    if "messages" in data:
        if method == "rft":
            return "rft"
        if method in ("sft", "dpo"):
            return "sft"
        messages = data["messages"]
        if not _has_assistant(messages):
            extra = any(k not in SFT_TOP_KEYS for k in data)
            developer = isinstance(messages, list) and any(
                isinstance(m, dict) and m.get("role") == "developer" for m in messages
            )
            if extra or developer:
                return "rft"
        return "sft"
    if foreign_format(data) is not None:
        return "foreign"
    if "input" in data or any(k in data for k in ("preferred_output", "non_preferred_output")) or any(
        k in data for k in DPO_LEGACY_OUTPUT_KEYS
    ):
        return "dpo"
    if "prompt" in data and "completion" in data:
        return "legacy"
    return "unknown"


def pointer_token(key: str) -> str:
    """``key`` as one reference token of a JSON pointer (RFC 6901): '~' and '/' escaped."""
    return key.replace("~", "~0").replace("/", "~1")


def _tools_key(ex: Example) -> bytes | None:
    _, holder = ex.tools_container
    tools, functions = holder.get("tools"), holder.get("functions")
    if tools is None and functions is None:
        return None
    try:
        return orjson.dumps([tools, functions])
    except TypeError:  # what orjson cannot write: integers beyond 64 bits, lone surrogates, deep nesting
        return None


#: Lines at least this long are parsed and written by Python's json rather than orjson, which
#: takes about 12 times a string's size while reading or writing it (Python's json: 1 to 2). A
#: single 300 MB example must not need 4 GB; on such lines both are equally fast.
HUGE_LINE = 1 << 20


def canonical_json(value: Any, allow_nan: bool = True) -> bytes:
    """``value`` as canonical JSON (sorted keys, no spacing) by Python's json: for values orjson
    cannot write (integers beyond 64 bits, lone surrogates) or should not (strings of megabytes,
    which it writes through a buffer of 12 times their size). Raises ValueError (NaN when not
    allowed) or RecursionError (nesting near the recursion limit)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan,
                      default=str).encode("utf-8", "surrogatepass")


class _Literal(str):
    """A number as the line writes it (see :meth:`Example.literal`)."""


class Example:
    """One line of a dataset file."""

    __slots__ = ("path", "line", "raw", "data", "kind", "error", "bom", "lenient", "_cache", "_flat",
                 "_dicts_only", "_keys", "_contents", "_ctypes", "_features", "_roles", "_conv", "ctx")

    def __init__(
        self,
        path: str,
        line: int,
        raw: bytes,
        data: Any = None,
        kind: str = "invalid",
        error: ParseError | None = None,
        bom: bool = False,
        lenient: bool = False,
    ) -> None:
        self.path = path
        self.line = line
        self.raw = raw
        self.data = data
        self.kind = kind
        self.error = error
        self.bom = bom
        # Only Python's json module read the line, not a strict parser: it holds a lone UTF-16
        # surrogate escape, NaN or Infinity (or an integer beyond 64 bits, which is valid JSON).
        self.lenient = lenient
        self._cache: dict[str, Any] | None = None
        self._flat: list | None = None
        self._conv: tuple | None = None
        self.ctx: FileContext | None = None

    def __repr__(self) -> str:
        return f"Example({self.path!r}, line={self.line}, kind={self.kind!r})"

    def quote(self, value: Any, pointer: str | None = None) -> str:
        """``value`` (found at ``pointer``) as a message shows it: see :func:`ftlint.quote.show`.
        A number the fast parser could only read as a float (an integer beyond 64 bits) is shown
        as written in the line."""
        if pointer is not None and type(value) is float and value.is_integer() and abs(value) >= 2.0**63:
            written = self.literal(pointer)
            if written is not None:
                return written if len(written) <= 40 else f"an integer of {len(written):,} digits"
        return show(value)

    def literal(self, pointer: str) -> str | None:
        """The number at ``pointer`` exactly as the line writes it, or None (not a number, or
        no such place)."""
        try:
            node = json.loads(self.raw, parse_int=_Literal, parse_float=_Literal, parse_constant=_Literal)
        except (ValueError, RecursionError):
            return None
        for token in pointer.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return str(node) if type(node) is _Literal else None

    def _memo(self, key: str, compute, *args) -> Any:
        """``compute(*args)``, once per example. Hot callers pass a module-level function and its
        arguments rather than a closure, which would be built on every call, hit or miss."""
        cache = self._cache
        if cache is None:
            cache = self._cache = {}
        elif key in cache:
            return cache[key]
        value = cache[key] = compute(*args)
        return value

    # -- conversation views -------------------------------------------------------------------

    @property
    def conversation(self) -> tuple[str, Any]:
        """(pointer, value) of the prompt conversation: ``messages`` or ``input.messages``."""
        conv = self._conv
        if conv is None:
            if self.kind == "dpo":
                inp = self.data.get("input")
                conv = ("/input/messages", inp.get("messages") if isinstance(inp, dict) else None)
            else:
                conv = ("/messages", self.data.get("messages"))
            self._conv = conv
        return conv

    @property
    def messages(self) -> list:
        """The conversation as a list of dict messages (empty when it is not a list)."""

        def compute() -> list:
            value = self.conversation[1]
            return value if isinstance(value, list) else []

        return self._memo("messages", compute)

    @property
    def message_lists(self) -> list[tuple[str, list, str]]:
        """Every list of messages in the example: (pointer, list, part) where part is
        ``conversation`` or ``output``. DPO outputs are included, so message-level rules check
        them like any other message."""

        def compute() -> list:
            out = []
            if type(self.data) is not dict:
                return out
            pointer, value = self.conversation
            if isinstance(value, list):
                out.append((pointer, value, "conversation"))
            if self.kind == "dpo":
                for key in ("preferred_output", "non_preferred_output"):
                    value = self.data.get(key)
                    if isinstance(value, list):
                        out.append((f"/{key}", value, "output"))
            return out

        return self._memo("message_lists", compute)

    # -- summaries computed in one pass at C speed; rules use them to return early -------------

    def _summarize(self) -> None:
        data = self.data
        if self.kind == "dpo" or type(data) is not dict:
            lists = self.message_lists
            if len(lists) == 1:
                flat = lists[0][1]
            else:
                flat = list(chain.from_iterable(v for _, v, _ in lists))
        else:  # the common case, without building the general views
            messages = data.get("messages")
            if self._conv is None:
                self._conv = ("/messages", messages)
            flat = messages if type(messages) is list else []
        types = set(map(type, flat))
        self._dicts_only = not types or types == {dict}
        if not self._dicts_only:
            flat = [m for m in flat if type(m) is dict]
        self._keys = keys = set().union(*flat)
        self._contents = contents = list(map(dict.get, flat, repeat("content")))
        self._ctypes = ctypes = set(map(type, contents))
        roles = list(map(dict.get, flat, repeat("role")))
        features = keys.union(data)
        if self.kind == "dpo" and type(data.get("input")) is dict:
            features.update(data["input"])
        try:
            features.update(map(ROLE_FEATURES.get, roles))
        except TypeError:  # an unhashable role (a list or object) is the role rules' to report
            features.update(ROLE_FEATURES.get(r) for r in roles if type(r) is str)
        if not ctypes <= _STR:
            if list in ctypes:
                features.add("content:list")
            if type(None) in ctypes:
                features.add("content:null")
            if not ctypes <= _PLAIN_CONTENT:
                features.add("content:other")
            if [] in contents:
                features.add("content:empty")
        if "" in contents:
            features.add("content:empty")
        if not self._dicts_only:
            features.add("message:not-object")
        if self.lenient:
            features.add("json:lenient")
        self._features = features
        conv = self.conversation[1]
        if conv is flat:
            self._roles = tuple(roles)
        elif isinstance(conv, list):
            self._roles = tuple(m.get("role") if type(m) is dict else None for m in conv)
        else:
            self._roles = ()
        self._flat = flat  # last: the summary is complete only when this is set

    @property
    def features(self) -> set:
        """What the example contains, for rule gates (:attr:`ftlint.Rule.when`): its top-level keys,
        the keys of its messages, ``role:<role>`` for each role present, ``content:list``,
        ``content:null``, ``content:empty`` and ``content:other`` when some content is a list of
        parts, missing or null, empty, or of another type, ``message:not-object`` when some
        message is not an object, and ``json:lenient`` when only Python's lenient parser read the
        line (a lone surrogate escape, NaN or Infinity: see ``Example.lenient``)."""
        if self._flat is None:
            self._summarize()
        return self._features

    @property
    def flat_messages(self) -> list[dict]:
        """Every dict message of every message list, without pointers (see :meth:`iter_messages`)."""
        if self._flat is None:
            self._summarize()
        return self._flat

    @property
    def messages_are_objects(self) -> bool:
        """True when every message in every list is a JSON object."""
        if self._flat is None:
            self._summarize()
        return self._dicts_only

    @property
    def message_keys(self) -> set[str]:
        """The union of the keys of every message."""
        if self._flat is None:
            self._summarize()
        return self._keys

    @property
    def contents(self) -> list:
        """The ``content`` of each message in :attr:`flat_messages` (None where missing)."""
        if self._flat is None:
            self._summarize()
        return self._contents

    @property
    def content_types(self) -> set[type]:
        """The Python types of every message's content (``NoneType`` for missing or null)."""
        if self._flat is None:
            self._summarize()
        return self._ctypes

    def pointer_of(self, index: int) -> str:
        """The JSON pointer of ``flat_messages[index]``."""
        flat = self.flat_messages
        conv_pointer, conv = self.conversation
        if conv is flat:
            return f"{conv_pointer}/{index}"
        return self.iter_messages()[index][0]

    def iter_messages(self) -> list[tuple[str, dict, str]]:
        """(pointer, message, part) for every dict message in every message list, built once."""

        def compute() -> list:
            return [(f"{pointer}/{i}", m, part) for pointer, messages, part in self.message_lists
                    for i, m in enumerate(messages) if type(m) is dict]

        return self._memo("iter_messages", compute)

    @property
    def canonical(self) -> bytes | None:
        """The example as canonical JSON (sorted keys, no insignificant whitespace), or None when
        it holds what orjson cannot write (integers beyond 64 bits, which Python's parser accepts).
        Duplicate detection hashes it; the duplicate-key rule counts its colons."""

        def compute() -> bytes | None:
            if len(self.raw) >= HUGE_LINE:  # orjson would write it through a buffer of 12 times its size
                try:
                    return canonical_json(self.data, allow_nan=False)
                except (ValueError, RecursionError):  # what orjson would not write either
                    return None
            try:
                return orjson.dumps(self.data, option=orjson.OPT_SORT_KEYS)
            except TypeError:
                return None

        return self._memo("canonical", compute)

    @property
    def key(self) -> str:
        """16 hex digits that name the example by its content (xxh3 of its canonical JSON: key
        order and spacing aside; of its bytes for a line that did not parse). The baseline and the
        ``ignore-examples`` setting find an example by it, wherever its line moves."""
        return self._memo("key", _content_key, self)

    @property
    def tokens(self):
        """Token counts (:class:`ftlint.accounting.ExampleTokens`) under the configured model, or
        None when no model is set or no selected rule needs tokens."""
        accounting = self.ctx.accounting if self.ctx is not None else None
        if accounting is None or self.kind not in ("sft", "dpo"):
            return None
        return self._memo("tokens", accounting.example, self)

    def content_parts(self) -> list[tuple[str, dict, Any]]:
        """(pointer, message, part) for every part of every list content, built once."""

        def compute() -> list:
            return [(f"{pointer}/content/{j}", m, part) for pointer, m, _ in self.iter_messages()
                    if type(m.get("content")) is list for j, part in enumerate(m["content"])]

        return self._memo("content_parts", compute)

    @property
    def tools_container(self) -> tuple[str, dict]:
        """(pointer prefix, object) that holds ``tools``/``parallel_tool_calls``."""
        if self.kind == "dpo":
            inp = self.data.get("input")
            return "/input", inp if isinstance(inp, dict) else {}
        return "", self.data

    @property
    def tools_key(self) -> bytes | None:
        """The example's ``tools`` and ``functions`` serialised: the key under which rules and the
        token accounting cache what they derive from a tools block, which repeats on every line.
        None without either, or when the block holds what orjson cannot write."""
        return self._memo("tools_key", _tools_key, self)

    @property
    def declared_tool_names(self) -> set[str] | None:
        """Names declared in ``tools`` and legacy ``functions``; None when neither is present."""

        def compute():
            _, holder = self.tools_container
            tools, functions = holder.get("tools"), holder.get("functions")
            if tools is None and functions is None:
                return None
            names: set[str] = set()
            for t in tools if isinstance(tools, list) else ():
                if isinstance(t, dict) and isinstance(t.get("function"), dict):
                    name = t["function"].get("name")
                    if isinstance(name, str):
                        names.add(name)
            for f in functions if isinstance(functions, list) else ():
                if isinstance(f, dict) and isinstance(f.get("name"), str):
                    names.add(f["name"])
            return names

        return self._memo("declared_tool_names", compute)

    @property
    def roles(self) -> tuple:
        """The role of each conversation message (None for a non-object message)."""
        if self._flat is None:
            self._summarize()
        return self._roles


def _content_key(ex: Example) -> str:
    from xxhash import xxh3_64_hexdigest  # only examples with findings are keyed

    canonical = ex.canonical if ex.kind != "invalid" else None
    return xxh3_64_hexdigest(canonical if canonical is not None else ex.raw)
