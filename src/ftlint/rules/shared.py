"""What the dataset rules (FT7xx) share: line locations packed in 8 bytes, digests of examples,
prompts and answers, the trained answer, and the map from file indexes to paths that every state
carries so findings can name their file. Public here, so no rule module imports another's
private names."""

from __future__ import annotations

import json
from array import array

import orjson
from xxhash import xxh3_64, xxh3_64_intdigest

from ..example import HUGE_LINE, canonical_json

LINE_BITS = 32
LINE_MASK = (1 << LINE_BITS) - 1


def loc(ex) -> int:
    return (ex.ctx.file_index << LINE_BITS) | ex.line


def moved(location: int, move) -> int:
    """A location of a cached part where the part sits now (see :class:`ftlint.rule.Move`); 0,
    no location yet, stays 0."""
    return location + ((move.index - move.old_index) << LINE_BITS) + move.shift if location else location


def moved_array(locations: array, move) -> array:
    d = ((move.index - move.old_index) << LINE_BITS) + move.shift
    return array(locations.typecode, [x + d if x else x for x in locations]) if d else locations


# Digests are 64-bit xxh3 of canonical bytes, kept as unsigned ints in arrays. They are the same
# in every process and every run (Python's own str and bytes hashes are salted per process), so
# states cached by an earlier run merge with this run's. A collision between two of a million
# examples has a chance of about 3 in 10^8.
MASK64 = (1 << 64) - 1
_STR_ONLY = frozenset({str})


def hash_bytes(data: bytes) -> int:
    return xxh3_64_intdigest(data)


def hash_strings(strings, large: bool = False) -> int:
    """A digest of a string, or of a sequence of strings (or JSON values), the same in every run.
    ``large``: they come from a line of :data:`~ftlint.example.HUGE_LINE` bytes or more."""
    pieces = strings if isinstance(strings, (list, tuple)) else [strings]
    if large:  # orjson writes strings of megabytes through a buffer of about 12 times their size
        return _hash_pieces(_flat(pieces))
    try:
        return xxh3_64_intdigest(orjson.dumps(strings))
    except TypeError:  # lone surrogates, huge integers: orjson does not write them
        return _hash_pieces(_flat(pieces))


def _flat(pieces):
    for p in pieces:
        if isinstance(p, (list, tuple)):
            yield from p
        else:
            yield p


def _hash_pieces(pieces) -> int:
    h = xxh3_64()
    for piece in pieces:
        data = (piece if isinstance(piece, str) else json.dumps(piece, default=str)).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.intdigest()


def digest(value, large: bool = False) -> int:
    """An 8-byte digest of a JSON value in canonical form (sorted keys, no insignificant space).
    ``large``: the value comes from a line of :data:`~ftlint.example.HUGE_LINE` bytes or more,
    which orjson would write through a buffer of about 12 times its size."""
    try:
        if large:
            raise TypeError
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        # integers beyond 64 bits or lone surrogates (Python's parser accepts both), or nesting
        # deeper than orjson writes
        try:
            data = canonical_json(value)
        except RecursionError:
            return _hash_pieces(_canonical_pieces(value))
    return xxh3_64_intdigest(data)


_END_OBJECT, _END_ARRAY = object(), object()


