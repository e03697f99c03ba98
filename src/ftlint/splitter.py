"""`ftlint split`: training, validation and test files cut from one dataset by content, so the
same prompt never sits on two sides and a rerun on a grown dataset keeps earlier assignments.

Every example gets a number u in [0, 1) from the xxh3 hash (seeded) of its group: the prompt it
trains on (the messages before the trained answer, and the tools: FT705 and FT708 read the same
digest), or, when nothing is trained, the example itself. By fraction (the default), u below the
test fraction is test, below test plus validation is validation, the rest training: each example
is placed by its own content alone, in one streaming pass, and an example keeps its side however
the dataset grows. By count, or stratified by the label FT706 extracts, the groups of each label
(or of the whole file) are ranked by u and the lowest fill the quota: exact sizes, in two passes;
growth can then move the examples next to a boundary."""

from __future__ import annotations

import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xxhash import xxh3_64_intdigest

from .example import Example, FileContext
from .fsutil import AtomicFile
from .reader import open_dataset, read_examples, utf8_lines
from .rules.shared import prompt_digest, train_answer

SIDES = ("train", "validation", "test")
_TRAIN, _VALID, _TEST = 0, 1, 2
_SCALE = float(1 << 64)


class SplitError(Exception):
    """The split cannot be made as asked; the message says why."""


@dataclass
class Quota:
    """How much of the data a side takes: a fraction of the examples, or a count."""

    fraction: float = 0.0
    count: int | None = None

    def of(self, total: int) -> int:
        return self.count if self.count is not None else round(self.fraction * total)


