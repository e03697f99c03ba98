"""FT711-FT712: leftovers of the legacy prompt/completion recipe inside chat data.

The old recipe ended every prompt with a fixed separator (``" ->"``, ``"\\n\\n###\\n\\n"``,
``"Solution:"``) and began every completion with a space and ended it with a stop marker, so that
a completion model knew where to start and stop. Chat models need none of it; trained on it, they
learn to write the markers. OpenAI's old ``prepare_data`` tool looked for both.
"""

from __future__ import annotations

import re
from collections import Counter

from ..diagnostics import Finding, Severity
from ..hookspecs import hookimpl
from ..quote import show
from ..rule import DatasetRule, Option
from .shared import Paths, answer_text, loc, moved, train_answer

MAX_TOKEN = 24  # characters: a marker is short; a longer last word is text
# A file's convention shows in its first lines: these rules judge the first 5,000 of each file,
# so that they cost nothing more on a file of millions (the line decides, not the part of the
# file a process reads, so the verdict is the same with any -j).
SAMPLED_LINES = 5000
_STOP_WORD = re.compile(r"END|STOP|<\|?[A-Za-z_]+\|?>")
_PRUNE_AT = 2000  # distinct last words kept before those seen once are dropped


def last_word(text: str) -> str | None:
    """The text's last whitespace-separated word, if it is short enough to be a marker."""
    tail = text[-4 * MAX_TOKEN:]  # the end is all that matters: no copy of a long text
    words = tail.rsplit(None, 1)
    if not words:
        words = text.rstrip()[-4 * MAX_TOKEN:].rsplit(None, 1)  # a long run of trailing spaces
        if not words:
            return None
    word = words[-1]
    if len(words) == 1 and len(text) > len(tail):
        return None  # the last word may run on before the tail looked at
    return word if len(word) <= MAX_TOKEN else None


_WORD_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


def tail_marker(word: str) -> str | None:
    """The run of punctuation a word ends with, when it is two characters or more ("72!!!")."""
    core = word.rstrip("!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~")
    return word[len(core):] if len(word) - len(core) >= 2 else None


def is_marker(word: str) -> bool:
    """Whether a word shared by nearly every message is a recipe's marker rather than a natural
    ending: a separator character (``Solution:``, ``->``, ``###``), a run of one punctuation
    mark (``!!!``) or a stop word (``END``, ``<|end|>``). Sentence ends, closing brackets and
    quotes (``.``, ``?``, ``"}`` of JSON answers) are natural."""
    if _STOP_WORD.fullmatch(word) or any(c in ":#|=>~" for c in word):
        return True
    return len(word) >= 3 and len(set(word)) == 1 and not word[0].isalnum()


class _Ends(Paths):
    def __init__(self) -> None:
        super().__init__()
        self.total = 0
        self.words: Counter = Counter()
        self.first: dict[str, int] = {}
        self.leading = 0  # answers that start with whitespace
        self.first_leading = 0

    def count(self, word: str, ex) -> None:
        words = self.words
        if word in words:
            words[word] += 1
            return
        words[word] = 1
        self.first[word] = loc(ex)
        if len(words) > _PRUNE_AT:
            self.prune()

    def merge(self, other: _Ends) -> _Ends:
        self.merge_paths(other)
        self.total += other.total
        self.words.update(other.words)
        for k, v in other.first.items():
            self.first[k] = min(self.first.get(k, v), v)
        self.leading += other.leading
        if other.first_leading and (not self.first_leading or other.first_leading < self.first_leading):
            self.first_leading = other.first_leading
        self.prune()
        return self

    def prune(self) -> None:
        # a marker on nearly every message is never among the words seen once
        if len(self.words) > _PRUNE_AT:
            for word in [w for w, c in self.words.items() if c == 1]:
                del self.words[word]
                self.first.pop(word, None)