def _canonical_pieces(value):
    """The canonical form of ``value`` as a flat sequence of pieces, with an explicit stack: a
    line nested too deeply for the recursive serialisers still gets a digest."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node is _END_OBJECT:
            yield "}"
        elif node is _END_ARRAY:
            yield "]"
        elif type(node) is dict:
            yield "{"
            stack.append(_END_OBJECT)
            for key in sorted(node, reverse=True):
                stack.append(node[key])
                stack.append(("key", key))  # parsed JSON holds no tuples: a key stays a key
        elif type(node) is list:
            yield "["
            stack.append(_END_ARRAY)
            stack.extend(reversed(node))
        elif type(node) is tuple:
            yield node
        else:
            yield json.dumps(node, default=str)


_PLAIN_MESSAGE = frozenset({"role", "content"})


def example_digest(ex) -> int:
    """Digest of the example in canonical form. Plain chats (only ``messages``, each exactly a
    string role and content) hash their strings directly: equal canonical JSON means equal pairs
    and the reverse, and they are written by orjson without sorting any keys."""
    return ex._memo("canonical_digest", _example_digest, ex)


def _example_digest(ex) -> int:
    data = ex.data
    if len(data) == 1 and ex.kind == "sft" and ex.messages_are_objects and ex.message_keys == _PLAIN_MESSAGE \
            and ex.content_types == _STR_ONLY:
        messages = data.get("messages")
        roles = ex.roles
        if type(messages) is list and set(map(len, messages)) == {2} and set(map(type, roles)) == {str}:
            return hash_strings((roles, ex.contents), len(ex.raw) >= HUGE_LINE)
    canonical = ex.canonical
    return xxh3_64_intdigest(canonical) if canonical is not None else digest(data, len(ex.raw) >= HUGE_LINE)


def trained_parts(ex):
    return ex._memo("trained_parts", trained, ex)


def train_answer(ex) -> dict | None:
    """The trained answer of a training-file example; None in validation files or when nothing
    is trained (the rules about answers judge what the model is trained on)."""
    if ex.ctx.role != "train":
        return None
    parts = trained_parts(ex)
    return None if parts is None else parts[1]


def prompt_digest(ex) -> int:
    """Digest of the prompt (the messages before the trained answer) and the tools. Weights are
    left out: they decide what is trained, not what the model reads before it answers."""
    return ex._memo("prompt_digest", _prompt_digest, ex)


def _prompt_digest(ex) -> int:
    parts = trained_parts(ex)
    if parts is None:
        return 0
    prompt = parts[0]
    _, holder = ex.tools_container
    tools = holder.get("tools")
    if tools is None:
        # the common shape: the roles and contents in order, without sorting keys
        flat = []
        for m in prompt:
            if type(m) is not dict or type(m.get("content")) is not str or type(m.get("role")) is not str or \
                    len(m) != (3 if "weight" in m else 2):
                break
            flat.append(m["role"])
            flat.append(m["content"])
        else:
            return hash_strings(flat, len(ex.raw) >= HUGE_LINE)
    if any(type(m) is dict and "weight" in m for m in prompt):
        prompt = [{k: v for k, v in m.items() if k != "weight"} if type(m) is dict else m for m in prompt]
    return digest([prompt, tools], len(ex.raw) >= HUGE_LINE)


def trained(ex):
    """(prompt messages, trained answer message) of an example, or None when nothing is trained."""
    if ex.kind == "dpo":
        out = ex.data.get("preferred_output")
        if not isinstance(out, list) or not out or not isinstance(out[0], dict):
            return None
        return ex.messages, out[0]
    messages = ex.messages
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if isinstance(m, dict) and m.get("role") == "assistant" and m.get("weight", 1) != 0:
            return messages[:i], m
    return None


def answer_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text") or p.get("refusal") or "" for p in content if isinstance(p, dict)
                        and isinstance(p.get("text") or p.get("refusal") or "", str))
    return ""


class Paths:
    """Maps file indexes to paths; part of every state so findings can name their file."""

    def __init__(self) -> None:
        self.paths: dict[int, str] = {}

    def see(self, ex) -> None:
        if ex.ctx.file_index not in self.paths:
            self.paths[ex.ctx.file_index] = ex.ctx.path

    def merge_paths(self, other: Paths) -> None:
        for k, v in other.paths.items():
            self.paths.setdefault(k, v)

    def move_paths(self, move) -> None:
        """The file's index where a cached part sits now (the rest of a moved state is the rule's)."""
        self.paths = {move.index if k == move.old_index else k: v for k, v in self.paths.items()}

    def where(self, location: int) -> tuple[str, int]:
        return self.paths.get(location >> LINE_BITS, "?"), location & LINE_MASK

    def cite(self, location: int, from_path: str) -> str:
        """``line N`` when ``location`` is in ``from_path``, else ``path:N``."""
        path, line = self.where(location)
        return f"line {line}" if path == from_path else f"{path}:{line}"