@dataclass
class SplitResult:
    paths: dict[str, str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    #: Groups (prompts) in the data, and those with more than one example, kept on one side.
    groups: int = 0
    shared_prompts: int = 0
    #: label -> side -> examples, when stratified
    labels: dict[str, Counter] | None = None
    blank: int = 0  # blank lines, left out


def _group(ex: Example) -> bytes:
    if ex.kind in ("sft", "dpo"):
        digest = prompt_digest(ex)
        if digest:
            return b"p" + digest.to_bytes(8, "little")
    return b"e" + (ex.key.encode() if ex.kind != "invalid" else ex.raw)


def _read(path: str, method: str) -> Iterator[tuple[Example, bool]]:
    """(example, whether its line is blank) of every line of the file."""
    ctx = FileContext(path, method)
    with open_dataset(path) as stream:
        for ex in read_examples(utf8_lines(stream, ctx), ctx):
            yield ex, ex.kind == "invalid" and ex.error.kind == "blank"
    if ctx.compression:
        raise SplitError(f"{path} is {ctx.compression}-compressed; decompress it to split it")


def split_file(path: str, out_dir: str, *, validation: Quota, test: Quota, seed: int = 0, method: str = "auto",
               label_of: Callable[[Example], str | None] | None = None) -> SplitResult:
    """Write ``<stem>.train.jsonl``, ``<stem>.validation.jsonl`` (and ``<stem>.test.jsonl`` when
    the test quota is not zero) in ``out_dir``; each file whole or not at all. ``label_of``:
    stratify by the label it gives (None: no label)."""
    if validation.count is None and test.count is None and validation.fraction + test.fraction >= 1:
        raise SplitError("the validation and test fractions leave nothing to train on; together they must be "
                         "below 1")
    stem = os.path.basename(path)
    for suffix in (".jsonl", ".ndjson"):
        stem = stem.removesuffix(suffix)
    sides = SIDES if (test.count or test.fraction) else SIDES[:2]
    result = SplitResult(paths={s: os.path.join(out_dir, f"{stem}.{s}.jsonl") for s in sides})
    os.makedirs(out_dir, exist_ok=True)
    for target in result.paths.values():
        if os.path.exists(target) and os.path.samefile(target, path):
            raise SplitError(f"{target} is the file being split; choose another --output-dir")
    exact = validation.count is not None or test.count is not None or label_of is not None
    place = _ranked(path, method, seed, validation, test, label_of, result) if exact else None
    seen: Counter = Counter()
    outs = {s: AtomicFile(p, prefix=".ftlint-split-") for s, p in result.paths.items()}
    try:
        i = 0
        for ex, blank in _read(path, method):
            if blank:
                result.blank += 1
                continue
            if place is not None:
                side = place[i]
            else:
                group = _group(ex)
                seen[group] += 1
                u = xxh3_64_intdigest(group, seed) / _SCALE
                side = _TEST if u < test.fraction else _VALID if u < test.fraction + validation.fraction else _TRAIN
            i += 1
            outs[SIDES[side]].write(ex.raw + b"\n")
            result.counts[SIDES[side]] += 1
        for out in outs.values():
            out.commit()
    finally:
        for out in outs.values():
            out.abort()
    if place is None:
        result.groups, result.shared_prompts = len(seen), sum(1 for n in seen.values() if n > 1)
    return result


def _ranked(path: str, method: str, seed: int, validation: Quota, test: Quota, label_of, result: SplitResult):
    """The side of every example (by its index), ranking each stratum's groups by their hash."""
    hashes = array("Q")
    strata = array("I")
    names: dict[str, int] = {}
    sizes: Counter = Counter()
    group_stratum: dict[int, int] = {}
    for ex, blank in _read(path, method):
        if blank:
            continue
        group = _group(ex)
        h = xxh3_64_intdigest(group, seed)
        hashes.append(h)
        sizes[h] += 1
        stratum = group_stratum.get(h)
        if stratum is None:  # a group is as its first example is labelled: one prompt, one side
            label = label_of(ex) if label_of is not None and ex.kind in ("sft", "dpo") else None
            stratum = group_stratum[h] = names.setdefault("" if label is None else label, len(names))
        strata.append(stratum)
    result.groups, result.shared_prompts = len(sizes), sum(1 for n in sizes.values() if n > 1)
    total = len(hashes)
    place = bytearray(total)  # train unless placed
    by_stratum: dict[int, list[int]] = {}
    for i, s in enumerate(strata):
        by_stratum.setdefault(s, []).append(i)
    counted = label_of is not None
    label_names = {number: name for name, number in names.items()}
    labels: dict[str, Counter] = {}
    for stratum, members in by_stratum.items():
        share = len(members) / total if total else 0
        # a count is shared among the strata in proportion to their size
        want_test = round(test.of(total) * share) if counted else test.of(total)
        want_valid = round(validation.of(total) * share) if counted else validation.of(total)
        members.sort(key=lambda i: (hashes[i], i))
        taken_test = taken_valid = 0
        at = 0
        while at < len(members):
            h = hashes[members[at]]
            end = at
            while end < len(members) and hashes[members[end]] == h:  # one group: one side
                end += 1
            if taken_test < want_test:
                side, taken_test = _TEST, taken_test + end - at
            elif taken_valid < want_valid:
                side, taken_valid = _VALID, taken_valid + end - at
            else:
                break
            for j in members[at:end]:
                place[j] = side
            at = end
        if counted:
            labels[label_names[stratum] or "(no label)"] = Counter(SIDES[place[j]] for j in members)
    if counted:
        result.labels = labels
    if (validation.count or 0) + (test.count or 0) > total:
        raise SplitError(f"asked for {validation.count or 0} validation and {test.count or 0} test examples, but "
                         f"the file holds {total}")
    return place


def label_reader(session: Any) -> Callable[[Example], str | None]:
    """The label of an example as FT706 reads it, with the options the configuration gives it
    (its defaults when the configuration turns it off)."""
    from .rules.dataset import LabelImbalance
    from .rules.shared import answer_text

    rule = next((r for r in session.ruleset.rules if isinstance(r, LabelImbalance)), None) or LabelImbalance()

    def label_of(ex: Example) -> str | None:
        answer = train_answer(ex)
        return None if answer is None else rule.label(answer_text(answer))

    return label_of
