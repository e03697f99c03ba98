"""FT703-FT705, FT708: the same example twice, nearly the same, the same prompt with other answers,
and validation examples the training data already holds.

Each example leaves fixed-size keys (8-byte digests) and its location in parallel arrays; parts
of the input merge by appending, and examples sharing a key are grouped once, in ``finish``.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from heapq import heapify, heappop

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import DROP, DatasetRule, Fix, Option
from .columns import Columns, PackedGroups, ascending, repeated_groups, scan
from .shared import (
    MASK64,
    Paths,
    answer_text,
    example_digest,
    hash_bytes,
    hash_strings,
    loc,
    moved_array,
    prompt_digest,
    train_answer,
)


class _Keyed(Paths):
    """Parallel columns: one or more keys and a location per example. Keys are 8 bytes, or 4
    where ``codes`` says "I" for a column whose values the caller keeps below 2**32. Past a
    bound the columns spill to disk (see columns.py): ``keys`` and ``locs`` read them back."""

    def __init__(self, width: int, codes: str | None = None) -> None:
        super().__init__()
        self.table = Columns((codes or "Q" * width) + "Q")  # the keys, then the location
        self._order = (-1, False)  # (rows, whether in location order) as last found: see in_order

    @property
    def keys(self) -> list:
        return self.table.columns()[:-1]

    @property
    def locs(self):
        return self.table.columns()[-1]

    def add(self, ex, *keys: int) -> None:
        self.see(ex)
        self.table.append((*keys, loc(ex)))

    def extend(self, other: _Keyed) -> _Keyed:
        self.merge_paths(other)
        self.table.extend(other.table)
        return self

    def move(self, move) -> None:
        self.move_paths(move)
        self.table.materialize()  # a stored part is small; a whole file's keys come back to move
        self.table.live[-1] = moved_array(self.table.live[-1], move)
        self._order = (-1, False)

    def groups(self, column: int = 0):
        """Indexes of examples sharing a key, in input order, for every key seen more than once."""
        yield from repeated_groups(self.keys[column], None if self.in_order() else self.locs)

    def in_order(self) -> bool:
        """Whether the rows are in location order, as parts merged in input order leave them: then
        a group's rows need no sorting by location (a read of each one's location, at random)."""
        if self._order[0] != len(self.table):
            self._order = (len(self.table), ascending(self.locs))
        return self._order[1]


class _KeyedRule(DatasetRule):
    """A rule whose state is a :class:`_Keyed`: parts merge by appending, in input order."""

    def relocate(self, state, move):
        state.move(move)
        return state

    def merge(self, first, second):
        return first.extend(second)


class ExactDuplicate(_KeyedRule):
    code = "FT703"
    name = "exact-duplicate"
    summary = "The same example more than once"
    severity = Severity.WARNING
    autofix = Fix("remove every copy after the first (unsafe: the copies are gone)", safe=False)

    def repair_state(self):
        return set()

    def repair(self, ex, state):
        digest = example_digest(ex)
        if digest in state:
            return DROP
        state.add(digest)
        return None

    def new_state(self):
        return _Keyed(1)

    def observe(self, state, ex):
        if ex.ctx.role == "train":
            state.add(ex, example_digest(ex))

    def finish(self, state):
        # made one at a time as the engine takes them: a list of them grows with the copies
        for same in state.groups(0):
            for i in same[1:]:
                path, line = state.where(state.locs[i])
                yield Finding("", f"duplicate of {state.cite(state.locs[same[0]], path)} (same example, "
                                  "ignoring key order and spacing)",
                              "remove the copy: duplicates overweight one example and are billed every epoch",
                              path=path, line=line, related=(state.where(state.locs[same[0]]),))


# ASCII punctuation and control characters become spaces and ASCII capitals small letters, in
# one bytes.translate at memory speed; only non-ASCII text pays for str.casefold.
_ASCII_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())
_NORMALIZE = bytearray(range(256))
for _c in _ASCII_PUNCT:
    _NORMALIZE[_c] = 0x20
for _c in range(0x41, 0x5B):
    _NORMALIZE[_c] = _c + 0x20
NORMALIZE_TABLE = bytes(_NORMALIZE)


#: Longest conversation text (characters) compared for near copies. Splitting a text into words
#: and hashing them holds about 20 bytes for every byte of it; a single example of 300 MB would
#: need gigabytes. Over this size, far above any model's limit, only exact copies are found (FT703).
MAX_COMPARED_CHARS = 1_000_000
MASK32 = (1 << 32) - 1


def _calls_text(m: dict) -> str:
    """A message's tool calls (or legacy function call) as words: names and arguments are what an
    answer that calls a tool says."""
    out = []
    calls = m.get("tool_calls")
    for call in calls if type(calls) is list else ():
        fn = call.get("function") if type(call) is dict else None
        if type(fn) is dict:
            out += [_text(fn.get("name")), _text(fn.get("arguments"))]
    fc = m.get("function_call")
    if type(fc) is dict:
        out += [_text(fc.get("name")), _text(fc.get("arguments"))]
    return " ".join(out)


def _text(value) -> str:
    # a malformed call may hold any JSON, nested as deep as the parser went: show() never recurses
    return value if type(value) is str else "" if value is None else show(value, 1000)


def _norm(text: str) -> list[bytes]:
    """A text's words, case-folded, ASCII punctuation and spacing gone."""
    # surrogatepass: a lone surrogate (from a "\ud800" escape) is hashed like any other character
    folded = text if text.isascii() else text.casefold()
    return folded.encode("utf-8", "surrogatepass").translate(NORMALIZE_TABLE).split()


