"""Dataset splits told by their file names: ``training_set.jsonl``, ``valid.jsonl``,
``chat_validation.jsonl``, ``sft_test.jsonl``. A folder that holds a training split and others is
linted as one dataset: the others become validation or test data, checked for leakage from
training and not held to a training file's size. ``[tool.ftlint.split-names]`` replaces the words
of a split."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

#: The words of a file name (split at anything but letters and digits) that name its split.
SPLIT_WORDS = {
    "train": ("train", "training", "trainset"),
    "validation": ("valid", "validation", "val", "dev", "eval", "evaluation", "validset"),
    "test": ("test", "testing", "testset", "holdout"),
}
SPLITS = tuple(SPLIT_WORDS)


class SplitNames:
    """Which split a file's name says, with the words of each split (defaults, or the config's)."""

    def __init__(self, overrides: Mapping[str, list[str]] | None = None) -> None:
        table = {**SPLIT_WORDS, **{k: tuple(v) for k, v in (overrides or {}).items()}}
        self.word_split = {w.lower(): split for split, words in table.items() for w in words}
        self._seen: dict[str, str | None] = {}

    def split_of(self, path: str) -> str | None:
        """train, validation or test as the file's name says, or None when it names none or two."""
        found = self._seen.get(path, "?")
        if found == "?":
            stem = os.path.basename(path).lower()
            for suffix in (".jsonl", ".ndjson", ".json"):
                stem = stem.removesuffix(suffix)
            splits = {self.word_split[w] for w in re.split(r"[^a-z0-9]+", stem) if w in self.word_split}
            found = self._seen[path] = splits.pop() if len(splits) == 1 else None
        return found

    def paired_roles(self, paths: list[str]) -> dict[str, str]:
        """{path: "validation" | "test"} for the files named so in a folder whose training split
        is among ``paths``."""
        by_folder: dict[str, list[tuple[str, str | None]]] = {}
        for p in paths:
            by_folder.setdefault(os.path.dirname(os.path.abspath(p)), []).append((p, self.split_of(p)))
        out: dict[str, str] = {}
        for members in by_folder.values():
            if any(split == "train" for _, split in members):
                out.update({p: split for p, split in members if split in ("validation", "test")})
        return out
