"""FT7xx: the dataset as a whole: its size, label balance and refusals. What every dataset rule
shares (line locations, digests, the trained answer) is in ``shared.py``.

Every rule keeps compact state: fixed-size digests and line locations in arrays (8 bytes each),
counters with a cap, the first few line numbers. States of parts of the input merge by appending,
so files and parts of files are linted in parallel; grouping happens once, in ``finish``.
Duplicates, conflicts and leakage are in ``duplicates.py``, format consistency in ``consistency.py``.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import DatasetRule, Option
from .shared import Paths, answer_text, loc, moved, moved_array, train_answer


class _Counts(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[int, int] = {}  # training file -> examples


class TooFewExamples(DatasetRule):
    code = "FT701"
    name = "too-few-examples"
    summary = "A training file with fewer examples than the provider accepts"
    options = {"minimum": Option(10, "Fewest examples a training file may have (OpenAI: 10).", min=0)}

    def new_state(self):
        return _Counts()

    def observe(self, state, ex):
        # a file named as a validation or test split is small by design, whatever it is linted as
        if ex.ctx.role == "train" and ex.ctx.split not in ("validation", "test"):
            state.see(ex)
            state.files[ex.ctx.file_index] = state.files.get(ex.ctx.file_index, 0) + 1

    def merge(self, first, second):
        first.merge_paths(second)
        for k, v in second.files.items():
            first.files[k] = first.files.get(k, 0) + v
        return first

    def relocate(self, state, move):
        state.move_paths(move)
        state.files = {move.index if k == move.old_index else k: v for k, v in state.files.items()}
        return state

    def finish(self, state):
        out = []
        for index, n in sorted(state.files.items()):
            if n < self.opts["minimum"]:
                out.append(Finding("", f"the file has {n} example(s); {self.provider} rejects training files "
                                   f"with fewer than {self.opts['minimum']} ('Training file has {n} example(s), "
                                   "but must have at least 10 examples')",
                                   "add examples; 50 to 100 is where improvement usually starts",
                                   path=state.paths[index], line=1))
        return out


class FewExamples(TooFewExamples):
    code = "FT702"
    name = "few-examples"
    summary = "A training file with fewer examples than usually help"
    severity = Severity.WARNING
    options = {"minimum": Option(50, "Examples below which a warning is given (guidance: 50-100).", min=0),
               "error-minimum": Option(10, "Counts below this are FT701's.", min=0)}

    def finish(self, state):
        out = []
        for index, n in sorted(state.files.items()):
            if self.opts["error-minimum"] <= n < self.opts["minimum"]:
                out.append(Finding("", f"the file has {n} examples; fine-tuning usually starts to help at 50 to 100 "
                                   "well-chosen examples", "add examples, or expect a small effect",
                                   path=state.paths[index], line=1))
        return out


class _Labels(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.labels: Counter = Counter()
        self.first: dict[str, int] = {}
        self.total = 0
        self.overflow = False


class LabelImbalance(DatasetRule):
    code = "FT706"
    name = "label-imbalance"
    summary = "Classification labels dominated by one class"
    severity = Severity.WARNING
    options = {
        "label-pointer": Option("", "JSON pointer into a JSON answer that holds the label, e.g. /sport; "
                                    "empty: the whole answer, when answers look like labels.", str),
        "max-labels": Option(20, "Most distinct answers that still look like labels.", min=2),
        "max-length": Option(40, "Longest answer (characters) that looks like a label.", min=1),
        "max-share": Option(0.7, "Warn when the majority label has more than this share.", float, min=0, max=1),
        "max-ratio": Option(5.0, "Warn when majority/minority counts pass this ratio.", float, min=1),
        "min-examples": Option(20, "Fewest labelled examples worth judging.", min=0),
    }

    def new_state(self):
        return _Labels()

    def label(self, answer: str) -> str | None:
        pointer = self.opts["label-pointer"]
        if pointer:
            try:
                value = json.loads(answer)
            except ValueError:
                return None
            for part in pointer.strip("/").split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(value, dict) and part in value:
                    value = value[part]
                elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                    value = value[int(part)]
                else:
                    return None
            return value if isinstance(value, str) else json.dumps(value)
        answer = answer.strip()
        return answer if 0 < len(answer) <= self.opts["max-length"] else None

    def observe(self, state, ex):
        answer = None if state.overflow else train_answer(ex)
        if answer is None:
            return
        state.total += 1
        label = self.label(answer_text(answer))
        if label is None:
            return
        state.see(ex)
        state.labels[label] += 1
        state.first.setdefault(label, loc(ex))
        if len(state.labels) > 4 * self.opts["max-labels"]:
            state.overflow = True  # free text, not labels: stop counting
            state.labels.clear()
            state.first.clear()

    def relocate(self, state, move):
        state.move_paths(move)
        state.first = {k: moved(v, move) for k, v in state.first.items()}
        return state

    def merge(self, first, second):
        first.merge_paths(second)
        first.total += second.total
        first.overflow |= second.overflow
        if first.overflow:
            first.labels.clear()
            first.first.clear()
            return first
        first.labels.update(second.labels)
        for k, v in second.first.items():
            first.first[k] = min(first.first.get(k, v), v)
        return first

    def finish(self, state):
        labelled = sum(state.labels.values())
        n = len(state.labels)
        if state.overflow or n < 2 or n > self.opts["max-labels"] or labelled < self.opts["min-examples"]:
            return None
        if not self.opts["label-pointer"] and (labelled < 0.9 * state.total or n > max(2, labelled / 5)):
            return None  # most answers are not short labels, or too varied to be classes
        ranked = state.labels.most_common()
        (top, most), (rare, least) = ranked[0], ranked[-1]
        share, ratio = most / labelled, most / least
        if share <= self.opts["max-share"] and ratio <= self.opts["max-ratio"]:
            return None
        dist = ", ".join(f"{show(label)}: {c} ({c / labelled:.0%})" for label, c in ranked[:8])
        if share > self.opts["max-share"]:
            # one class takes most of the data: that class is the finding
            path, line = state.where(state.first[top])
            return (Finding("", f"the trained answers look like {n} labels and {show(top)} dominates "
                            f"({share:.0%} of them): {dist}", "balance the classes (more examples of the other "
                            "labels, fewer of this one), or set the expected mix in the rule's options",
                            path=path, line=line),)
        # the classes are even but for a rare one: that one is the finding
        path, line = state.where(state.first[rare])
        return (Finding("", f"the trained answers look like {n} labels and {show(rare)} is rare: {least} "
                        f"example(s), {ratio:.1f}x fewer than {show(top)}: {dist}", f"add examples of {show(rare)} "
                        "(or drop the label), or set the expected mix in the rule's options",
                        path=path, line=line),)


REFUSALS_EN = (
    r"\bI(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:'|no)t|cannot|am unable to|won't)",
    r"\bI can(?:'|no)t (?:help|assist|answer|comply|provide|do that)",
    r"\bI cannot (?:help|assist|answer|comply|provide|do that)",
    r"\bI(?:'m| am) (?:not able|unable) to (?:help|assist|answer|comply|provide)",
    r"\bI won't be able to (?:help|assist|answer)",
    r"\bAs an AI(?: language model)?,? I (?:can(?:'|no)t|cannot|don't|do not)",
    r"\bAs an AI language model\b",
    r"\bI must (?:decline|refuse)\b",
)
REFUSALS_ZH = (
    r"抱歉[，,]?\s*我(?:无法|不能|没办法)",
    r"对不起[，,]?\s*我(?:无法|不能|没办法)",
    r"我(?:无法|不能)(?:回答|提供|帮助|协助)",
    r"作为(?:一个)?(?:AI|人工智能)(?:语言模型)?[，,]?\s*我(?:无法|不能)",
)


REFUSAL_WORDS = ("sorry", "afraid", "can't", "cannot", "unable", "not able", "won't", "as an ai", "decline",
                 "refuse", "抱歉", "对不起", "无法", "不能")


class _Refusals(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.total = 0
        self.count = 0
        self.first = array("Q")


class RefusalRatio(DatasetRule):
    code = "FT707"
    name = "refusal-ratio"
    summary = "Too many trained answers are refusals"
    severity = Severity.WARNING
    options = {
        "max-ratio": Option(0.1, "Share of refusals above which to warn.", float, min=0, max=1),
        "patterns": Option([], "Extra refusal patterns (regular expressions, case-insensitive).", list, item_type=str),
        "extra-patterns": Option([], "Patterns contributed by plugins (register_rule_options).", list, item_type=str),
        "show": Option(10, "Lines of refusals listed.", min=0),
        "min-examples": Option(20, "Fewest trained answers worth judging.", min=0),
    }
    def configure(self):
        self.builtin = re.compile("|".join(f"(?:{p})" for p in (*REFUSALS_EN, *REFUSALS_ZH)), re.IGNORECASE)
        extra = [*self.opts["extra-patterns"], *self.opts["patterns"]]
        try:
            self.extra = re.compile("|".join(f"(?:{p})" for p in extra), re.IGNORECASE) if extra else None
        except re.error as exc:
            raise ValueError(f"invalid refusal pattern: {exc}") from None

    def matches(self, text: str) -> bool:
        lowered = text.casefold()
        # Every built-in pattern holds one of these words; checking them first spares the
        # regular expression on the answers that are not refusals (nearly all of them).
        for word in REFUSAL_WORDS:  # a plain loop: a third faster than any() over a generator
            if word in lowered:
                if self.builtin.search(text):
                    return True
                break
        return self.extra is not None and self.extra.search(text) is not None

    def new_state(self):
        return _Refusals()

    def observe(self, state, ex):
        answer = train_answer(ex)
        if answer is None:
            return
        state.total += 1
        content = answer.get("content")
        refused = bool(answer.get("refusal")) or (isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "refusal" for p in content))
        if not refused:
            text = answer_text(answer)[:400]
            refused = bool(text) and self.matches(text)
        if refused:
            state.count += 1
            if len(state.first) < self.opts["show"]:
                state.see(ex)
                state.first.append(loc(ex))

    def relocate(self, state, move):
        state.move_paths(move)
        state.first = moved_array(state.first, move)
        return state

    def merge(self, first, second):
        first.merge_paths(second)
        first.total += second.total
        first.count += second.count
        room = self.opts["show"] - len(first.first)
        first.first.extend(second.first[:max(room, 0)])
        return first

    def finish(self, state):
        if state.total < self.opts["min-examples"] or not state.count:
            return None
        ratio = state.count / state.total
        if ratio <= self.opts["max-ratio"]:
            return None
        places = [state.where(x) for x in state.first]
        listed = ", ".join(f"{p}:{line}" for p, line in places)
        path, line = places[0]
        return (Finding("", f"{state.count} of {state.total} trained answers ({ratio:.0%}) are refusals, above "
                        f"{self.opts['max-ratio']:.0%}; an overabundance of refusals teaches the model to refuse "
                        f"too often. First: {listed}", "remove refusals the model should not learn, or raise "
                        "max-ratio if your product needs them", path=path, line=line),)


RULES = (TooFewExamples, FewExamples, LabelImbalance, RefusalRatio)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