def _said(m: dict) -> str:
    """What a user or assistant message says: its text, and an assistant's tool calls."""
    content = m.get("content")
    part = content if type(content) is str else answer_text(m)
    if "tool_calls" in m or "function_call" in m:
        part = f"{part} {_calls_text(m)}"
    return part


def normalized_words(ex) -> list[bytes] | None:
    """The conversation's user and assistant words (tool calls included), case-folded, without
    ASCII punctuation or spacing differences. System prompts are left out: they repeat by design.
    Non-ASCII punctuation stays part of its word (a difference there changes one segment only).
    None when the text is longer than :data:`MAX_COMPARED_CHARS`. The trained answer's digest
    (:func:`answer_digest`) is kept on the way, so its words are not made twice."""
    parts = []
    size = 0
    for m in ex.flat_messages:
        role = m.get("role")
        if role == "user" or role == "assistant":
            part = _said(m) if role == "assistant" else m.get("content")
            if type(part) is not str:
                part = answer_text(m)
            size += len(part)
            if size > MAX_COMPARED_CHARS:
                return None
            parts.append((m, part))
    answer = train_answer(ex)
    words: list[bytes] = []
    for m, part in parts:
        said = _norm(part)
        if m is answer:
            ex._memo("answer_norm_digest", _digest_of, said)
        words += said
    return words


def _digest_of(words: list[bytes]) -> int:
    return hash_bytes(b" ".join(words))  # words hold no spacing: the join is unambiguous


def answer_digest(ex) -> int:
    """The trained answer up to case, spacing and punctuation (tool calls included): two answers
    that differ only there say the same thing. 0 without a trained answer."""
    return ex._memo("answer_norm_digest", _answer_digest, ex)


def _answer_digest(ex) -> int:
    answer = train_answer(ex)
    return 0 if answer is None else _digest_of(_norm(_said(answer)))


def shape_signature(ex) -> int:
    """What makes two examples different whatever their words: the sequence of roles (a system
    and user pair is not a user and empty-assistant pair) and the images they show."""
    images = []
    for m in ex.flat_messages if "content:list" in ex.features else ():  # images sit in content lists
        content = m.get("content")
        if type(content) is list:
            for part in content:
                if type(part) is dict and part.get("type") == "image_url":
                    url = part.get("image_url")
                    url = url.get("url") if type(url) is dict else url
                    images.append(zlib.crc32(_text(url).encode("utf-8", "surrogatepass")))
    roles = ex.roles or ()
    return hash_strings((tuple(r if type(r) is str else "?" for r in roles), images))