class _RecipeRule(DatasetRule):
    severity = Severity.WARNING
    options = {"min-share": Option(0.9, "Share of the messages that must end with the same marker.", float,
                                   min=0, max=1),
               "min-examples": Option(20, "Fewest examples worth judging.", min=1)}

    def new_state(self):
        return _Ends()

    def merge(self, first, second):
        return first.merge(second)

    def relocate(self, state, move):
        # Only the first SAMPLED_LINES lines of a file are looked at: a part moves as it is
        # when it lies on the same side of that line in both places, else it is linted again.
        last_old, last_new = move.old_first + move.count - 1, move.first + move.count - 1
        if not ((last_old <= SAMPLED_LINES and last_new <= SAMPLED_LINES) or
                (move.old_first > SAMPLED_LINES and move.first > SAMPLED_LINES)):
            raise NotImplementedError("the part moved across the sampled lines")
        state.move_paths(move)
        state.first = {k: moved(v, move) for k, v in state.first.items()}
        state.first_leading = moved(state.first_leading, move)
        return state

    def shared_marker(self, state: _Ends) -> tuple[str, int] | None:
        if state.total < self.opts["min-examples"]:
            return None
        for word, count in state.words.most_common(3):
            if count >= self.opts["min-share"] * state.total and is_marker(word):
                return word, count
        return None


class PromptSeparator(_RecipeRule):
    code = "FT711"
    name = "prompt-separator"
    summary = "Every prompt ends with the same separator, a leftover of the prompt/completion recipe"

    def observe(self, state, ex):
        if ex.line > SAMPLED_LINES or train_answer(ex) is None:
            return
        content = None
        for m in reversed(ex.flat_messages):
            if m.get("role") == "user":
                content = m.get("content")
                break
        if type(content) is not str:
            return
        state.see(ex)
        state.total += 1
        word = last_word(content)
        if word is not None:
            state.count(word, ex)

    def finish(self, state):
        found = self.shared_marker(state)
        if found is None:
            return None
        word, count = found
        path, line = state.where(state.first[word])
        return (Finding("", f"{count:,} of {state.total:,} prompts ({count / state.total:.0%}) end with "
                        f"{show(word)}, the separator of the legacy prompt/completion recipe; a chat model reads "
                        "the role boundaries instead, and learns to expect the separator",
                        f"remove {show(word)} from the end of the user messages (and from prompts at inference)",
                        path=path, line=line),)


class CompletionMarkers(_RecipeRule):
    code = "FT712"
    name = "completion-markers"
    summary = "Every answer starts with a space or ends with the same stop marker, leftovers of the recipe"

    def observe(self, state, ex):
        if ex.line > SAMPLED_LINES:
            return
        answer = train_answer(ex)
        if answer is None or "tool_calls" in answer or "function_call" in answer:
            return
        text = answer_text(answer)
        if not text:
            return
        state.see(ex)
        state.total += 1
        if text[0] in " \t\n":
            state.leading += 1
            state.first_leading = state.first_leading or loc(ex)
        word = last_word(text)
        if word is not None:
            state.count(word, ex)
            marker = tail_marker(word)
            if marker is not None and marker != word:
                state.count(marker, ex)

    def finish(self, state):
        if state.total < self.opts["min-examples"]:
            return None
        out = []
        share = self.opts["min-share"] * state.total
        if state.leading >= share:
            path, line = state.where(state.first_leading)
            out.append(Finding("", f"{state.leading:,} of {state.total:,} answers ({state.leading / state.total:.0%}) "
                               "start with whitespace, as completions of the legacy recipe did; the model learns "
                               "to start its answers with it", "strip the leading whitespace of the answers",
                               path=path, line=line))
        found = self.shared_marker(state)
        if found is not None:
            word, count = found
            path, line = state.where(state.first[word])
            out.append(Finding("", f"{count:,} of {state.total:,} answers ({count / state.total:.0%}) end with "
                               f"{show(word)}, a stop marker of the legacy recipe; the model learns to write it",
                               f"remove {show(word)} from the end of the answers: chat models stop by themselves",
                               path=path, line=line))
        return out or None


RULES = (PromptSeparator, CompletionMarkers)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)