class NearDuplicate(_KeyedRule):
    code = "FT704"
    name = "near-duplicate"
    summary = "Examples that differ only in case, spacing, punctuation or a few words"
    severity = Severity.WARNING
    options = {"min-words": Option(12, "Shortest text (in words) compared segment by segment; shorter texts "
                                       "must match exactly after normalising.", min=1),
               "segments": Option(4, "Segments a text is cut into; all but one must match.", min=2, max=64),
               "max-word-difference": Option(3, "Most words by which the lengths of two texts that differ in "
                                                 "one segment may differ.", min=0),
               "common-share": Option(0.01, "A segment found in more than this share of the examples (and in "
                                             "more than 10) is template text the dataset shares, never evidence "
                                             "that two examples are the same.", float, min=0, max=1)}

    def configure(self):
        # each option is bounded on its own (see options); this one ties two together
        if self.opts["min-words"] < self.opts["segments"]:
            raise ValueError("min-words must be at least segments: every segment holds a word")

    # The state's columns: 0 the normalised text, 1 the exact example, 2 the prompt, 3 the
    # normalised answer, then one key per left-out segment, one hash per segment, the segments'
    # word counts packed into one integer, and the word count. Keys that group examples across
    # the whole run take 8 bytes; the prompt and answer (compared within a group), the segment
    # hashes (counted to tell template text) and the word count take 4: 84 bytes an example.
    def new_state(self):
        n = self.opts["segments"]
        return _Keyed(6 + 2 * n, "QQII" + "Q" * n + "I" * n + "QI")

    def observe(self, state, ex):
        if ex.ctx.role != "train":
            return
        words = normalized_words(ex)
        exact = example_digest(ex)
        prompt = prompt_digest(ex)
        n = self.opts["segments"]
        if words is None:  # too long to compare word by word: unique keys, never grouped
            unique = [exact ^ (i + 1) for i in range(n)]
            state.add(ex, exact ^ (n + 1), exact, prompt & MASK32, 0, *unique, *(u & MASK32 for u in unique), 0, 0)
            return
        shape = shape_signature(ex)
        # Words are compared by their crc32; a text or a segment by the hash of its words' crcs
        # (integer hashing is the same in every run, so the result is too).
        crcs = tuple(map(zlib.crc32, words))
        keys = [(hash(crcs) ^ shape) & MASK64, exact, prompt & MASK32, answer_digest(ex) & MASK32]
        if len(words) >= self.opts["min-words"]:
            # Cut where the words with the smallest crcs are, so that inserting or deleting a
            # word moves no cut (unless it is one) and changes one segment only.
            # A cut goes between words, never before the first; equal crcs (a repeated word)
            # are cut at in the order they occur. heapify and heappop run in C, and slices of
            # the tuple are hashed without a copy to a list.
            rest = list(crcs[1:])
            heapify(rest)
            cuts = []
            at = previous = None
            for _ in range(n - 1):
                value = heappop(rest)
                at = crcs.index(value, at + 1 if value == previous else 1)
                cuts.append(at)
                previous = value
            cuts.sort()
            bounds = [0, *cuts, len(words)]
            segments = [hash(crcs[bounds[i]:bounds[i + 1]]) for i in range(n)]
            keys += [(hash((i, *segments[:i], *segments[i + 1:])) ^ shape) & MASK64 for i in range(n)]
            keys += [(s ^ shape) & MASK32 for s in segments]
            bits = 64 // n
            top = (1 << bits) - 1
            packed = 0
            for i in range(n):
                packed |= min(bounds[i + 1] - bounds[i], top) << (bits * i)
            keys.append(packed)
        else:
            unique = [exact ^ (i + 1) for i in range(n)]  # unique per example: never groups
            keys += unique + [u & MASK32 for u in unique] + [0]
        keys.append(min(len(words), MASK32))
        state.add(ex, *keys)

    def finish(self, state):
        n = self.opts["segments"]
        exact, prompt, answer = state.keys[1], state.keys[2], state.keys[3]
        lengths, locs = state.keys[-1], state.locs
        segment_of = state.keys[4 + n:4 + 2 * n]
        packed = state.keys[4 + 2 * n]
        bits = 64 // n
        top = (1 << bits) - 1
        most = self.opts["max-word-difference"]
        best: dict[int, tuple[float, int]] = {}  # example -> (share of words that match, its partner)
        same_text = PackedGroups(state.groups(0))  # read twice: 8 bytes a member, not a list's 40
        # Exact copies (FT703 reports them) share their normalised text, so its groups hold them all.
        found = array("Q")
        for members in same_text:
            seen = set()
            for m in members:
                if exact[m] in seen:
                    found.append(m)
                else:
                    seen.add(exact[m])
        copies = array("Q", sorted(found))  # looked up by bisection: 8 bytes a copy, a set's 60
        del found
        floor = max(10, self.opts["common-share"] * len(locs))
        common, bands = _common_segments(state, segment_of, n, floor)

        def offer(m: int, partner: int, share: float) -> None:
            held = best.get(m)
            if held is not None and share <= held[0]:
                return  # no better than the partner it has: spare the reads of its keys
            at = bisect_left(copies, m)
            if (at < len(copies) and copies[at] == m) or exact[m] == exact[partner]:
                return  # an exact copy: FT703 reports it
            if prompt[m] and prompt[m] == prompt[partner] and answer[m] != answer[partner]:
                return  # the same prompt with another answer: FT705 reports it
            best[m] = (share, partner)

        for members in same_text:  # the same text after normalising
            for m in members[1:]:
                offer(m, members[0], 1.0)
        for i in range(n):  # one band's groups at a time: as kept, or found again when they were many
            kept = bands[i]
            for g, members in enumerate(kept[0] if kept is not None else state.groups(4 + i)):
                # All segments but the i-th are equal; texts whose lengths differ by more than a
                # few words differ in more than a few words there (a shared first turn, say).
                shared = kept[1][g * (n - 1):(g + 1) * (n - 1)] if kept is not None else \
                    [segment_of[j][members[0]] for j in range(n) if j != i]
                if any(v in common for v in shared):
                    continue  # what they share is the dataset's template, not their own text
                earliest: dict[int, int] = {}
                for m in members:
                    size = lengths[m]
                    held = best.get(m)
                    if held is None or held[0] < 1.0:  # a band's pair differs in a segment: never the same text
                        near = [earliest[k] for k in range(size - most, size + most + 1) if k in earliest]
                        if near:
                            partner = min(near, key=locs.__getitem__)
                            differing = ((packed[m] >> (bits * i)) & top) + ((packed[partner] >> (bits * i)) & top)
                            total = size + lengths[partner]
                            offer(m, partner, (total - differing) / max(total, 1))
                    earliest.setdefault(size, m)
        # in location order: the rows' own order when merged in input order (no list of pairs)
        order = sorted(best) if state.in_order() else sorted(best, key=locs.__getitem__)
        for m in order:  # findings made one at a time, as FT703's
            share, partner = best[m]
            path, line = state.where(locs[m])
            partner_at = locs[partner]
            how = ("the same conversation up to case, spacing and punctuation" if share == 1.0 else
                   f"{share:.0%} of their words are in segments that match exactly, and the rest differs by a "
                   "few words")
            yield Finding("", f"near duplicate of {state.cite(partner_at, path)}: {how}",
                          "keep one of them, or make them differ meaningfully", path=path, line=line,
                          related=(state.where(partner_at),))


SKETCH_BITS = 18  # counters of the segment sketch: 1 MB, whatever the size of the data
#: Members of the bands' groups kept (packed, 4 bytes each) from the pass that finds template text
#: to the pass that judges them, sparing a second grouping of each band's keys (a tenth of a
#: second a band on 1 GB). A band whose groups do not fit is grouped again.
KEPT_MEMBERS = 1 << 20


def _common_segments(state: _Keyed, segment_of: list, n: int, floor: float) -> tuple[set[int], list]:
    """The segments found in more than ``floor`` examples (template text) among those a band's
    group could ask about: the segments other than the band's of each group's first example.
    Exact, in memory that does not grow with the data: a sketch of counters (one per value of the
    low bits, a count that can only be too high) rules out nearly every segment before any is
    counted exactly; only those the sketch lets through are. Also each band's groups, packed,
    with the other segments of each (read once), while their members fit in
    :data:`KEPT_MEMBERS` (None for a band's that do not)."""
    mask = (1 << SKETCH_BITS) - 1
    sketch = array("I", bytes(4 << SKETCH_BITS))
    for column in segment_of:
        for part in scan(column):  # a spilled column is read a slice at a time, each an array
            for value in part:
                sketch[value & mask] += 1
    asked: set[int] = set()
    bands: list[tuple[PackedGroups, array] | None] = []
    room = KEPT_MEMBERS
    code = "I" if len(state.table) < 1 << 32 else "Q"  # row numbers
    for i in range(n):
        groups, shared = PackedGroups((), code), array("I")  # and the other segments of each group
        fits = True
        for members in state.groups(4 + i):
            others = [segment_of[j][members[0]] for j in range(n) if j != i]
            asked.update(v for v in others if sketch[v & mask] > floor)
            if fits:
                if len(groups.rows) + len(members) > room:
                    fits = False  # grouped again when judged: memory stays bounded
                    groups, shared = PackedGroups((), code), array("I")
                else:
                    groups.add(members)
                    shared.extend(others)
        if fits:
            room -= len(groups.rows)
        bands.append((groups, shared) if fits else None)
    del sketch
    if not asked:
        return set(), bands
    counts: Counter = Counter()
    for column in segment_of:
        for part in scan(column):
            counts.update(filter(asked.__contains__, part))
    return {k for k, c in counts.items() if c > floor}, bands


class ConflictingAnswers(_KeyedRule):
    code = "FT705"
    name = "conflicting-answers"
    summary = "The same prompt with different trained answers"
    severity = Severity.WARNING
    options = {"show": Option(10, "Most lines listed per conflicting group.", min=0)}

    def new_state(self):
        return _Keyed(2)

    def observe(self, state, ex):
        answer = train_answer(ex)
        if answer is None:
            return
        # answers that differ only in case, spacing or punctuation say the same (FT704's, if anyone's)
        state.add(ex, prompt_digest(ex), answer_digest(ex))

    def finish(self, state):
        answers = state.keys[1]
        for members in state.groups(0):  # findings made one at a time, as FT703's
            n_answers = len({answers[i] for i in members})
            if n_answers < 2:
                continue
            places = [state.where(state.locs[i]) for i in members]
            path0, line0 = places[0]
            listed = ", ".join(str(line) if path == path0 else f"{path}:{line}"
                               for path, line in places[:self.opts["show"]])
            more = f" and {len(places) - self.opts['show']} more" if len(places) > self.opts["show"] else ""
            shown = tuple(places[:self.opts["show"]])
            for path, line in places[1:]:
                yield Finding("", f"the same prompt has {n_answers} different trained answers (lines {listed}"
                              f"{more}); the model learns an average of them",
                              "agree on one answer for the prompt, or make the prompts differ",
                              path=path, line=line, related=tuple(p for p in shown if p != (path, line)))


_SPLITS = ("train", "validation", "test")  # a split leaks when an earlier one holds its example


class ValidationLeakage(_KeyedRule):
    code = "FT708"
    name = "validation-leakage"
    summary = "Validation or test examples that also appear in the training (or validation) data"
    severity = Severity.WARNING

    def new_state(self):
        return _Keyed(3)  # split, example digest, prompt digest

    def observe(self, state, ex):
        if ex.ctx.has_validation:  # without a held-out split there is nothing to leak into
            split = _SPLITS.index(ex.ctx.role) if ex.ctx.role in _SPLITS else 1
            state.add(ex, split, example_digest(ex), prompt_digest(ex))

    def finish(self, state):
        split, whole, prompt = state.keys
        locs = state.locs
        if not any(split):
            return
        # Each held-out example is matched against the earlier splits through the groups of equal
        # keys (found a bucket at a time), not through a table of every training example: memory
        # follows the leaks, not the data. The earliest split wins, and within it the whole example
        # before its prompt; the place cited is that split's first example in input order.
        leaks: dict[int, tuple[int, int, int]] = {}  # held-out row -> (split, 0 whole / 1 prompt, row)
        for kind, column in ((0, 1), (1, 2)):
            for members in state.groups(column):
                if kind and not prompt[members[0]]:
                    continue  # examples without a prompt share the empty digest, not a prompt
                first: dict[int, int] = {}
                for m in sorted(members):
                    first.setdefault(split[m], m)
                if len(first) < 2:
                    continue  # one split only: nothing leaks
                for m in members:
                    mine = split[m]
                    earlier = min((s for s in first if s < mine), default=None)
                    if earlier is None:
                        continue  # no earlier split holds it (a training example, or the first held out)
                    found, held = (earlier, kind, first[earlier]), leaks.get(m)
                    if held is None or found < held:
                        leaks[m] = found
        for i in sorted(leaks):  # findings made one at a time, as FT703's
            earlier, kind, row = leaks[i]
            path, line = state.where(locs[i])
            name = _SPLITS[split[i]]
            where = state.where(locs[row])
            if kind == 0:
                message = (f"this {name} example also appears in the {_SPLITS[earlier]} data ({where[0]}:{where[1]}); "
                           f"{name} loss on it measures memorisation")
                fix = "remove it from one of the files"
            else:
                message = (f"this {name} example's prompt also appears in the {_SPLITS[earlier]} data "
                           f"({where[0]}:{where[1]})")
                fix = "use prompts the model has not trained on"
            yield Finding("", message, fix, path=path, line=line, related=(where,))


RULES = (ExactDuplicate, NearDuplicate, ConflictingAnswers, ValidationLeakage)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
